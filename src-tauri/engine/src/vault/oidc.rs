//! Vault's OIDC sign-in, as `vault login -method=oidc` does it: Vault gives an authorization URL, the user
//! signs in with the identity provider in the system browser, which is sent back to a listener on this
//! machine (`http://localhost:8250/oidc/callback`, the redirect URI a Vault role has to allow), and the
//! code it brings is exchanged at Vault for a token.

use super::config::{VaultAuth, VaultConfig};
use super::errors;
use crate::error::{AppError, ErrorCode, Result};
use crate::secret::Secret;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The port of the Vault CLI's callback listener, which Vault roles usually allow already.
pub const CALLBACK_PORT: u16 = 8250;
/// How long the user has to finish signing in.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// A sign-in under way: open `auth_url` in the browser, then `finish`.
pub struct OidcLogin {
    pub auth_url: String,
    listener: TcpListener,
    config: VaultConfig,
    mount: String,
    nonce: String,
}

fn mount_and_role(config: &VaultConfig) -> Result<(String, Option<String>)> {
    match &config.auth {
        VaultAuth::Oidc { mount, role } => Ok((mount.clone(), role.clone().filter(|r| !r.is_empty()))),
        _ => Err(AppError::invalid_input("auth", "These settings do not sign in with OIDC.")),
    }
}

/// Listens on 127.0.0.1:`port` and asks Vault for the identity provider's sign-in URL.
pub async fn start(config: &VaultConfig, port: u16) -> Result<OidcLogin> {
    let (mount, role) = mount_and_role(config)?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|err| {
        AppError::new(
            ErrorCode::Conflict,
            format!(
                "Port {port} is in use (another `vault login`?), so the browser cannot report back: {err}."
            ),
        )
    })?;
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
    let nonce = reqwest::Url::parse(&answer.auth_url)
        .ok()
        .and_then(|url| url.query_pairs().find(|(k, _)| k == "nonce").map(|(_, v)| v.into_owned()))
        .unwrap_or_default();
    Ok(OidcLogin { auth_url: answer.auth_url, listener, config: config.clone(), mount, nonce })
}

impl OidcLogin {
    /// Waits for the browser to come back with a code and exchanges it for a Vault token.
    pub async fn finish(self, timeout: Duration) -> Result<Secret> {
        let (state, code) = tokio::time::timeout(timeout, self.callback()).await.map_err(|_| {
            AppError::new(ErrorCode::Timeout, "The browser sign-in was not finished in time.")
        })??;
        let client = super::Vault::client(&self.config, "")?;
        let auth = vaultrs::auth::oidc::callback(&client, &self.mount, &state, &self.nonce, &code)
            .await
            .map_err(|err| errors::login_error(err, &self.config.address))?;
        Ok(Secret::new(auth.client_token))
    }

    /// Serves the listener until a request for `/oidc/callback` arrives; answers the browser with a page.
    async fn callback(&self) -> Result<(String, String)> {
        loop {
            let (mut stream, _) =
                self.listener.accept().await.map_err(|err| AppError::internal(err.to_string()))?;
            let mut request = Vec::new();
            let mut chunk = [0u8; 2048];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let line = String::from_utf8_lossy(&request).lines().next().unwrap_or_default().to_owned();
            let target = line.split_whitespace().nth(1).unwrap_or_default();
            let Ok(url) = reqwest::Url::parse(&format!("http://localhost{target}")) else { continue };
            if url.path() != "/oidc/callback" {
                let _ = stream
                    .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                continue;
            }
            let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
            let outcome = match (param("state"), param("code"), param("error")) {
                (Some(state), Some(code), None) => Ok((state, code)),
                (_, _, error) => Err(AppError::new(
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
            let body = format!("<!doctype html><meta charset=utf-8><title>VMDeck</title><p>{page}</p>");
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            return outcome;
        }
    }
}
