//! Fault injection through the control API, as a test in another process (the E2E suite) uses it.
mod common;

use common::{client, cloud};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use vmdeck_fakes::credentials::HYPERSTACK_API_KEY;

async fn inject(base: &str, rule: Value) {
    let response = client().post(format!("{base}/__fake/faults")).json(&rule).send().await.unwrap();
    assert_eq!(response.status(), 204);
}

fn flavors(base: &str) -> reqwest::RequestBuilder {
    client().get(format!("{base}/v1/core/flavors")).header("api_key", HYPERSTACK_API_KEY)
}

#[tokio::test]
async fn latency_delays_the_real_answer() {
    let cloud = cloud().await;
    let base = cloud.hyperstack.url();
    inject(
        &base,
        json!({"path_prefix": "/v1/core/flavors", "fault": {"kind": "latency", "ms": 300}, "times": 1}),
    )
    .await;
    let started = Instant::now();
    let response = flavors(&base).send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["status"], json!(true));
}

#[tokio::test]
async fn a_429_carries_retry_after_and_the_backends_error_body_then_expires() {
    let cloud = cloud().await;
    let base = cloud.hyperstack.url();
    inject(
        &base,
        json!({"method": "GET", "path_prefix": "/v1/core", "fault": {"kind": "status", "status": 429, "retry_after_secs": 7}, "times": 1}),
    )
    .await;
    let limited = flavors(&base).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["status"], json!(false));
    assert_eq!(body["message"], json!("Too Many Requests"));
    assert_eq!(flavors(&base).send().await.unwrap().status(), 200, "times: 1 means once");
}

#[tokio::test]
async fn server_errors_use_each_backends_own_error_format() {
    let cloud = cloud().await;
    for status in [500, 502, 503] {
        inject(
            &cloud.cloudvm.url(),
            json!({"path_prefix": "/vm", "fault": {"kind": "status", "status": status}, "times": 1}),
        )
        .await;
        let response =
            client().get(format!("{}/vm?environment=aws-test1", cloud.cloudvm.url())).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
        inject(
            &cloud.vault.url(),
            json!({"path_prefix": "/v1/", "fault": {"kind": "status", "status": status}, "times": 1}),
        )
        .await;
        let vault = client().get(format!("{}/v1/sys/health", cloud.vault.url())).send().await.unwrap();
        assert_eq!(vault.status().as_u16(), status);
        assert!(vault.json::<Value>().await.unwrap()["errors"].is_array());
    }
}

#[tokio::test]
async fn a_hanging_route_never_answers() {
    let cloud = cloud().await;
    let base = cloud.enclaive.url();
    inject(&base, json!({"path_prefix": "/api/login", "fault": {"kind": "hang"}})).await;
    let result = client()
        .post(format!("{base}/api/login"))
        .timeout(Duration::from_millis(300))
        .json(&json!({}))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
}

#[tokio::test]
async fn malformed_json_and_html_pages_stand_in_for_the_answer() {
    let cloud = cloud().await;
    let base = cloud.hyperstack.url();
    inject(
        &base,
        json!({"path_prefix": "/v1/core/flavors", "fault": {"kind": "malformed_json"}, "times": 1}),
    )
    .await;
    let malformed = flavors(&base).send().await.unwrap();
    assert_eq!(malformed.headers()["content-type"], "application/json");
    assert!(malformed.json::<Value>().await.is_err());
    inject(
        &base,
        json!({"path_prefix": "/v1/core/flavors", "fault": {"kind": "html_page", "status": 502}, "times": 1}),
    )
    .await;
    let html = flavors(&base).send().await.unwrap();
    assert_eq!(html.status(), 502);
    assert!(html.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(html.text().await.unwrap().contains("<h1>502 Error</h1>"));
}

#[tokio::test]
async fn the_request_log_counts_what_reached_the_server_and_faults_clear() {
    let cloud = cloud().await;
    let base = cloud.hyperstack.url();
    inject(&base, json!({"path_prefix": "/v1", "fault": {"kind": "status", "status": 503}})).await;
    assert_eq!(flavors(&base).send().await.unwrap().status(), 503);
    assert_eq!(client().delete(format!("{base}/__fake/faults")).send().await.unwrap().status(), 204);
    assert_eq!(flavors(&base).send().await.unwrap().status(), 200);
    let log: Value =
        client().get(format!("{base}/__fake/requests")).send().await.unwrap().json().await.unwrap();
    let hits = log.as_array().unwrap().iter().filter(|r| r["path"] == json!("/v1/core/flavors")).count();
    assert_eq!(hits, 2);
}

#[tokio::test]
async fn a_vm_address_can_point_at_a_local_server() {
    let cloud = cloud().await;
    let base = cloud.enclaive.url();
    let id = "654a11e60b23ef1b0f36d44e";
    let set = client()
        .put(format!("{base}/__fake/machines/{id}/address"))
        .json(&json!({"public_ip": "127.0.0.1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 204);
    let vm: Value = client()
        .get(format!("{base}/api/virtual-machines/{id}"))
        .bearer_auth(vmdeck_fakes::enclaive::USER_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(vm["ipConfigurations"][0]["address"], json!("127.0.0.1"));
}
