//! HashiCorp Vault through `vaultrs`: sign in (token, userpass, AppRole), keep the token alive (renew
//! before expiry, sign in again when it has expired), and read VM login credentials from KV v1 or v2 at
//! a per-account path template. Values are `Secret`s and are never logged. See docs/providers/vault.md.

mod config;
mod credentials;
mod errors;
pub mod oidc;
mod service;

pub use config::{KvVersion, VaultAuth, VaultConfig};
pub use credentials::{resolve_template, FieldMapping, PathVars, VmCredentials};
pub use service::{VaultOverview, VaultScope, VaultService};

use crate::error::{AppError, ErrorCode, Result};
use crate::secret::Secret;
use errors::map_vault_error;
use serde::Serialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use ts_rs::TS;
use vaultrs::client::{Client, VaultClient, VaultClientSettingsBuilder};

/// "Connected as …, expires in …" for the Settings page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VaultStatus {
    pub address: String,
    pub display_name: String,
    pub policies: Vec<String>,
    /// Seconds left; None for a token that never expires (root).
    #[ts(type = "number | null")]
    pub expires_in_secs: Option<u64>,
    pub renewable: bool,
}

struct Session {
    client: VaultClient,
    /// When the token runs out (None: never), and how long it lived when issued.
    expires: Option<Instant>,
    lifetime: Duration,
    renewable: bool,
}

pub struct Vault {
    config: VaultConfig,
    /// The token, the userpass password or the AppRole secret ID, by the auth method.
    secret: Secret,
    session: Mutex<Session>,
}

/// Renew when less than this share of the token's life is left.
const RENEW_BELOW: f64 = 1.0 / 3.0;

impl Vault {
    /// Signs in and checks the token with lookup-self.
    pub async fn connect(config: VaultConfig, secret: Secret) -> Result<Self> {
        config.validate()?;
        let session = Self::sign_in(&config, &secret).await?;
        let vault = Self { config, secret, session: Mutex::new(session) };
        vault.status().await?;
        Ok(vault)
    }

    /// Whether this connection is to `address` with exactly this secret (an issued token that changed
    /// after the provider signed in again needs a new connection).
    pub(crate) fn signed_in_with(&self, address: &str, secret: &Secret) -> bool {
        self.config.address == address && self.secret.expose() == secret.expose()
    }

