//! Vault against the fake Vault of tests/fakes: each auth method, KV v1 and v2 with versions,
//! namespaces, renewal and re-login, and every error a user can meet.
mod common;

use common::cloud;
use std::time::Duration;
use vmdeck_engine::vault::{FieldMapping, KvVersion, PathVars, Vault, VaultAuth, VaultConfig};
use vmdeck_engine::{ErrorCode, Secret};
use vmdeck_fakes::credentials::VAULT_ROOT_TOKEN;
use vmdeck_fakes::enclaive::{TEAM_ID, VAULT_TOKEN as ENCLAIVE_TEAM_TOKEN};
use vmdeck_fakes::vault::{APPROLE_ROLE_ID, APPROLE_SECRET_ID, NAMESPACE, USERPASS_PASSWORD, USERPASS_USER};

fn config(address: String, auth: VaultAuth) -> VaultConfig {
    VaultConfig {
        address,
        namespace: None,
        auth,
        skip_verify: false,
        ca_cert_path: None,
        kv_version: KvVersion::Auto,
        fields: FieldMapping::default(),
    }
}

const ENCLAIVE_TEMPLATE: &str = "enclaive-static/data/{teamId}/user/root";

#[tokio::test]
async fn the_enclaive_team_token_reads_the_root_credentials_at_the_documented_path() {
    let cloud = cloud().await;
    let vault = Vault::connect(config(cloud.vault.url(), VaultAuth::Token), Secret::new(ENCLAIVE_TEAM_TOKEN))
        .await
        .unwrap();
    let vars = PathVars { team_id: Some(TEAM_ID.into()), ..Default::default() };
    let creds = vault.credentials(ENCLAIVE_TEMPLATE, &vars, &FieldMapping::default()).await.unwrap();
    assert_eq!(creds.username.as_deref(), Some("root"));
    assert_eq!(creds.password.as_ref().unwrap().expose(), "Sup3r-Secret!");
    assert_eq!(creds.fields, ["password", "username"]);
    let first = vault.read(&format!("enclaive-static/data/{TEAM_ID}/user/root"), Some(1)).await.unwrap();
    assert_eq!(first["password"].expose(), "first-password");
    // A template may pin the version the way Vault's API does.
    let old =
        vault.credentials(&format!("{ENCLAIVE_TEMPLATE}?version=1"), &vars, &FieldMapping::default()).await;
    assert_eq!(old.unwrap().password.unwrap().expose(), "first-password");
    let bad = vault.read(&format!("enclaive-static/data/{TEAM_ID}/user/root?v=1"), None).await.unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidInput, "{bad:?}");
    let status = vault.status().await.unwrap();
    assert!(status.renewable && status.expires_in_secs.unwrap() > 3000, "{status:?}");
}

#[tokio::test]
async fn userpass_and_approle_sign_in_and_wrong_secrets_say_auth_failed() {
    let cloud = cloud().await;
    let userpass = VaultAuth::Userpass { username: USERPASS_USER.into(), mount: "userpass".into() };
    let vault = Vault::connect(config(cloud.vault.url(), userpass.clone()), Secret::new(USERPASS_PASSWORD))
        .await
        .unwrap();
    assert_eq!(vault.status().await.unwrap().display_name, format!("userpass-{USERPASS_USER}"));
    let approle = VaultAuth::Approle { role_id: APPROLE_ROLE_ID.into(), mount: "approle".into() };
    let vault = Vault::connect(config(cloud.vault.url(), approle.clone()), Secret::new(APPROLE_SECRET_ID))
        .await
        .unwrap();
    assert!(vault.status().await.unwrap().policies.contains(&"vmdeck-reader".to_owned()));

    for (auth, secret) in [(userpass, "wrong"), (approle, "wrong"), (VaultAuth::Token, "hvs.unknown")] {
        let err =
            Vault::connect(config(cloud.vault.url(), auth.clone()), Secret::new(secret)).await.err().unwrap();
        assert_eq!(err.code, ErrorCode::AuthFailed, "{auth:?}: {err:?}");
    }
}

