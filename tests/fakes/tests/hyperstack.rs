//! The Hyperstack fake against the documented examples (shared/seeds/hyperstack-infrahub-create-vm.txt).
mod common;

use common::{assert_same_shape, client, cloud, watch, STEP};
use serde_json::{json, Value};
use vmdeck_fakes::credentials::HYPERSTACK_API_KEY;
use vmdeck_fakes::fixture;

fn get(url: String) -> reqwest::RequestBuilder {
    client().get(url).header("api_key", HYPERSTACK_API_KEY).header("accept", "application/json")
}

#[tokio::test]
async fn the_documented_create_request_gets_the_documented_response() {
    let cloud = cloud().await;
    let base = cloud.hyperstack.url();
    let response = client()
        .post(format!("{base}/v1/core/virtual-machines"))
        .header("accept", "application/json")
        .header("api_key", HYPERSTACK_API_KEY)
        .header("content-type", "application/json")
        .body(vmdeck_fakes::fixture_text("hyperstack/create-vm-request.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let documented = fixture("hyperstack/create-vm-200.json");
    assert_eq!(body["status"], json!(true));
    assert_eq!(body["message"], documented["message"]);
    let instance = &body["instances"][0];
    assert_same_shape(instance, &documented["instances"][0]);
    for field in [
        "name",
        "status",
        "environment",
        "image",
        "flavor",
        "os",
        "keypair",
        "floating_ip_status",
        "port_randomization",
    ] {
        assert_eq!(instance[field], documented["instances"][0][field], "{field}");
    }
}

#[tokio::test]
async fn a_new_vm_goes_creating_build_active_and_stops_starts_and_disappears_on_delete() {
    let cloud = cloud().await;
    let base = cloud.hyperstack.url();
    let mut request = fixture("hyperstack/create-vm-request.json");
    request["name"] = json!("lifecycle");
    let created: Value = client()
        .post(format!("{base}/v1/core/virtual-machines"))
        .header("api_key", HYPERSTACK_API_KEY)
        .json(&request)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["instances"][0]["id"].as_u64().unwrap();
    let status = || async {
        let body: Value =
            get(format!("{base}/v1/core/virtual-machines/{id}")).send().await.unwrap().json().await.unwrap();
        body["instance"]["status"].as_str().unwrap().to_owned()
    };
    assert_eq!(watch(STEP * 10, "ACTIVE", status).await, ["CREATING", "BUILD", "ACTIVE"]);

    let stop: Value =
        get(format!("{base}/v1/core/virtual-machines/{id}/stop")).send().await.unwrap().json().await.unwrap();
    assert_eq!(stop["status"], json!(true));
    assert_eq!(watch(STEP * 10, "SHUTOFF", status).await.last().unwrap(), "SHUTOFF");
    let again = get(format!("{base}/v1/core/virtual-machines/{id}/stop")).send().await.unwrap();
    assert_eq!(again.status(), 400, "stopping a stopped VM is refused");

    get(format!("{base}/v1/core/virtual-machines/{id}/start")).send().await.unwrap();
    assert_eq!(watch(STEP * 10, "ACTIVE", status).await.last().unwrap(), "ACTIVE");

    let deleted = client()
        .delete(format!("{base}/v1/core/virtual-machines/{id}"))
        .header("api_key", HYPERSTACK_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    tokio::time::sleep(STEP * 2).await;
    let gone = get(format!("{base}/v1/core/virtual-machines/{id}")).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    let body: Value = gone.json().await.unwrap();
    assert_eq!(body["status"], json!(false));
    assert_eq!(body["error_reason"], json!("not_found"));
    let list: Value =
        get(format!("{base}/v1/core/virtual-machines")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["instances"], json!([]));
    // The list envelope is the SDK's `Instances`: count, page and page_size beside the instances.
    assert_same_shape(&list, &fixture("hyperstack/instances-200.json"));
}

#[tokio::test]
async fn a_wrong_or_missing_api_key_gets_401_in_the_error_envelope() {
    let cloud = cloud().await;
    let base = cloud.hyperstack.url();
    for key in [Some("wrong"), None] {
        let mut request = client().get(format!("{base}/v1/core/environments"));
        if let Some(key) = key {
            request = request.header("api_key", key);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_same_shape(&body, &fixture("hyperstack/error-400.json"));
        assert_eq!(body["error_reason"], json!("unauthorized"));
    }
}

#[tokio::test]
async fn create_is_validated_as_documented() {
    let cloud = cloud().await;
    let base = cloud.hyperstack.url();
    let cases = [
        ("count", json!(21), 400),
        ("count", json!(0), 400),
        ("name", json!("x".repeat(51)), 400),
        ("environment_name", json!("nowhere"), 404),
        ("flavor_name", json!("n9-nothing"), 404),
        ("key_name", json!("other-key"), 404),
    ];
    for (field, value, status) in cases {
        let mut request = fixture("hyperstack/create-vm-request.json");
        request[field] = value;
        let response = client()
            .post(format!("{base}/v1/core/virtual-machines"))
            .header("api_key", HYPERSTACK_API_KEY)
            .json(&request)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{field}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], json!(false), "{field}");
    }
    let mut twenty = fixture("hyperstack/create-vm-request.json");
    twenty["count"] = json!(20);
    let body: Value = client()
        .post(format!("{base}/v1/core/virtual-machines"))
        .header("api_key", HYPERSTACK_API_KEY)
        .json(&twenty)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["instances"].as_array().unwrap().len(), 20);
    assert_eq!(cloud.hyperstack.shared.count("POST", "/v1/core/virtual-machines"), 7);
}

#[tokio::test]
async fn catalog_answers_follow_the_documented_schemas() {
    let cloud = cloud().await;
    let base = cloud.hyperstack.url();
    let environments: Value =
        get(format!("{base}/v1/core/environments")).send().await.unwrap().json().await.unwrap();
    assert_eq!(environments["message"], json!("Getting environments successful"));
    assert_eq!(environments["environments"][0], fixture("hyperstack/environment-fields.json"));
    let flavors: Value = get(format!("{base}/v1/core/flavors")).send().await.unwrap().json().await.unwrap();
    let groups = flavors["data"].as_array().unwrap();
    assert!(groups.iter().all(|g| g["gpu"].is_string() && g["region_name"].is_string()));
    assert_eq!(groups[0]["flavors"][0], fixture("hyperstack/flavor-fields.json"));
    let protocols: Value =
        get(format!("{base}/v1/core/sg-rules-protocols")).send().await.unwrap().json().await.unwrap();
    assert!(protocols["protocols"].as_array().unwrap().contains(&json!("tcp")));
}

#[tokio::test]
async fn console_is_requested_in_two_steps_and_only_for_active_vms() {
    let cloud = cloud().await;
    let base = cloud.hyperstack.url();
    let created: Value = client()
        .post(format!("{base}/v1/core/virtual-machines"))
        .header("api_key", HYPERSTACK_API_KEY)
        .json(&fixture("hyperstack/create-vm-request.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["instances"][0]["id"].as_u64().unwrap();
    let early = get(format!("{base}/v1/core/virtual-machines/{id}/request-console")).send().await.unwrap();
    assert_eq!(early.status(), 400, "a VM that is still being created has no console");
    tokio::time::sleep(STEP * 3).await;
    let first: Value = get(format!("{base}/v1/core/virtual-machines/{id}/request-console"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_same_shape(&first, &fixture("hyperstack/request-console-200.json"));
    let path = first["url"].as_str().unwrap();
    assert!(path.starts_with(&format!("/core/virtual-machines/{id}/console/")), "{path}");
    // Until the job is done the follow-up answers 404; then the documented VNC_URL object.
    assert_eq!(get(format!("{base}/v1{path}")).send().await.unwrap().status(), 404);
    tokio::time::sleep(STEP * 2).await;
    let link: Value = get(format!("{base}/v1{path}")).send().await.unwrap().json().await.unwrap();
    assert_same_shape(&link, &fixture("hyperstack/vnc-url-200.json"));
    assert!(link["vnc_url"]["vnc_url"].as_str().unwrap().starts_with("https://"));
}
