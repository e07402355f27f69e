//! Vault's OIDC sign-in, as `vault login -method=oidc` does it: Vault gives an authorization URL, the user
//! signs in with the identity provider in the system browser, which is sent back to a listener on this
//! machine (`http://localhost:8250/oidc/callback`, the redirect URI a Vault role has to allow), and the
//! code it brings is exchanged at Vault for a token.

use super::config::{VaultAuth, VaultConfig};
use super::errors;
use crate::error::{AppError, ErrorCode, Result};
use crate::secret::Secret;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// The port of the Vault CLI's callback listener, which Vault roles usually allow already.
pub const CALLBACK_PORT: u16 = 8250;
/// How long the user has to finish signing in.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);
/// How long one connection to the listener may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A sign-in under way: open `auth_url` in the browser, then `finish`.
pub struct OidcLogin {
    pub auth_url: String,
    /// Connections to the listeners (IPv4 and IPv6 loopback: `localhost` may be either in the browser).
    incoming: mpsc::Receiver<TcpStream>,
    accepting: Vec<tokio::task::JoinHandle<()>>,
    config: VaultConfig,
    mount: String,
    nonce: String,
    /// The `state` of the auth URL: a callback without it is not this sign-in's and is ignored.
    state: String,
}

impl Drop for OidcLogin {
    fn drop(&mut self) {
        for task in &self.accepting {
            task.abort();
        }
    }
}

/// Binds `port` on 127.0.0.1 and on ::1. Busy on either is a clear error; a computer without IPv6 keeps
/// IPv4 only.
async fn listen(port: u16) -> Result<Vec<TcpListener>> {
    let busy = |err: std::io::Error| {
        AppError::new(
            ErrorCode::Conflict,
            format!(
                "Port {port} is in use (another `vault login`?), so the browser cannot report back: {err}."
            ),
        )
    };
    let v4 = TcpListener::bind((IpAddr::V4(Ipv4Addr::LOCALHOST), port)).await.map_err(busy)?;
    match TcpListener::bind((IpAddr::V6(Ipv6Addr::LOCALHOST), port)).await {
        Ok(v6) => Ok(vec![v4, v6]),
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => Err(busy(err)),
        Err(err) => {
            tracing::info!("OIDC callback on IPv4 only (no IPv6 loopback: {err})");
            Ok(vec![v4])
        }
    }
}

fn mount_and_role(config: &VaultConfig) -> Result<(String, Option<String>)> {
    match &config.auth {
        VaultAuth::Oidc { mount, role } => Ok((mount.clone(), role.clone().filter(|r| !r.is_empty()))),
        _ => Err(AppError::invalid_input("auth", "These settings do not sign in with OIDC.")),
    }
}

/// Listens on the loopback address(es) at `port` and asks Vault for the identity provider's sign-in URL.
pub async fn start(config: &VaultConfig, port: u16) -> Result<OidcLogin> {
    config.validate()?;
    let (mount, role) = mount_and_role(config)?;
    let listeners = listen(port).await?;
    let redirect = format!("http://localhost:{port}/oidc/callback");
    let client = super::Vault::client(config, "")?;
    let answer = vaultrs::auth::oidc::auth(&client, &mount, &redirect, role)
        .await
        .map_err(|err| errors::login_error(err, &config.address))?;
    if answer.auth_url.is_empty() {
        // Vault answers an empty URL when the role is unknown or does not allow this redirect URI.
        return Err(AppError::new(
            ErrorCode::PermissionDenied,
            format!("Vault refused to start an OIDC sign-in: check the role and that it allows {redirect}."),
        ));
    }
    let query = |name: &str| {
        reqwest::Url::parse(&answer.auth_url)
            .ok()
            .and_then(|url| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned()))
    };
    let (nonce, state) = (query("nonce").unwrap_or_default(), query("state").unwrap_or_default());
    if state.is_empty() {
        return Err(AppError::new(
            ErrorCode::MalformedResponse,
            "Vault's OIDC sign-in URL carries no state, so VMDeck could not tell its callback from another.",
        ));
    }
    let (to_login, incoming) = mpsc::channel(8);
    let accepting = listeners
        .into_iter()
        .map(|listener| {
            let to_login = to_login.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    if to_login.send(stream).await.is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    Ok(OidcLogin {
        auth_url: answer.auth_url,
        incoming,
        accepting,
        config: config.clone(),
        mount,
        nonce,
        state,
    })
}

/// The request line's target of one connection, or None when it sends nothing usable in time.
async fn request_target(stream: &mut TcpStream) -> Option<String> {
    let read = async {
        let mut request = Vec::new();
        let mut chunk = [0u8; 2048];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => request.extend_from_slice(&chunk[..n]),
            }
        }
        request
    };
    let request = tokio::time::timeout(REQUEST_TIMEOUT, read).await.ok()?;
    let line = String::from_utf8_lossy(&request).lines().next().unwrap_or_default().to_owned();
    line.split_whitespace().nth(1).map(str::to_owned)
}

async fn answer_page(stream: &mut TcpStream, status: &str, page: &str) {
    let body = format!("<!doctype html><meta charset=utf-8><title>VMDeck</title><p>{page}</p>");
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
}

impl OidcLogin {
    /// Waits for the browser to come back with a code and exchanges it for a Vault token.
    pub async fn finish(mut self, timeout: Duration) -> Result<Secret> {
        let (state, code) = tokio::time::timeout(timeout, self.callback()).await.map_err(|_| {
            AppError::new(ErrorCode::Timeout, "The browser sign-in was not finished in time.")
        })??;
        let client = super::Vault::client(&self.config, "")?;
        let auth = vaultrs::auth::oidc::callback(&client, &self.mount, &state, &self.nonce, &code)
            .await
            .map_err(|err| errors::login_error(err, &self.config.address))?;
        Ok(Secret::new(auth.client_token))
    }

    /// Serves the listeners until this sign-in's callback arrives (its `state`); answers each browser
    /// request with a page. Other requests, silent connections and callbacks of another state are
    /// answered or dropped and do not end the wait.
    async fn callback(&mut self) -> Result<(String, String)> {
        loop {
            let mut stream = self
                .incoming
                .recv()
                .await
                .ok_or_else(|| AppError::internal("The sign-in listener stopped."))?;
            let Some(target) = request_target(&mut stream).await else { continue };
            let Ok(url) = reqwest::Url::parse(&format!("http://localhost{target}")) else { continue };
            if url.path() != "/oidc/callback" {
                let _ = stream
                    .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                continue;
            }
            let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
            if param("state").as_deref() != Some(self.state.as_str()) {
                tracing::warn!("OIDC: a callback that is not this sign-in's (state differs) was ignored");
                answer_page(
                    &mut stream,
                    "400 Bad Request",
                    "This sign-in link is not the one VMDeck is waiting for.",
                )
                .await;
                continue;
            }
            let outcome = match (param("code"), param("error")) {
                (Some(code), None) => Ok((self.state.clone(), code)),
                (_, error) => Err(AppError::new(
                    ErrorCode::AuthFailed,
                    format!(
                        "The identity provider did not sign you in: {}.",
                        param("error_description").or(error).unwrap_or_else(|| "no code came back".into())
                    ),
                )),
            };
            let page = if outcome.is_ok() {
                "Signed in to Vault. You can close this tab and return to VMDeck."
            } else {
                "Vault sign-in failed; VMDeck shows why."
            };
            answer_page(&mut stream, "200 OK", page).await;
            return outcome;
        }
    }
}