#[tokio::test]
async fn kv_v1_reads_and_a_v1_style_path_on_a_v2_mount_names_the_right_path() {
    let cloud = cloud().await;
    let vault = Vault::connect(config(cloud.vault.url(), VaultAuth::Token), Secret::new(VAULT_ROOT_TOKEN))
        .await
        .unwrap();
    let v1 = vault.read("kv1/vmdeck/lab", None).await.unwrap();
    assert_eq!(v1["username"].expose(), "debian");
    let err = vault.read(&format!("enclaive-static/{TEAM_ID}/user/root"), None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    assert!(err.message.contains("KV version 2"), "{}", err.message);
    assert_eq!(err.details.unwrap()["suggestion"], format!("enclaive-static/data/{TEAM_ID}/user/root"));
    let missing = vault.read("secret/data/nothing/here", None).await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn a_kv_version_set_in_the_settings_overrides_what_the_path_suggests() {
    let cloud = cloud().await;
    let mut v2 = config(cloud.vault.url(), VaultAuth::Token);
    v2.kv_version = KvVersion::V2;
    let vault = Vault::connect(v2, Secret::new(VAULT_ROOT_TOKEN)).await.unwrap();
    // Set to v2, the path without `data/` is read through the v2 API.
    let root = vault.read(&format!("enclaive-static/{TEAM_ID}/user/root"), None).await.unwrap();
    assert!(root.contains_key("password"), "{:?}", root.keys().collect::<Vec<_>>());

    let mut v1 = config(cloud.vault.url(), VaultAuth::Token);
    v1.kv_version = KvVersion::V1;
    let vault = Vault::connect(v1, Secret::new(VAULT_ROOT_TOKEN)).await.unwrap();
    // Set to v1, a `data/` path is read literally with the v1 API: Vault answers with the v2 envelope.
    let raw = vault.read(&format!("enclaive-static/data/{TEAM_ID}/user/root"), None).await.unwrap();
    let mut keys: Vec<_> = raw.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["data", "metadata"]);
    assert_eq!(vault.read("kv1/vmdeck/lab", None).await.unwrap()["username"].expose(), "debian");
}

#[tokio::test]
async fn the_field_mapping_of_the_settings_decides_which_field_is_the_password() {
    let cloud = cloud().await;
    let mut custom = config(cloud.vault.url(), VaultAuth::Token);
    custom.fields.username = vec!["password".into()];
    custom.fields.password = vec!["username".into()];
    let vault = Vault::connect(custom, Secret::new(VAULT_ROOT_TOKEN)).await.unwrap();
    let creds = vault.credentials_at("kv1/vmdeck/lab").await.unwrap();
    assert_eq!(creds.password.unwrap().expose(), "debian", "the field the mapping names");
    assert_ne!(creds.username.as_deref(), Some("debian"));
}

#[tokio::test]
async fn a_namespace_is_sent_with_every_request() {
    let cloud = cloud().await;
    let mut in_ns = config(cloud.vault.url(), VaultAuth::Token);
    in_ns.namespace = Some(NAMESPACE.into());
    let vault = Vault::connect(in_ns, Secret::new(VAULT_ROOT_TOKEN)).await.unwrap();
    assert_eq!(vault.read("secret/data/vmdeck/lab", None).await.unwrap()["password"].expose(), "namespaced");
}

#[tokio::test]
async fn sealed_denied_unreachable_and_tls_failures_are_told_apart() {
    let cloud = cloud().await;
    let vault = Vault::connect(config(cloud.vault.url(), VaultAuth::Token), Secret::new(VAULT_ROOT_TOKEN))
        .await
        .unwrap();
    cloud.vault.state.deny("", "enclaive-static/data/");
    let denied = vault.read(&format!("enclaive-static/data/{TEAM_ID}/user/root"), None).await.unwrap_err();
    assert_eq!(denied.code, ErrorCode::VaultDenied);
    assert!(denied.message.contains("permission denied"), "{}", denied.message);
    cloud.vault.state.seal(true);
    let sealed = vault.read("kv1/vmdeck/lab", None).await.unwrap_err();
    assert_eq!(sealed.code, ErrorCode::VaultSealed);
    assert!(sealed.message.contains("unseal"), "{}", sealed.message);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = Vault::connect(config(closed, VaultAuth::Token), Secret::new("t")).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::Unreachable, "{err:?}");
    // TLS spoken to a plain-HTTP server fails in the handshake.
    let https = cloud.vault.url().replace("http://", "https://");
    let err = Vault::connect(config(https, VaultAuth::Token), Secret::new("t")).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::TlsFailure, "{err:?}");
}