    pub(crate) fn client(config: &VaultConfig, token: &str) -> Result<VaultClient> {
        let mut settings = VaultClientSettingsBuilder::default();
        settings
            .address(config.address.trim())
            .token(token)
            .verify(!config.skip_verify)
            .timeout(Some(Duration::from_secs(15)));
        if let Some(namespace) = config.namespace.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            settings.set_namespace(namespace.to_owned());
        }
        if let Some(path) = config.ca_cert_path.as_deref().filter(|p| !p.trim().is_empty()) {
            settings.ca_certs(vec![path.trim().to_owned()]);
        }
        let settings = settings
            .build()
            .map_err(|err| AppError::invalid_input("address", format!("Vault settings: {err}")))?;
        let mut client =
            VaultClient::new(settings).map_err(|err| map_vault_error(err, &config.address, None))?;
        // vaultrs's own HTTP client follows any redirect, and the token header would go along: ours
        // follows one only to the same scheme, host and port (as for the providers).
        client.http =
            rustify::clients::reqwest::Client::new(config.address.trim(), Self::http_client(config)?);
        Ok(client)
    }

    /// The HTTP client under vaultrs: vaultrs's TLS settings, a 15 s limit, same-origin redirects only.
    fn http_client(config: &VaultConfig) -> Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .redirect(crate::providers::http::same_origin_redirects())
            .timeout(Duration::from_secs(15))
            .tls_danger_accept_invalid_certs(config.skip_verify);
        if let Some(path) = config.ca_cert_path.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            let pem = std::fs::read(path).map_err(|err| {
                AppError::invalid_input(
                    "ca_cert_path",
                    format!("The CA file {path} could not be read: {err}."),
                )
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| {
                AppError::invalid_input("ca_cert_path", format!("The CA file {path} is not PEM: {err}."))
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        builder
            .build()
            .map_err(|err| AppError::internal(format!("The Vault client could not be built: {err}")))
    }

    async fn sign_in(config: &VaultConfig, secret: &Secret) -> Result<Session> {
        let address = &config.address;
        let (token, lease) = match &config.auth {
            VaultAuth::Token | VaultAuth::Oidc { .. } => (secret.expose().to_owned(), None),
            VaultAuth::Userpass { username, mount } => {
                let client = Self::client(config, "")?;
                let auth = vaultrs::auth::userpass::login(&client, mount, username, secret.expose())
                    .await
                    .map_err(|err| errors::login_error(err, address))?;
                (auth.client_token, Some((auth.lease_duration, auth.renewable)))
            }
            VaultAuth::Approle { role_id, mount } => {
                let client = Self::client(config, "")?;
                let auth = vaultrs::auth::approle::login(&client, mount, role_id, secret.expose())
                    .await
                    .map_err(|err| errors::login_error(err, address))?;
                (auth.client_token, Some((auth.lease_duration, auth.renewable)))
            }
        };
        let client = Self::client(config, &token)?;
        let (expires, lifetime, renewable) = match lease {
            Some((0, renewable)) => (None, Duration::ZERO, renewable),
            Some((secs, renewable)) => {
                (Some(Instant::now() + Duration::from_secs(secs)), Duration::from_secs(secs), renewable)
            }
            // A given token: learn its life from lookup-self.
            None => {
                let me = vaultrs::token::lookup_self(&client)
                    .await
                    .map_err(|err| errors::token_error(err, address))?;
                let expires = (me.ttl > 0).then(|| Instant::now() + Duration::from_secs(me.ttl));
                (expires, Duration::from_secs(me.creation_ttl.max(me.ttl)), me.renewable.unwrap_or(false))
            }
        };
        Ok(Session { client, expires, lifetime, renewable })
    }

    /// Renews a token that is running low, or signs in again when it has run out (where the method
    /// can: a pasted token cannot be renewed once expired).
    async fn keep_alive(&self, session: &mut Session) -> Result<()> {
        let Some(expires) = session.expires else { return Ok(()) };
        let left = expires.saturating_duration_since(Instant::now());
        if left.is_zero() {
            if self.config.auth.keeps_a_token() {
                return Err(AppError::new(ErrorCode::AuthFailed, expired_message(&self.config.auth)));
            }
            *session = Self::sign_in(&self.config, &self.secret).await?;
            return Ok(());
        }
        if session.renewable && left.as_secs_f64() < session.lifetime.as_secs_f64() * RENEW_BELOW {
            match vaultrs::token::renew_self(&session.client, None).await {
                Ok(auth) => {
                    session.expires = Some(Instant::now() + Duration::from_secs(auth.lease_duration));
                    session.lifetime = Duration::from_secs(auth.lease_duration);
                }
                // Renewal can be refused (max TTL reached); the token still works until it expires.
                Err(err) => tracing::warn!("Vault token renewal failed: {err}"),
            }
        }
        Ok(())
    }

    pub async fn status(&self) -> Result<VaultStatus> {
        let mut session = self.session.lock().await;
        self.keep_alive(&mut session).await?;
        let me = vaultrs::token::lookup_self(&session.client)
            .await
            .map_err(|err| errors::token_error(err, &self.config.address))?;
        Ok(VaultStatus {
            address: self.config.address.clone(),
            display_name: me.display_name,
            policies: me.policies,
            expires_in_secs: (me.ttl > 0).then_some(me.ttl),
            renewable: me.renewable.unwrap_or(false),
        })
    }

    /// Every field of the secret at `path` (a full API path such as `secret/data/app` for KV v2 or
    /// `kv/app` for KV v1), at `version` (KV v2 only; None or 0 is the latest). The path may end in
    /// `?version=N` as in Vault's API, so a path template can pin a version.
    pub async fn read(&self, path: &str, version: Option<u64>) -> Result<HashMap<String, Secret>> {
        let (path, pinned) = split_version(path)?;
        let version = version.or(pinned);
        let mut session = self.session.lock().await;
        self.keep_alive(&mut session).await?;
        match self.read_with(&session, path, version).await {
            // A 403 is a policy refusing the path, or a token that died early (revoked, max TTL):
            // lookup-self tells which; a dead token is replaced once where the method allows.
            Err(err) if err.code == ErrorCode::VaultDenied => {
                if vaultrs::token::lookup_self(&session.client).await.is_ok() {
                    return Err(err);
                }
                if self.config.auth.keeps_a_token() {
                    return Err(AppError::new(ErrorCode::AuthFailed, expired_message(&self.config.auth)));
                }
                *session = Self::sign_in(&self.config, &self.secret).await?;
                self.read_with(&session, path, version).await
            }
            other => other,
        }
    }

    async fn read_with(
        &self,
        session: &Session,
        path: &str,
        version: Option<u64>,
    ) -> Result<HashMap<String, Secret>> {
        let (mount, rest) = path.trim_matches('/').split_once('/').ok_or_else(|| {
            AppError::invalid_input(
                "path",
                format!("\u{201c}{path}\u{201d} names no secret: use <mount>/<path>."),
            )
        })?;
        let address = &self.config.address;
        // KV v2 is read through `<mount>/data/<path>`; a mount set to v2 accepts the path without `data/`,
        // one set to v1 reads a path that happens to start with `data/` as it is.
        let kv2_path = match self.config.kv_version {
            KvVersion::Auto => rest.strip_prefix("data/"),
            KvVersion::V2 => Some(rest.strip_prefix("data/").unwrap_or(rest)),
            KvVersion::V1 => None,
        };
        let value: Result<serde_json::Value> = match kv2_path {
            Some(kv2_path) => match version.filter(|v| *v > 0) {
                Some(v) => vaultrs::kv2::read_version(&session.client, mount, kv2_path, v).await,
                None => vaultrs::kv2::read(&session.client, mount, kv2_path).await,
            }
            .map_err(|err| map_vault_error(err, address, Some(path))),
            None => match vaultrs::kv1::get(&session.client, mount, rest).await {
                Ok(value) => Ok(value),
                Err(err) => {
                    let mapped = map_vault_error(err, address, Some(path));
                    Err(if mapped.code == ErrorCode::NotFound {
                        self.kv_version_hint(&session.client, mount, path, mapped).await
                    } else {
                        mapped
                    })
                }
            },
        };
        let fields = value?.as_object().cloned().unwrap_or_default();
        Ok(fields
            .into_iter()
            .filter_map(|(key, value)| {
                let text = match value {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => return None,
                    other => other.to_string(),
                };
                Some((key, Secret::new(text)))
            })
            .collect())
    }

    /// A KV v1-style path that is not found on a KV v2 mount: say which path would work.
    async fn kv_version_hint(
        &self,
        client: &VaultClient,
        mount: &str,
        path: &str,
        not_found: AppError,
    ) -> AppError {
        let Ok(url) = client.settings().address.join(&format!("v1/sys/internal/ui/mounts/{mount}")) else {
            return not_found;
        };
        // The token goes with it: through the same client, so the same redirect rule applies.
        let mut request = client.http.http.get(url).header("X-Vault-Token", &client.settings().token);
        if let Some(namespace) = &client.settings().namespace {
            request = request.header("X-Vault-Namespace", namespace);
        }
        let version = match request.send().await {
            Ok(response) => response
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|v| v["data"]["options"]["version"].as_str().map(str::to_owned)),
            Err(_) => None,
        };
        if version.as_deref() == Some("2") {
            let suggestion = format!(
                "{mount}/data/{}",
                path.trim_matches('/').split_once('/').map_or("", |(_, rest)| rest)
            );
            return AppError::new(
                ErrorCode::InvalidInput,
                format!("{mount} is a KV version 2 mount: read \u{201c}{suggestion}\u{201d} instead of \u{201c}{path}\u{201d}."),
            )
            .with_detail("field", "path")
            .with_detail("suggestion", suggestion);
        }
        not_found
    }

    /// Which secret fields hold what, as the settings say.
    pub fn fields(&self) -> &FieldMapping {
        &self.config.fields
    }

    /// The secret at `path`, its fields mapped as the settings say (SSH and VNC logins).
    pub async fn credentials_at(&self, path: &str) -> Result<VmCredentials> {
        Ok(self.fields().apply(self.read(path, None).await?))
    }

    /// The login credentials of a VM: the template filled in, the secret read, the fields mapped.
    pub async fn credentials(
        &self,
        template: &str,
        vars: &PathVars,
        mapping: &FieldMapping,
    ) -> Result<VmCredentials> {
        let path = resolve_template(template, vars)?;
        let fields = self.read(&path, None).await?;
        Ok(mapping.apply(fields))
    }
}

/// `secret/data/app?version=3` → (`secret/data/app`, Some(3)); no query → (path, None).
pub(crate) fn split_version(path: &str) -> Result<(&str, Option<u64>)> {
    let Some((path, query)) = path.split_once('?') else { return Ok((path, None)) };
    let version = query.strip_prefix("version=").and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| {
        AppError::invalid_input(
            "path",
            format!("\u{201c}?{query}\u{201d}: a secret path takes only ?version=<number>."),
        )
    })?;
    Ok((path, Some(version)))
}

/// What to do about a token that died: type a new one, or sign in with the browser again.
fn expired_message(auth: &VaultAuth) -> &'static str {
    match auth {
        VaultAuth::Oidc { .. } => {
            "The Vault sign-in has expired or was revoked; sign in with the browser again in Settings."
        }
        _ => "The Vault token has expired or was revoked; enter a new one in Settings.",
    }
}
