//! Vault against a real Vault-compatible server, OpenBao (`bao server -dev`), one per test: KV v1 and
//! v2 with versions, the enclaive root-credential path read with a team token, userpass and AppRole,
//! policies that deny, namespaces, token renewal and expiry, a sealed server. The app's Vault settings
//! service against it is in vault_openbao_service.rs. The fake Vault (tests/vault.rs) is kept only for
//! what a real server cannot be made to do here: an OIDC identity provider, hangs and malformed answers.
#[path = "common/openbao.rs"]
mod openbao;

use openbao::{config, enclaive_layout, OpenBao, ROOT_TOKEN};
use serde_json::json;
use std::time::Duration;
use vmdeck_engine::vault::{FieldMapping, KvVersion, PathVars, Vault, VaultAuth};
use vmdeck_engine::{ErrorCode, Secret};
use vmdeck_fakes::enclaive::{TEAM_ID, VAULT_TOKEN as ENCLAIVE_TEAM_TOKEN};

async fn as_root(bao: &OpenBao) -> Vault {
    Vault::connect(config(&bao.url, VaultAuth::Token), Secret::new(ROOT_TOKEN)).await.unwrap()
}

const ENCLAIVE_TEMPLATE: &str = "enclaive-static/data/{teamId}/user/root";

#[tokio::test]
async fn the_enclaive_team_token_reads_its_root_login_at_the_documented_path_and_nothing_else() {
    let bao = OpenBao::start().await;
    enclaive_layout(&bao).await;
    let vault =
        Vault::connect(config(&bao.url, VaultAuth::Token), Secret::new(ENCLAIVE_TEAM_TOKEN)).await.unwrap();
    let vars = PathVars { team_id: Some(TEAM_ID.into()), ..Default::default() };
    let creds = vault.credentials(ENCLAIVE_TEMPLATE, &vars, &FieldMapping::default()).await.unwrap();
    assert_eq!(creds.username.as_deref(), Some("root"));
    assert_eq!(creds.password.as_ref().unwrap().expose(), "Sup3r-Secret!");
    assert_eq!(creds.fields, ["password", "username"]);
    // Versions, as an argument and pinned in a template the way Vault's API does.
    let first = vault.read(&format!("enclaive-static/data/{TEAM_ID}/user/root"), Some(1)).await.unwrap();
    assert_eq!(first["password"].expose(), "first-password");
    let old =
        vault.credentials(&format!("{ENCLAIVE_TEMPLATE}?version=1"), &vars, &FieldMapping::default()).await;
    assert_eq!(old.unwrap().password.unwrap().expose(), "first-password");
    let bad = vault.read(&format!("enclaive-static/data/{TEAM_ID}/user/root?v=1"), None).await.unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidInput, "{bad:?}");
    // The team's policy denies another team's secret: told apart from a missing one.
    let denied = vault.read("enclaive-static/data/other-team/user/root", None).await.unwrap_err();
    assert_eq!(denied.code, ErrorCode::VaultDenied, "{denied:?}");
    assert!(denied.message.contains("permission denied"), "{}", denied.message);
    let status = vault.status().await.unwrap();
    assert!(status.policies.contains(&"enclaive-team".to_owned()), "{status:?}");
    assert!(status.renewable && status.expires_in_secs.unwrap() > 3000, "{status:?}");
}

