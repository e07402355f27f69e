//! The Cloud VM API fake against the README's examples (shared/seeds/cloud-vm-api-readme.md) and the
//! server's handlers (olljanat/cloud-vm-api, internal/api/*.go).
mod common;

use base64::Engine;
use common::{client, cloud, watch, STEP};
use serde_json::{json, Value};
use vmdeck_fakes::credentials::{CLOUDVM_ACCESS, CLOUDVM_SECRET};

fn token(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn good() -> String {
    token(&format!("{CLOUDVM_ACCESS}:{CLOUDVM_SECRET}"))
}

#[tokio::test]
async fn the_readme_flow_creates_lists_stops_starts_and_deletes() {
    let cloud = cloud().await;
    let base = cloud.cloudvm.url();
    let cloud_init = token("#cloud-config\nusers:\n- name: dev\n  sudo: ALL=(ALL) NOPASSWD:ALL\n");
    let created = client()
        .post(format!("{base}/vm"))
        .bearer_auth(good())
        .json(&json!({"name": "test1", "environment": "aws-test1", "machinetype": "medium-debian", "cloud_init": cloud_init}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let text = created.text().await.unwrap();
    assert!(text.ends_with('\n'), "Go's json.Encoder ends with a newline");
    let vm: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(vm["name"], json!("test1"));
    assert_eq!(vm["status"], json!("deploying"));
    let id = vm["id"].as_str().unwrap().to_owned();

    let status = || async {
        let list: Value = client()
            .get(format!("{base}/vm?environment=aws-test1"))
            .bearer_auth(good())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list[0]["status"].as_str().unwrap_or("gone").to_owned()
    };
    assert_eq!(watch(STEP * 10, "running", status).await, ["deploying", "running"]);
    for (action, settles_to) in [("stop", "ready"), ("start", "running")] {
        let response = client()
            .get(format!("{base}/vm/{id}/{action}?environment=aws-test1"))
            .bearer_auth(good())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204, "{action}");
        assert_eq!(watch(STEP * 10, settles_to, status).await.last().unwrap(), settles_to);
    }
    let deleted = client()
        .delete(format!("{base}/vm/{id}?environment=aws-test1"))
        .bearer_auth(good())
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(watch(STEP * 10, "gone", status).await.last().unwrap(), "gone");
    let list: Value = client()
        .get(format!("{base}/vm?environment=pve-lab"))
        .bearer_auth(good())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]), "another environment's list stays empty");
}

async fn plain_error(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "text/plain; charset=utf-8");
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn errors_are_go_plain_text_in_the_servers_order_of_checks() {
    let cloud = cloud().await;
    let base = cloud.cloudvm.url();
    let no_env =
        plain_error(client().get(format!("{base}/vm")).bearer_auth(good()).send().await.unwrap()).await;
    assert_eq!(no_env, (400, "missing environment parameter\n".into()));
    let bad_env = plain_error(client().get(format!("{base}/vm?environment=x")).send().await.unwrap()).await;
    assert_eq!(bad_env, (400, "environment with name x not found\n".into()));
    let no_token =
        plain_error(client().get(format!("{base}/vm?environment=aws-test1")).send().await.unwrap()).await;
    assert_eq!(no_token, (401, "missing or invalid Authorization header\n".into()));
    let garbage = plain_error(
        client().get(format!("{base}/vm?environment=aws-test1")).bearer_auth("!!").send().await.unwrap(),
    )
    .await;
    assert_eq!(garbage.0, 401);
    assert!(
        garbage.1.starts_with("unable parsing credentials. Error: failed to decode token"),
        "{}",
        garbage.1
    );
    let no_colon = plain_error(
        client()
            .get(format!("{base}/vm?environment=aws-test1"))
            .bearer_auth(token("justakey"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(no_colon, (401, "unable parsing credentials. Error: invalid token format\n".into()));
    let wrong_secret = client()
        .get(format!("{base}/vm?environment=aws-test1"))
        .bearer_auth(token(&format!("{CLOUDVM_ACCESS}:wrong")))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_secret.status(), 500, "the server only learns a key is wrong from the cloud");
    let missing = plain_error(
        client()
            .get(format!("{base}/vm/i-nothing/stop?environment=aws-test1"))
            .bearer_auth(good())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(missing, (404, "VM not found\n".into()));
}

#[tokio::test]
async fn the_readmes_echo_pipe_base64_adds_a_newline_that_breaks_the_secret() {
    let cloud = cloud().await;
    // `echo 'access:secret' | base64 -w 0`, as the README shows it, encodes a trailing newline.
    let with_newline = token(&format!("{CLOUDVM_ACCESS}:{CLOUDVM_SECRET}\n"));
    let response = client()
        .get(format!("{}/vm?environment=aws-test1", cloud.cloudvm.url()))
        .bearer_auth(with_newline)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
}

#[tokio::test]
async fn create_refuses_unknown_machine_types_and_bad_bodies() {
    let cloud = cloud().await;
    let base = cloud.cloudvm.url();
    let unknown = client()
        .post(format!("{base}/vm"))
        .bearer_auth(good())
        .json(&json!({"name": "a", "environment": "aws-test1", "machinetype": "huge"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        plain_error(unknown).await,
        (400, "Invalid machinetype for this cloud: machinetype huge not found\n".into())
    );
    let broken = client().post(format!("{base}/vm")).bearer_auth(good()).body("{").send().await.unwrap();
    let (status, text) = plain_error(broken).await;
    assert_eq!(status, 400);
    assert!(text.starts_with("Invalid request body: "), "{text}");
}