#[tokio::test]
async fn a_token_running_low_is_renewed_and_an_expired_one_asks_for_a_new_token() {
    let cloud = cloud().await;
    // A 6 s token: after 4.2 s less than a third of its life is left, so the next call renews it.
    let short = cloud.vault.state.issue_token(Duration::from_secs(6));
    let vault =
        Vault::connect(config(cloud.vault.url(), VaultAuth::Token), Secret::new(short)).await.unwrap();
    vault.status().await.unwrap();
    assert_eq!(
        cloud.vault.shared.count("POST", "/v1/auth/token/renew-self"),
        0,
        "not while it has time left"
    );
    tokio::time::sleep(Duration::from_millis(4200)).await;
    let renewed = vault.status().await.unwrap();
    assert_eq!(cloud.vault.shared.count("POST", "/v1/auth/token/renew-self"), 1);
    assert!(renewed.expires_in_secs.unwrap() >= 5, "{renewed:?}");

    // A pasted token that expired cannot be renewed: the user is told to enter a new one.
    let doomed = cloud.vault.state.issue_token(Duration::from_secs(1));
    let vault =
        Vault::connect(config(cloud.vault.url(), VaultAuth::Token), Secret::new(doomed)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = vault.status().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AuthFailed);
    assert!(err.message.contains("expired"), "{}", err.message);
}

#[tokio::test]
async fn an_expired_userpass_token_signs_in_again_with_the_stored_password() {
    let cloud = cloud().await;
    let userpass =
        VaultAuth::Userpass { username: vmdeck_fakes::vault::USERPASS_USER.into(), mount: "userpass".into() };
    let vault =
        Vault::connect(config(cloud.vault.url(), userpass), Secret::new(USERPASS_PASSWORD)).await.unwrap();
    assert_eq!(cloud.vault.shared.count("POST", &format!("/v1/auth/userpass/login/{USERPASS_USER}")), 1);
    // Expire every token the fake issued, as time would.
    cloud.vault.state.expire_all();
    vault.read("kv1/vmdeck/lab", None).await.unwrap();
    assert_eq!(
        cloud.vault.shared.count("POST", &format!("/v1/auth/userpass/login/{USERPASS_USER}")),
        2,
        "signed in again"
    );
}

mod service {
    use super::*;
    use std::sync::Arc;
    use vmdeck_engine::accounts::{JsonSettings, MemorySecrets, MemorySettings};
    use vmdeck_engine::vault::{VaultScope, VaultService};

    #[tokio::test]
    async fn only_a_working_connection_is_saved_and_tests_name_fields_not_values() {
        let cloud = cloud().await;
        let settings = Arc::new(MemorySettings::default());
        let secrets = Arc::new(MemorySecrets::default());
        let service = VaultService::new(settings.clone(), secrets.clone());

        let wrong = service
            .save(config(cloud.vault.url(), VaultAuth::Token), Some(Secret::new("hvs.wrong")))
            .await
            .unwrap_err();
        assert_eq!(wrong.code, ErrorCode::AuthFailed);
        assert!(settings.get("vault").unwrap().is_none() && secrets.ids().is_empty(), "nothing saved");

        let status = service
            .save(config(cloud.vault.url(), VaultAuth::Token), Some(Secret::new(VAULT_ROOT_TOKEN)))
            .await
            .unwrap();
        assert!(status.policies.contains(&"root".to_owned()));
        assert_eq!(secrets.ids(), ["global"]);
        let saved = serde_json::to_string(&settings.get("vault").unwrap()).unwrap();
        assert!(!saved.contains(VAULT_ROOT_TOKEN), "{saved}");

        let fields = service.test_read(&format!("enclaive-static/data/{TEAM_ID}/user/root")).await.unwrap();
        assert_eq!(fields, ["password", "username"]);
        let overview = service.overview().await.unwrap();
        assert!(overview.status.is_some() && overview.has_secret && !overview.from_environment);

        service.forget().await.unwrap();
        assert!(secrets.ids().is_empty());
        assert!(settings.get("vault").unwrap().is_none());
    }