#[tokio::test]
async fn kv_v1_reads_a_v1_style_path_on_a_v2_mount_names_the_right_path_and_missing_is_not_found() {
    let bao = OpenBao::start().await;
    enclaive_layout(&bao).await;
    bao.enable_kv(None, "kv1", 1).await;
    bao.put_v1("kv1", "vmdeck/lab", json!({"username": "debian", "password": "lab-pw"})).await;
    let vault = as_root(&bao).await;
    assert_eq!(vault.read("kv1/vmdeck/lab", None).await.unwrap()["username"].expose(), "debian");
    let err = vault.read(&format!("enclaive-static/{TEAM_ID}/user/root"), None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    assert!(err.message.contains("KV version 2"), "{}", err.message);
    assert_eq!(err.details.unwrap()["suggestion"], format!("enclaive-static/data/{TEAM_ID}/user/root"));
    let missing = vault.read("secret/data/nothing/here", None).await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound, "{missing:?}");
    let missing_v1 = vault.read("kv1/nothing", None).await.unwrap_err();
    assert_eq!(missing_v1.code, ErrorCode::NotFound, "{missing_v1:?}");
}

#[tokio::test]
async fn a_kv_version_set_in_the_settings_overrides_what_the_path_suggests() {
    let bao = OpenBao::start().await;
    enclaive_layout(&bao).await;
    let mut v2 = config(&bao.url, VaultAuth::Token);
    v2.kv_version = KvVersion::V2;
    let vault = Vault::connect(v2, Secret::new(ROOT_TOKEN)).await.unwrap();
    let root = vault.read(&format!("enclaive-static/{TEAM_ID}/user/root"), None).await.unwrap();
    assert_eq!(root["password"].expose(), "Sup3r-Secret!");

    let mut v1 = config(&bao.url, VaultAuth::Token);
    v1.kv_version = KvVersion::V1;
    let vault = Vault::connect(v1, Secret::new(ROOT_TOKEN)).await.unwrap();
    // Set to v1, a `data/` path is read as it is: the server answers with the v2 envelope.
    let raw = vault.read(&format!("enclaive-static/data/{TEAM_ID}/user/root"), None).await.unwrap();
    let mut keys: Vec<_> = raw.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["data", "metadata"]);
}

#[tokio::test]
async fn the_field_mapping_of_the_settings_decides_which_field_is_the_password() {
    let bao = OpenBao::start().await;
    bao.put_v2(None, "secret", "vmdeck/lab", json!({"login": "debian", "secret_word": "pw-1"})).await;
    let mut custom = config(&bao.url, VaultAuth::Token);
    custom.fields.username = vec!["login".into()];
    custom.fields.password = vec!["secret_word".into()];
    let vault = Vault::connect(custom, Secret::new(ROOT_TOKEN)).await.unwrap();
    let creds = vault.credentials_at("secret/data/vmdeck/lab").await.unwrap();
    assert_eq!(creds.username.as_deref(), Some("debian"));
    assert_eq!(creds.password.unwrap().expose(), "pw-1");
}

#[tokio::test]
async fn userpass_and_approle_sign_in_and_wrong_secrets_say_auth_failed() {
    let bao = OpenBao::start().await;
    bao.policy("vmdeck-reader", "path \"secret/data/*\" { capabilities = [\"read\"] }").await;
    bao.userpass("alice", "wonderland", "vmdeck-reader", "1h").await;
    let (role_id, secret_id) = bao.approle("vmdeck", "vmdeck-reader").await;

    let userpass = VaultAuth::Userpass { username: "alice".into(), mount: "userpass".into() };
    let vault = Vault::connect(config(&bao.url, userpass.clone()), Secret::new("wonderland")).await.unwrap();
    assert_eq!(vault.status().await.unwrap().display_name, "userpass-alice");
    let approle = VaultAuth::Approle { role_id, mount: "approle".into() };
    let vault = Vault::connect(config(&bao.url, approle.clone()), Secret::new(secret_id)).await.unwrap();
    assert!(vault.status().await.unwrap().policies.contains(&"vmdeck-reader".to_owned()));

    for (auth, secret) in [(userpass, "wrong"), (approle, "wrong"), (VaultAuth::Token, "s.unknown")] {
        let err = Vault::connect(config(&bao.url, auth.clone()), Secret::new(secret)).await.err().unwrap();
        assert_eq!(err.code, ErrorCode::AuthFailed, "{auth:?}: {err:?}");
    }
}

