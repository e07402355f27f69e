//! A stored secret goes only where the user confirmed it: a changed address, proxy, CA or sign-in method
//! needs the secret again; plain http only to this computer; no redirect to another origin is followed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vmdeck_engine::accounts::*;
use vmdeck_engine::model::ProviderKind;
use vmdeck_engine::providers::http::{json_message, Http, RetryPolicy};
use vmdeck_engine::providers::hyperstack::Hyperstack;
use vmdeck_engine::providers::Provider;
use vmdeck_engine::{ErrorCode, Secret};

fn draft(base_url: &str) -> AccountDraft {
    AccountDraft {
        label: "lab".into(),
        color: "#2f6fde".into(),
        settings: AccountSettings::Hyperstack { base_url: base_url.into(), default_environment: None },
        vault_path_template: None,
        proxy: None,
        ca_certificate_pem: None,
    }
}

fn service() -> (tempfile::TempDir, AccountService) {
    let dir = tempfile::tempdir().unwrap();
    let service = AccountService::new(
        Arc::new(JsonFileStore::new(dir.path().join("accounts.json"))),
        Arc::new(MemorySecrets::default()),
    );
    (dir, service)
}

#[test]
fn changing_where_an_account_connects_needs_the_secret_again() {
    let (_dir, accounts) = service();
    let saved =
        accounts.add(draft("https://infrahub-api.nexgencloud.com/v1"), Secret::new("hs-key")).unwrap();

    // A new label or colour keeps the secret.
    let mut relabelled = saved.draft.clone();
    relabelled.label = "renamed".into();
    accounts.update(&saved.id, relabelled.clone(), None).unwrap();
    assert_eq!(accounts.secret_for(&saved.id, &relabelled).unwrap().expose(), "hs-key");

    // Each of address, proxy and CA sends the stored secret nowhere until it is typed again.
    let mut moved = relabelled.clone();
    moved.settings =
        AccountSettings::Hyperstack { base_url: "https://evil.example/v1".into(), default_environment: None };
    let mut proxied = relabelled.clone();
    proxied.proxy = Some("http://127.0.0.1:3128".into());
    let mut other_ca = relabelled.clone();
    other_ca.ca_certificate_pem = Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into());
    for changed in [&moved, &proxied, &other_ca] {
        let err = accounts.secret_for(&saved.id, changed).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert_eq!(err.details.as_ref().unwrap()["field"], "secret");
        assert!(err.message.contains("enter the API key again"), "{}", err.message);
    }
    let err = accounts.update(&saved.id, moved.clone(), None).unwrap_err();
    assert_eq!(err.details.unwrap()["field"], "secret");
    assert_eq!(
        accounts.get(&saved.id).unwrap().draft.settings.base_url(),
        "https://infrahub-api.nexgencloud.com/v1"
    );

    // With the secret typed again, the change is saved.
    accounts.update(&saved.id, moved.clone(), Some(Secret::new("new-key"))).unwrap();
    assert_eq!(accounts.secret_for(&saved.id, &moved).unwrap().expose(), "new-key");
}

#[test]
fn the_enclaive_teams_vault_address_decides_where_the_login_token_goes() {
    let (dir, accounts) = service();
    let enclaive = |vault_address: Option<&str>| AccountDraft {
        settings: AccountSettings::Enclaive {
            base_url: "https://api.enclaive.example".into(),
            sign_in: EnclaiveSignIn::Password,
            email: "dev@example.com".into(),
            team_id: "team-1".into(),
            project_id: "project-1".into(),
            vault_address: vault_address.map(str::to_owned),
        },
        ..draft("https://unused.example")
    };
    let saved = accounts.add(enclaive(Some("https://vault.team.example")), Secret::new("pw")).unwrap();
    // The same Vault with a trailing slash is the same place.
    assert!(accounts.secret_for(&saved.id, &enclaive(Some("https://vault.team.example/"))).is_ok());
    for elsewhere in [Some("https://vault.evil.example"), None] {
        let err = accounts.secret_for(&saved.id, &enclaive(elsewhere)).unwrap_err();
        assert_eq!(err.details.unwrap()["field"], "secret", "{elsewhere:?}");
    }
    let err = accounts.add(enclaive(Some("http://vault.team.example")), Secret::new("pw")).unwrap_err();
    assert_eq!(err.details.unwrap()["field"], "vault_address", "plain http only for this computer");

    // An account saved before the field existed loads, with no team Vault.
    let file = dir.path().join("accounts.json");
    let mut stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let settings = stored["accounts"][0]["settings"].as_object_mut().unwrap();
    assert!(settings.remove("vault_address").is_some());
    std::fs::write(&file, stored.to_string()).unwrap();
    let reopened =
        AccountService::new(Arc::new(JsonFileStore::new(file)), Arc::new(MemorySecrets::default()));
    let old = reopened.get(&saved.id).unwrap();
    assert!(matches!(old.draft.settings, AccountSettings::Enclaive { vault_address: None, .. }));
}

