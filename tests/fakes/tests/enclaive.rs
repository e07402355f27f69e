//! The enclaive fake against the documented examples (shared/seeds/enclaive-emcp-virtual-machines.md).
mod common;

use common::{assert_same_shape, client, cloud, watch, STEP};
use serde_json::{json, Value};
use vmdeck_fakes::credentials::{ENCLAIVE_EMAIL, ENCLAIVE_PASSWORD};
use vmdeck_fakes::enclaive::{PROJECT_ID, TEAM_ID, USER_TOKEN};
use vmdeck_fakes::fixture;

fn authed(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request.bearer_auth(USER_TOKEN)
}

#[tokio::test]
async fn login_answers_the_documented_tokens_and_refuses_a_wrong_password() {
    let cloud = cloud().await;
    let url = format!("{}/api/login", cloud.enclaive.url());
    let ok = client()
        .post(&url)
        .json(&json!({"email": ENCLAIVE_EMAIL, "password": ENCLAIVE_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    assert_eq!(ok.json::<Value>().await.unwrap(), fixture("enclaive/login-201.json"));
    let wrong =
        client().post(&url).json(&json!({"email": ENCLAIVE_EMAIL, "password": "nope"})).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
}

#[tokio::test]
async fn every_other_route_needs_the_bearer_token() {
    let cloud = cloud().await;
    let url = format!("{}/api/teams/{TEAM_ID}/projects/{PROJECT_ID}/virtual-machines", cloud.enclaive.url());
    assert_eq!(client().get(&url).send().await.unwrap().status(), 401);
    assert_eq!(client().get(&url).bearer_auth("expired").send().await.unwrap().status(), 401);
    assert_eq!(authed(client().get(&url)).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_documented_vm_is_served_exactly_as_documented() {
    let cloud = cloud().await;
    let base = cloud.enclaive.url();
    let list: Value =
        authed(client().get(format!("{base}/api/teams/{TEAM_ID}/projects/{PROJECT_ID}/virtual-machines")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(list, fixture("enclaive/list-vms-200.json"));
    let one: Value = authed(client().get(format!("{base}/api/virtual-machines/654a11e60b23ef1b0f36d44e")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one, fixture("enclaive/get-vm-200.json"));
    let projects: Value = authed(client().get(format!("{base}/api/teams/{TEAM_ID}/projects")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(projects, fixture("enclaive/team-projects-200.json"));
    let me: Value =
        authed(client().get(format!("{base}/api/users/current"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(me, fixture("enclaive/users-current-200.json"));
}

#[tokio::test]
async fn the_documented_create_payload_creates_a_vm_that_goes_from_status_0_to_3() {
    let cloud = cloud().await;
    let base = cloud.enclaive.url();
    let response = authed(client().post(format!("{base}/api/virtual-machines")))
        .header("content-type", "application/json")
        .body(vmdeck_fakes::fixture_text("enclaive/create-vm-request.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let documented = fixture("enclaive/create-vm-201.json");
    assert_same_shape(&created, &documented);
    assert_eq!(created[0]["name"], documented[0]["name"]);
    assert_eq!(created[0]["status"], json!(0));
    let id = created[0]["_id"].as_str().unwrap().to_owned();

    let status = || async {
        let vm: Value = authed(client().get(format!("{base}/api/virtual-machines/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        vm["status"].to_string()
    };
    assert_eq!(watch(STEP * 10, "3", status).await, ["0", "3"]);
    let vm: Value = authed(client().get(format!("{base}/api/virtual-machines/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_same_shape(&vm, &fixture("enclaive/get-vm-200.json"));
}

#[tokio::test]
async fn stop_start_and_delete_answer_the_documented_messages() {
    let cloud = cloud().await;
    let base = cloud.enclaive.url();
    let id = "654a11e60b23ef1b0f36d44e";
    for (action, fixture_name) in [("stop", "stop-vm-200.json"), ("start", "start-vm-200.json")] {
        let body: Value = authed(client().put(format!("{base}/api/virtual-machines/{id}/{action}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body, fixture(&format!("enclaive/{fixture_name}")));
        tokio::time::sleep(STEP * 2).await;
    }
    let deleted = authed(client().delete(format!("{base}/api/virtual-machines/{id}"))).send().await.unwrap();
    let body: Value = deleted.json().await.unwrap();
    assert_same_shape(&body, &fixture("enclaive/delete-vm-200.json"));
    assert_eq!(body["vmId"], json!(id));
    tokio::time::sleep(STEP * 2).await;
    let list: Value =
        authed(client().get(format!("{base}/api/teams/{TEAM_ID}/projects/{PROJECT_ID}/virtual-machines")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(list, json!([]));
    let missing = authed(client().get(format!("{base}/api/virtual-machines/{id}"))).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn create_needs_one_host_name_per_vm() {
    let cloud = cloud().await;
    let mut request = fixture("enclaive/create-vm-request.json");
    request["quantity"] = json!(2);
    let response = authed(client().post(format!("{}/api/virtual-machines", cloud.enclaive.url())))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}