#[tokio::test]
async fn a_namespace_is_sent_with_every_request() {
    let bao = OpenBao::start().await;
    bao.call("POST", "sys/namespaces/team-a", serde_json::Value::Null).await;
    bao.enable_kv(Some("team-a"), "kv", 2).await;
    bao.put_v2(Some("team-a"), "kv", "vmdeck/lab", json!({"password": "namespaced"})).await;
    let mut in_ns = config(&bao.url, VaultAuth::Token);
    in_ns.namespace = Some("team-a".into());
    let vault = Vault::connect(in_ns, Secret::new(ROOT_TOKEN)).await.unwrap();
    assert_eq!(vault.read("kv/data/vmdeck/lab", None).await.unwrap()["password"].expose(), "namespaced");
    // Without the namespace the same path names a mount that is not there.
    let outside = as_root(&bao).await.read("kv/data/vmdeck/lab", None).await.unwrap_err();
    assert_eq!(outside.code, ErrorCode::NotFound, "{outside:?}");
}

#[tokio::test]
async fn a_sealed_server_an_unreachable_one_and_tls_to_plain_http_are_told_apart() {
    let bao = OpenBao::start().await;
    let vault = as_root(&bao).await;
    bao.seal().await;
    let sealed = vault.read("secret/data/anything", None).await.unwrap_err();
    assert_eq!(sealed.code, ErrorCode::VaultSealed, "{sealed:?}");
    assert!(sealed.message.contains("nseal"), "{}", sealed.message);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = Vault::connect(config(&closed, VaultAuth::Token), Secret::new("t")).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::Unreachable, "{err:?}");
    let https = bao.url.replace("http://", "https://");
    let err = Vault::connect(config(&https, VaultAuth::Token), Secret::new("t")).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::TlsFailure, "{err:?}");
}

#[tokio::test]
async fn a_token_running_low_is_renewed_and_an_expired_one_asks_for_a_new_token() {
    let bao = OpenBao::start().await;
    // A 6 s token: after 4.2 s less than a third of its life is left, so the next call renews it
    // (to its TTL again); unrenewed it would have under 2 s left.
    let short = bao.token(None, &["default"], "6s").await;
    let vault = Vault::connect(config(&bao.url, VaultAuth::Token), Secret::new(short)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(4200)).await;
    let renewed = vault.status().await.unwrap();
    assert!(renewed.expires_in_secs.unwrap() >= 4, "renewed: {renewed:?}");

    // A pasted token that expired cannot be renewed: the user is told to enter a new one.
    let doomed = bao.token(None, &["default"], "2s").await;
    let vault = Vault::connect(config(&bao.url, VaultAuth::Token), Secret::new(doomed)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let err = vault.status().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AuthFailed, "{err:?}");
    assert!(err.message.contains("expired"), "{}", err.message);
}

#[tokio::test]
async fn an_expired_userpass_token_signs_in_again_with_the_stored_password() {
    let bao = OpenBao::start().await;
    bao.policy("vmdeck-reader", "path \"secret/data/*\" { capabilities = [\"read\"] }").await;
    // Tokens that live 2 s at most: renewal cannot keep them, only a new sign-in can.
    bao.userpass("alice", "wonderland", "vmdeck-reader", "2s").await;
    bao.put_v2(None, "secret", "vmdeck/lab", json!({"password": "lab-pw"})).await;
    let userpass = VaultAuth::Userpass { username: "alice".into(), mount: "userpass".into() };
    let vault = Vault::connect(config(&bao.url, userpass), Secret::new("wonderland")).await.unwrap();
    let before = vault.status().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(vault.read("secret/data/vmdeck/lab", None).await.unwrap()["password"].expose(), "lab-pw");
    let after = vault.status().await.unwrap();
    assert_eq!(after.display_name, before.display_name);
    assert!(after.expires_in_secs.unwrap() >= 1, "a fresh token: {after:?}");
}
