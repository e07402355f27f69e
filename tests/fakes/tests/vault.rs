//! The Vault fake: the enclaive credential path of the docs, KV v1/v2, versions, auth methods, tokens,
//! policies, the sealed state and namespaces.
mod common;

use common::{client, cloud};
use serde_json::{json, Value};
use std::time::Duration;
use vmdeck_fakes::credentials::VAULT_ROOT_TOKEN;
use vmdeck_fakes::enclaive::{TEAM_ID, VAULT_TOKEN};
use vmdeck_fakes::vault::{
    enclaive_root_path, APPROLE_ROLE_ID, APPROLE_SECRET_ID, NAMESPACE, USERPASS_PASSWORD, USERPASS_USER,
};

async fn read(base: &str, token: &str, path: &str) -> reqwest::Response {
    client().get(format!("{base}/v1/{path}")).header("X-Vault-Token", token).send().await.unwrap()
}

#[tokio::test]
async fn the_enclaive_docs_request_reads_the_team_root_credentials() {
    let cloud = cloud().await;
    let base = cloud.vault.url();
    // {{VAULT_URL}}/v1/enclaive-static/data/{teamId}/user/root?version=0, with the team's vaultToken.
    let response =
        read(&base, VAULT_TOKEN, &format!("enclaive-static/data/{TEAM_ID}/user/root?version=0")).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["data"], json!({"username": "root", "password": "Sup3r-Secret!"}));
    assert_eq!(body["data"]["metadata"]["version"], json!(2));
    assert_eq!(body["mount_type"], json!("kv"));
    for field in ["request_id", "lease_id", "renewable", "lease_duration", "wrap_info", "warnings", "auth"] {
        assert!(body.get(field).is_some(), "{field}");
    }
    let first: Value =
        read(&base, VAULT_TOKEN, &format!("enclaive-static/data/{}?version=1", enclaive_root_path()))
            .await
            .json()
            .await
            .unwrap();
    assert_eq!(first["data"]["data"]["password"], json!("first-password"));
    let none =
        read(&base, VAULT_TOKEN, &format!("enclaive-static/data/{}?version=9", enclaive_root_path())).await;
    assert_eq!(none.status(), 404);
    assert_eq!(none.json::<Value>().await.unwrap(), json!({"errors": []}));
}

#[tokio::test]
async fn a_deleted_version_reads_as_404_with_its_metadata() {
    let cloud = cloud().await;
    cloud.vault.state.delete_version("", "enclaive-static", &enclaive_root_path(), 2);
    let response =
        read(&cloud.vault.url(), VAULT_TOKEN, &format!("enclaive-static/data/{}", enclaive_root_path()))
            .await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["data"], Value::Null);
    assert_ne!(body["data"]["metadata"]["deletion_time"], json!(""));
}

#[tokio::test]
async fn kv_v1_reads_flat_and_a_v2_mount_read_the_v1_way_is_not_found() {
    let cloud = cloud().await;
    let base = cloud.vault.url();
    let v1: Value = read(&base, VAULT_ROOT_TOKEN, "kv1/vmdeck/lab").await.json().await.unwrap();
    assert_eq!(v1["data"], json!({"username": "debian", "password": "kv1-password"}));
    let mounts: Value =
        read(&base, VAULT_ROOT_TOKEN, "sys/internal/ui/mounts/kv1/vmdeck/lab").await.json().await.unwrap();
    assert_eq!(mounts["data"]["options"]["version"], json!("1"));
    let v2: Value =
        read(&base, VAULT_ROOT_TOKEN, "sys/internal/ui/mounts/enclaive-static/x").await.json().await.unwrap();
    assert_eq!(v2["data"]["options"]["version"], json!("2"));
    let wrong_way = read(&base, VAULT_ROOT_TOKEN, &format!("enclaive-static/{}", enclaive_root_path())).await;
    assert_eq!(wrong_way.status(), 404);
}