#[test]
fn plain_http_is_only_for_this_computer() {
    for ok in
        ["http://127.0.0.1:8080", "http://localhost:8080/v1", "http://[::1]:9000", "https://api.example.com"]
    {
        draft(ok).validate().unwrap_or_else(|e| panic!("{ok}: {e:?}"));
    }
    for refused in ["http://api.example.com/v1", "http://10.0.0.5:8080", "http://localhost.evil.example"] {
        let err = draft(refused).validate().unwrap_err();
        assert_eq!(err.details.unwrap()["field"], "base_url", "{refused}");
        assert!(err.message.contains("https://"), "{}", err.message);
    }
}

/// A one-shot server answering every request with `response`, counting the requests it got.
async fn server(response: String) -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    (port, hits)
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_the_key_stays_home() {
    let (elsewhere, stolen) = server("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".into()).await;
    let redirect = format!(
        "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:{elsewhere}/collect\r\ncontent-length: 0\r\n\r\n"
    );
    let (home, _) = server(redirect).await;
    let http = Http::with(
        ProviderKind::Hyperstack,
        json_message,
        std::time::Duration::from_secs(5),
        RetryPolicy::default(),
    )
    .unwrap();
    let provider = Hyperstack::with_http(&format!("http://127.0.0.1:{home}/v1"), Secret::new("hs-key"), http);
    let err = provider.list_vms().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ProviderError);
    assert!(err.message.contains("redirected"), "{}", err.message);
    assert_eq!(stolen.load(Ordering::SeqCst), 0, "nothing reached the other origin");
}

/// A "proxy" on 127.0.0.1 that keeps the head of the first request it gets and answers 502.
async fn recording_proxy() -> (String, tokio::sync::oneshot::Receiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 8192];
        let n = socket.read(&mut buf).await.unwrap();
        let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
        let _ = socket.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n").await;
    });
    (url, rx)
}

#[tokio::test]
async fn a_proxy_login_lives_in_the_keychain_and_still_reaches_the_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.json");
    let secrets = Arc::new(MemorySecrets::default());
    let accounts = AccountService::new(Arc::new(JsonFileStore::new(&file)), secrets.clone());
    let (proxy, seen) = recording_proxy().await;
    let mut with_login = draft("http://127.0.0.1:9/v1");
    with_login.proxy = Some(proxy.replace("http://", "http://bob:s3cret@"));
    let saved = accounts.add(with_login, Secret::new("hs-key")).unwrap();

    let stored = std::fs::read_to_string(&file).unwrap();
    assert!(!stored.contains("s3cret") && !stored.contains("bob:"), "{stored}");
    assert_eq!(saved.draft.proxy.as_deref(), Some(proxy.as_str()), "the saved URL has no login");
    assert_eq!(secrets.ids(), [saved.id.clone(), proxy_login::key(&saved.id)]);

    // A request of the saved account goes through the proxy with the login from the keychain.
    let _ = accounts.provider(&saved.id).unwrap().list_vms().await;
    let head = seen.await.unwrap();
    assert!(
        head.to_lowercase().contains("proxy-authorization: basic Ym9iOnMzY3JldA==".to_lowercase().as_str()),
        "{head}"
    );

    // Saved again unchanged, the login stays; another proxy drops it (and needs the API key again).
    accounts.update(&saved.id, saved.draft.clone(), None).unwrap();
    assert_eq!(secrets.ids().len(), 2);
    let mut elsewhere = saved.draft.clone();
    elsewhere.proxy = Some("http://127.0.0.1:3999".into());
    accounts.update(&saved.id, elsewhere, Some(Secret::new("hs-key"))).unwrap();
    assert_eq!(secrets.ids(), std::slice::from_ref(&saved.id));
    accounts.remove(&saved.id).unwrap();
    assert!(secrets.ids().is_empty());
}

#[test]
fn a_proxy_login_saved_by_an_older_version_moves_to_the_keychain() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accounts.json");
    let secrets = Arc::new(MemorySecrets::default());
    let accounts = AccountService::new(Arc::new(JsonFileStore::new(&file)), secrets.clone());
    let saved =
        accounts.add(draft("https://infrahub-api.nexgencloud.com/v1"), Secret::new("hs-key")).unwrap();
    // As an older version wrote it: the login inside the proxy URL in the file.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"proxy\": null", "\"proxy\": \"http://bob:old@proxy.lan:3128\"");
    assert!(text.contains("bob:old"));
    std::fs::write(&file, text).unwrap();
    // The next start reads the file again.
    let accounts = AccountService::new(Arc::new(JsonFileStore::new(&file)), secrets.clone());
    assert_eq!(accounts.move_proxy_logins().unwrap(), 1);
    assert!(!std::fs::read_to_string(&file).unwrap().contains("bob:old"));
    assert_eq!(secrets.get(&proxy_login::key(&saved.id)).unwrap().unwrap().expose(), "bob:old");
    assert_eq!(accounts.move_proxy_logins().unwrap(), 0, "once");
}
