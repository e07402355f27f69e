//! How VMDeck reaches Vault; the token, password or secret ID is kept apart, in the keychain.

use crate::error::{AppError, Result};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum VaultAuth {
    /// The secret is the token.
    Token,
    /// The secret is the password.
    Userpass { username: String, mount: String },
    /// The secret is the secret ID.
    Approle { role_id: String, mount: String },
    /// Signs in with the identity provider in the browser (see `oidc`); the secret is the token that
    /// sign-in produced, so an expired one needs the browser again.
    Oidc { mount: String, role: Option<String> },
}

impl VaultAuth {
    /// Methods whose stored secret is a token: Vault cannot sign in again by itself when it expires.
    pub fn keeps_a_token(&self) -> bool {
        matches!(self, VaultAuth::Token | VaultAuth::Oidc { .. })
    }
}

/// How a secret path is read: detected from the path (`<mount>/data/…` is KV v2), or set for the mount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum KvVersion {
    #[default]
    Auto,
    V1,
    V2,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct VaultConfig {
    pub address: String,
    pub namespace: Option<String>,
    pub auth: VaultAuth,
    /// Accept any certificate: for a lab Vault only; the UI warns.
    pub skip_verify: bool,
    /// A PEM file with the CA that signed Vault's certificate.
    pub ca_cert_path: Option<String>,
    #[serde(default)]
    pub kv_version: KvVersion,
    /// Which secret fields hold the user, password, key, passphrase and VNC password.
    #[serde(default)]
    pub fields: super::FieldMapping,
}

/// See `VaultConfig::secret_scope`.
#[derive(Debug, PartialEq)]
pub struct SecretScope {
    address: String,
    namespace: Option<String>,
    auth: VaultAuth,
    skip_verify: bool,
    ca_cert_path: Option<String>,
}

impl VaultConfig {
    /// A Vault at `address` signed in to with a token, everything else as Vault's defaults.
    pub fn with_token(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            namespace: None,
            auth: VaultAuth::Token,
            skip_verify: false,
            ca_cert_path: None,
            kv_version: KvVersion::Auto,
            fields: super::FieldMapping::default(),
        }
    }

    /// `VAULT_ADDR` and `VAULT_NAMESPACE`, as the Vault CLI reads them, with token auth.
    pub fn from_env() -> Option<Self> {
        let address = std::env::var("VAULT_ADDR").ok().filter(|a| !a.trim().is_empty())?;
        let namespace = std::env::var("VAULT_NAMESPACE").ok().filter(|n| !n.trim().is_empty());
        Some(Self { namespace, ..Self::with_token(address) })
    }

    /// `VAULT_TOKEN`, else `~/.vault-token`, as the Vault CLI finds a token.
    pub fn token_from_env() -> Option<Secret> {
        if let Some(token) = std::env::var("VAULT_TOKEN").ok().filter(|t| !t.trim().is_empty()) {
            return Some(Secret::new(token.trim()));
        }
        let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
        let token = std::fs::read_to_string(std::path::Path::new(&home).join(".vault-token")).ok()?;
        let token = token.trim();
        (!token.is_empty()).then(|| Secret::new(token))
    }

    /// What decides where the stored token, password or secret ID is sent and how it is checked: change
    /// any of it and the secret must be entered again (the KV version and field mapping may change freely).
    pub fn secret_scope(&self) -> SecretScope {
        let norm =
            |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        SecretScope {
            address: self.address.trim().trim_end_matches('/').to_owned(),
            namespace: norm(&self.namespace).map(|n| n.trim_matches('/').to_owned()),
            auth: self.auth.clone(),
            skip_verify: self.skip_verify,
            ca_cert_path: norm(&self.ca_cert_path),
        }
    }

    pub fn validate(&self) -> Result<()> {
        let url = reqwest::Url::parse(self.address.trim()).map_err(|err| {
            AppError::invalid_input(
                "address",
                format!("\u{201c}{}\u{201d} is not a URL: {err}.", self.address),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(AppError::invalid_input(
                "address",
                "The Vault address must start with https:// (or http:// for a Vault on this computer).",
            ));
        }
        // The token or password would cross the network readable: plain http only to this computer.
        if url.scheme() == "http" && !crate::accounts::is_loopback(&url) {
            return Err(AppError::invalid_input(
                "address",
                "Use https:// for a Vault on another computer: plain http:// is allowed only for localhost.",
            ));
        }
        match &self.auth {
            VaultAuth::Userpass { username, .. } if username.trim().is_empty() => {
                Err(AppError::invalid_input("username", "The Vault user name is required."))
            }
            VaultAuth::Approle { role_id, .. } if role_id.trim().is_empty() => {
                Err(AppError::invalid_input("role_id", "The AppRole role ID is required."))
            }
            _ => Ok(()),
        }
    }
}