    #[tokio::test]
    async fn an_account_with_its_own_vault_uses_it_and_others_use_the_apps() {
        let cloud = cloud().await;
        let settings = Arc::new(MemorySettings::default());
        let secrets = Arc::new(MemorySecrets::default());
        let service = VaultService::new(settings.clone(), secrets.clone());
        service
            .save(config(cloud.vault.url(), VaultAuth::Token), Some(Secret::new(VAULT_ROOT_TOKEN)))
            .await
            .unwrap();

        // The enclaive account reads with its team token, which sees only its team's path.
        let team = VaultScope::Account("acct-enclaive".into());
        let path = format!("enclaive-static/data/{TEAM_ID}/user/root");
        let none = service.overview_in(&team).await.unwrap();
        assert!(none.config.is_none() && !none.has_secret, "no settings of its own yet");
        let status = service
            .save_in(
                &team,
                config(cloud.vault.url(), VaultAuth::Token),
                Some(Secret::new(ENCLAIVE_TEAM_TOKEN)),
            )
            .await
            .unwrap();
        assert!(!status.policies.contains(&"root".to_owned()), "{:?}", status.policies);
        assert_eq!(secrets.ids(), ["account:acct-enclaive", "global"]);
        let own = service.connection_for(Some("acct-enclaive")).await.unwrap().status().await.unwrap();
        assert_eq!(own.policies, status.policies);
        assert_eq!(
            service.test_read_for(Some("acct-enclaive"), &path).await.unwrap(),
            ["password", "username"]
        );
        let app = service.connection_for(Some("acct-other")).await.unwrap().status().await.unwrap();
        assert!(app.policies.contains(&"root".to_owned()), "an account without its own uses the app's");

        // A settings write that fails takes the new secret back: nothing orphaned in the keychain.
        let lab = VaultScope::Account("acct-lab".into());
        settings.fail_writes(true);
        assert!(service
            .save_in(&lab, config(cloud.vault.url(), VaultAuth::Token), Some(Secret::new(VAULT_ROOT_TOKEN)))
            .await
            .is_err());
        settings.fail_writes(false);
        assert_eq!(secrets.ids(), ["account:acct-enclaive", "global"]);

        service.forget_in(&team).await.unwrap();
        assert_eq!(secrets.ids(), ["global"]);
        assert!(settings.get("vault_account:acct-enclaive").unwrap().is_none());
    }
}

mod oidc {
    use super::*;
    use vmdeck_engine::vault::oidc;

    fn oidc_config(url: String, role: &str) -> VaultConfig {
        config(url, VaultAuth::Oidc { mount: "oidc".into(), role: Some(role.into()) })
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }

    #[tokio::test]
    async fn the_browser_sign_in_comes_back_to_the_loopback_listener_and_yields_a_token() {
        let cloud = cloud().await;
        let settings = oidc_config(cloud.vault.url(), vmdeck_fakes::vault::OIDC_ROLE);
        let login = oidc::start(&settings, free_port()).await.unwrap();
        assert!(login.auth_url.contains("nonce="), "{}", login.auth_url);
        // The "browser": follows the identity provider's redirect to our listener and gets a page back.
        let url = login.auth_url.clone();
        let browser = tokio::spawn(async move { reqwest::get(url).await.unwrap().text().await.unwrap() });
        let token = login.finish(Duration::from_secs(10)).await.unwrap();
        assert!(browser.await.unwrap().contains("Signed in to Vault"));
        let vault = Vault::connect(settings, token).await.unwrap();
        assert_eq!(vault.status().await.unwrap().display_name, "oidc-alice");
    }

    #[tokio::test]
    async fn an_unknown_role_a_refusal_at_the_provider_and_a_busy_port_are_told_apart() {
        let cloud = cloud().await;
        let err = oidc::start(&oidc_config(cloud.vault.url(), "nobody"), free_port()).await.err().unwrap();
        assert_eq!(err.code, ErrorCode::PermissionDenied, "{err:?}");
        assert!(err.message.contains("/oidc/callback"), "{}", err.message);

        let port = free_port();
        let login =
            oidc::start(&oidc_config(cloud.vault.url(), vmdeck_fakes::vault::OIDC_ROLE), port).await.unwrap();
        let busy = oidc::start(&oidc_config(cloud.vault.url(), vmdeck_fakes::vault::OIDC_ROLE), port)
            .await
            .err()
            .unwrap();
        assert_eq!(busy.code, ErrorCode::Conflict);
        let refused = format!(
            "http://localhost:{port}/oidc/callback?error=access_denied&error_description=The+user+said+no"
        );
        let browser = tokio::spawn(async move { reqwest::get(refused).await.unwrap().status() });
        let err = login.finish(Duration::from_secs(10)).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::AuthFailed);
        assert!(err.message.contains("The user said no"), "{}", err.message);
        assert_eq!(browser.await.unwrap(), 200);

        let idle = oidc::start(&oidc_config(cloud.vault.url(), vmdeck_fakes::vault::OIDC_ROLE), free_port())
            .await
            .unwrap();
        assert_eq!(idle.finish(Duration::from_millis(200)).await.unwrap_err().code, ErrorCode::Timeout);
    }
}