#[tokio::test]
async fn userpass_and_approle_logins_give_working_tokens_and_wrong_secrets_400() {
    let cloud = cloud().await;
    let base = cloud.vault.url();
    let login: Value = client()
        .post(format!("{base}/v1/auth/userpass/login/{USERPASS_USER}"))
        .json(&json!({"password": USERPASS_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["auth"]["client_token"].as_str().unwrap();
    assert!(login["auth"]["renewable"].as_bool().unwrap());
    let me: Value = read(&base, token, "auth/token/lookup-self").await.json().await.unwrap();
    assert_eq!(me["data"]["id"], json!(token));
    assert!(me["data"]["ttl"].as_u64().unwrap() > 0);

    let approle: Value = client()
        .post(format!("{base}/v1/auth/approle/login"))
        .json(&json!({"role_id": APPROLE_ROLE_ID, "secret_id": APPROLE_SECRET_ID}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(approle["auth"]["client_token"].as_str().unwrap().starts_with("hvs."));

    let wrong = client()
        .post(format!("{base}/v1/auth/userpass/login/{USERPASS_USER}"))
        .json(&json!({"password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);
    assert_eq!(wrong.json::<Value>().await.unwrap(), json!({"errors": ["invalid username or password"]}));
    let wrong_role = client()
        .post(format!("{base}/v1/auth/approle/login"))
        .json(&json!({"role_id": APPROLE_ROLE_ID, "secret_id": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_role.status(), 400);
}

#[tokio::test]
async fn an_expired_token_is_denied_and_renewal_extends_a_live_one() {
    let cloud = cloud().await;
    let base = cloud.vault.url();
    let short = cloud.vault.state.issue_token(Duration::from_millis(300));
    let renewed: Value = client()
        .post(format!("{base}/v1/auth/token/renew-self"))
        .header("X-Vault-Token", &short)
        .json(&json!({"increment": 3600}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(renewed["auth"]["lease_duration"], json!(3600));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(read(&base, &short, "auth/token/lookup-self").await.status(), 200, "renewed, so still valid");

    let doomed = cloud.vault.state.issue_token(Duration::from_millis(100));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let expired = read(&base, &doomed, "auth/token/lookup-self").await;
    assert_eq!(expired.status(), 403);
    assert_eq!(expired.json::<Value>().await.unwrap(), json!({"errors": ["permission denied"]}));
    assert_eq!(read(&base, "", "auth/token/lookup-self").await.status(), 403);
}

#[tokio::test]
async fn a_denied_path_is_403_and_a_sealed_vault_is_503() {
    let cloud = cloud().await;
    let base = cloud.vault.url();
    let path = format!("enclaive-static/data/{}", enclaive_root_path());
    cloud.vault.state.deny("", "enclaive-static/data/");
    let denied = read(&base, VAULT_TOKEN, &path).await;
    assert_eq!(denied.status(), 403);
    assert_eq!(denied.json::<Value>().await.unwrap(), json!({"errors": ["permission denied"]}));

    // Sealed, through the control API as another process would do it.
    let sealed = client()
        .put(format!("{base}/__fake/vault/seal"))
        .json(&json!({"sealed": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(sealed.status(), 204);
    let response = read(&base, VAULT_TOKEN, &path).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"errors": ["Vault is sealed"]}));
    let health: Value =
        client().get(format!("{base}/v1/sys/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["sealed"], json!(true));
}

#[tokio::test]
async fn namespaces_keep_their_own_secrets() {
    let cloud = cloud().await;
    let base = cloud.vault.url();
    let in_ns: Value = client()
        .get(format!("{base}/v1/secret/data/vmdeck/lab"))
        .header("X-Vault-Token", VAULT_ROOT_TOKEN)
        .header("X-Vault-Namespace", NAMESPACE)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(in_ns["data"]["data"]["password"], json!("namespaced"));
    let root = read(&base, VAULT_ROOT_TOKEN, "secret/data/vmdeck/lab").await;
    assert_eq!(root.status(), 404, "the root namespace has no such secret");
}
