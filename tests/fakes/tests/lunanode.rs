//! The Lunanode fake against the documented examples (shared/seeds/lunanode-api-vm.txt) and the request
//! signature of LunaNode's own Go client (LunaNode/cloug, provider/lunanode/api/api.go).
mod common;

use common::{assert_same_shape, client, cloud, watch, STEP};
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha512;
use vmdeck_fakes::credentials::{LUNANODE_API_ID, LUNANODE_API_KEY};
use vmdeck_fakes::fixture;

/// A client written from the published scheme, independent of the fake's own code.
async fn call(base: &str, key: &str, handler: &str, params: &[(&str, &str)]) -> Value {
    let mut req = Map::new();
    for (k, v) in params {
        req.insert((*k).into(), json!(v));
    }
    req.insert("api_id".into(), json!(LUNANODE_API_ID));
    req.insert("api_partialkey".into(), json!(&key[..64]));
    let req = Value::Object(req).to_string();
    let nonce =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
    let mut mac = Hmac::<Sha512>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("{handler}|{req}|{nonce}").as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let form = [("handler", handler), ("req", &req), ("signature", &signature), ("nonce", &nonce)];
    client().post(format!("{base}/api/{handler}")).form(&form).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn vm_info_of_the_documented_vm_is_the_documented_answer() {
    let cloud = cloud().await;
    let info = call(
        &cloud.lunanode.url(),
        LUNANODE_API_KEY,
        "vm/info/",
        &[("vm_id", "16b64847-0a86-42ea-bea8-ed60bd960c68")],
    )
    .await;
    assert_eq!(info, fixture("lunanode/vm-info-200.json"));
}

#[test]
fn the_printed_vm_info_example_is_not_json_until_its_quotes_are_escaped() {
    let printed = vmdeck_fakes::fixture_text("lunanode/vm-info-200.as-documented.txt");
    assert!(serde_json::from_str::<Value>(&printed).is_err());
    let escaped = printed.replace("\"<font color=\"green\">", "\"<font color=\\\"green\\\">");
    assert_eq!(serde_json::from_str::<Value>(&escaped).unwrap(), fixture("lunanode/vm-info-200.json"));
}

#[tokio::test]
async fn the_documented_create_runs_and_stops_with_the_documented_answers() {
    let cloud = cloud().await;
    let base = cloud.lunanode.url();
    let created = call(
        &base,
        LUNANODE_API_KEY,
        "vm/create/",
        &[("hostname", "myvm"), ("plan_id", "m.4"), ("image_id", "94953")],
    )
    .await;
    assert_same_shape(&created, &fixture("lunanode/vm-create-200.json"));
    let id = created["vm_id"].as_str().unwrap().to_owned();

    let list = call(&base, LUNANODE_API_KEY, "vm/list/", &[]).await;
    assert_same_shape(&list, &fixture("lunanode/vm-list-200.json"));
    let status = || async {
        let info = call(&base, LUNANODE_API_KEY, "vm/info/", &[("vm_id", &id)]).await;
        info["info"]["status_raw"].as_str().unwrap().to_owned()
    };
    assert_eq!(watch(STEP * 10, "active", status).await, ["building", "active"]);
    let stopped = call(&base, LUNANODE_API_KEY, "vm/stop/", &[("vm_id", &id)]).await;
    assert_eq!(stopped, fixture("lunanode/vm-stop-200.json"));
    let vnc = call(&base, LUNANODE_API_KEY, "vm/vnc/", &[("vm_id", &id)]).await;
    assert_same_shape(&vnc, &fixture("lunanode/vm-vnc-200.json"));
    let deleted = call(&base, LUNANODE_API_KEY, "vm/delete/", &[("vm_id", &id)]).await;
    assert_eq!(deleted, json!({"success": "yes"}));
    tokio::time::sleep(STEP * 2).await;
    let gone = call(&base, LUNANODE_API_KEY, "vm/info/", &[("vm_id", &id)]).await;
    assert_eq!(gone["success"], json!("no"));
}

#[tokio::test]
async fn a_wrong_key_or_signature_fails_with_success_no() {
    let cloud = cloud().await;
    let base = cloud.lunanode.url();
    let wrong_key = "x".repeat(128);
    let answer = call(&base, &wrong_key, "vm/list/", &[]).await;
    assert_eq!(answer["success"], json!("no"));
    assert!(answer["error"].is_string());
    let unsigned = client()
        .post(format!("{base}/api/vm/list/"))
        .form(&[("req", "{}"), ("signature", "00"), ("nonce", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.json::<Value>().await.unwrap()["success"], json!("no"));
}

#[tokio::test]
async fn create_checks_the_documented_required_parameters() {
    let cloud = cloud().await;
    let base = cloud.lunanode.url();
    for params in [
        vec![("plan_id", "m.4"), ("image_id", "94953")],
        vec![("hostname", "a"), ("image_id", "94953")],
        vec![("hostname", "a"), ("plan_id", "m.4")],
        vec![("hostname", "a"), ("plan_id", "m.4"), ("image_id", "94953"), ("region", "atlantis")],
    ] {
        let answer = call(&base, LUNANODE_API_KEY, "vm/create/", &params).await;
        assert_eq!(answer["success"], json!("no"), "{params:?}");
    }
    assert_eq!(cloud.lunanode.shared.count("POST", "/api/vm/create/"), 4);
}

#[tokio::test]
async fn catalog_lists_plans_images_and_regions() {
    let cloud = cloud().await;
    let base = cloud.lunanode.url();
    let plans = call(&base, LUNANODE_API_KEY, "plan/list/", &[]).await;
    let plan = &plans["plans"][0];
    for field in ["plan_id", "name", "vcpu", "price", "ram", "storage", "bandwidth"] {
        assert!(plan[field].is_string(), "{field}");
    }
    let images = call(&base, LUNANODE_API_KEY, "image/list/", &[]).await;
    assert_eq!(images["images"][0]["image_id"], json!("94953"));
    let regions = call(&base, LUNANODE_API_KEY, "region/list/", &[]).await;
    assert_eq!(regions["regions"]["toronto"], json!("Toronto"));
}
