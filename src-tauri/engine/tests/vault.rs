//! Vault against the fake Vault of tests/fakes, only for what the real server of vault_openbao.rs
//! cannot be made to do here: OIDC sign-in through an identity provider, a server that never answers,
//! and answers that are not Vault's.
mod common;

use common::cloud;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vmdeck_engine::vault::{Vault, VaultAuth, VaultConfig};
use vmdeck_engine::{ErrorCode, Secret};

fn config(address: String, auth: VaultAuth) -> VaultConfig {
    VaultConfig { auth, ..VaultConfig::with_token(address) }
}

/// A server on 127.0.0.1 that reads each request and answers `reply` (or nothing, for None); it counts
/// the connections it took.
async fn counted_server(reply: Option<String>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let taken = Arc::new(AtomicUsize::new(0));
    let count = taken.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            count.fetch_add(1, Ordering::SeqCst);
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                match reply {
                    Some(reply) => {
                        let _ = socket.write_all(reply.as_bytes()).await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(60)).await,
                }
            });
        }
    });
    (address, taken)
}

async fn raw_server(reply: Option<&'static str>) -> String {
    counted_server(reply.map(str::to_owned)).await.0
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_the_token_stays_home() {
    let (elsewhere, visits) =
        counted_server(Some("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".into())).await;
    let redirect = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: {elsewhere}/v1/auth/token/lookup-self\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let (vault, _) = counted_server(Some(redirect)).await;
    let err = Vault::connect(config(vault, VaultAuth::Token), Secret::new("s.token")).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::ProviderError, "{err:?}");
    assert!(err.message.contains("redirected"), "{}", err.message);
    assert_eq!(visits.load(Ordering::SeqCst), 0, "the other origin never saw the token");
}

#[tokio::test]
async fn an_answer_that_is_not_vaults_is_malformed_and_a_proxy_error_page_names_its_status() {
    let garbage = raw_server(Some(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot json!",
    ))
    .await;
    let err = Vault::connect(config(garbage, VaultAuth::Token), Secret::new("t")).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::MalformedResponse, "{err:?}");

    // A reverse proxy in front of Vault answering its own HTML error page.
    let proxy = raw_server(Some(
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 22\r\nConnection: close\r\n\r\n<h1>Bad Gateway</h1>\r\n",
    ))
    .await;
    let err = Vault::connect(config(proxy, VaultAuth::Token), Secret::new("t")).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::ProviderError, "{err:?}");
    assert!(err.message.contains("502") && err.message.contains("Bad Gateway"), "{}", err.message);
}

#[tokio::test]
async fn a_vault_that_accepts_the_connection_and_never_answers_times_out() {
    let silent = raw_server(None).await;
    let started = std::time::Instant::now();
    let err = Vault::connect(config(silent, VaultAuth::Token), Secret::new("t")).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::Timeout, "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
}

mod oidc {
    use super::*;
    use vmdeck_engine::vault::oidc;

    fn oidc_config(url: String, role: &str) -> VaultConfig {
        config(url, VaultAuth::Oidc { mount: "oidc".into(), role: Some(role.into()) })
    }

    fn query(url: &str, name: &str) -> String {
        let url = reqwest::Url::parse(url).unwrap();
        url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()).unwrap()
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
        let state = query(&login.auth_url, "state");
        let refused = format!(
            "http://127.0.0.1:{port}/oidc/callback?state={state}&error=access_denied&error_description=The+user+said+no"
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

    #[tokio::test]
    async fn only_this_sign_ins_callback_counts_and_a_silent_connection_blocks_nothing() {
        let cloud = cloud().await;
        let port = free_port();
        let login =
            oidc::start(&oidc_config(cloud.vault.url(), vmdeck_fakes::vault::OIDC_ROLE), port).await.unwrap();
        // Something on this computer connects and says nothing, and another page sends a forged callback.
        let _silent = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let forged = format!("http://127.0.0.1:{port}/oidc/callback?state=forged&code=evil");
        let forged = tokio::spawn(async move { reqwest::get(forged).await.unwrap().status() });
        tokio::time::sleep(Duration::from_millis(200)).await;
        // The real browser still finishes the sign-in (the fake IdP sends it to localhost: v4 or v6).
        let url = login.auth_url.clone();
        let browser = tokio::spawn(async move { reqwest::get(url).await.unwrap().text().await.unwrap() });
        let token = login.finish(Duration::from_secs(15)).await.unwrap();
        assert_eq!(forged.await.unwrap(), 400, "the forged callback was answered and ignored");
        assert!(browser.await.unwrap().contains("Signed in to Vault"));
        assert!(!token.expose().is_empty());
    }

    #[tokio::test]
    async fn the_callback_answers_on_the_ipv6_loopback_too_where_there_is_one() {
        if std::net::TcpListener::bind("[::1]:0").is_err() {
            eprintln!("no IPv6 loopback here: nothing to check");
            return;
        }
        let cloud = cloud().await;
        let port = free_port();
        let login =
            oidc::start(&oidc_config(cloud.vault.url(), vmdeck_fakes::vault::OIDC_ROLE), port).await.unwrap();
        let state = query(&login.auth_url, "state");
        let refused = format!("http://[::1]:{port}/oidc/callback?state={state}&error=access_denied");
        let browser = tokio::spawn(async move { reqwest::get(refused).await.unwrap().status() });
        let err = login.finish(Duration::from_secs(10)).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::AuthFailed, "the IPv6 callback arrived: {err:?}");
        assert_eq!(browser.await.unwrap(), 200);
    }

    #[tokio::test]
    async fn an_empty_address_is_an_input_error_not_a_crash() {
        let err = oidc::start(&oidc_config(String::new(), "vmdeck"), free_port()).await.err().unwrap();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{err:?}");
    }
}
