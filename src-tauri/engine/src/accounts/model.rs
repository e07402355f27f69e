//! What an account is, without its secret.

use crate::error::{AppError, Result};
use crate::model::ProviderKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How an enclaive account signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EnclaiveSignIn {
    /// Email and password (the secret); VMDeck logs in again when the token expires.
    Password,
    /// A pasted JWT (the secret).
    Token,
}

/// The non-secret settings of each kind of account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountSettings {
    Enclaive {
        base_url: String,
        sign_in: EnclaiveSignIn,
        email: String,
        team_id: String,
        project_id: String,
        /// The team's Vault: the login's Vault token reads the VMs' root logins there, with no other Vault
        /// set up. Absent in accounts saved before it existed.
        #[serde(default)]
        vault_address: Option<String>,
    },
    Hyperstack {
        base_url: String,
        default_environment: Option<String>,
    },
    Lunanode {
        base_url: String,
        api_id: String,
        default_region: Option<String>,
    },
    Cloudvm {
        base_url: String,
        access_key: String,
        environment: String,
        machine_types: Vec<String>,
        /// The API reports no addresses: the SSH host of each VM from its name or id, e.g.
        /// `{name}.lab.example`. Absent in accounts saved before it existed.
        #[serde(default)]
        ssh_host_template: Option<String>,
    },
    /// VMs on this computer (QEMU): nothing to sign in to, no secret.
    Local {},
}

impl AccountSettings {
    pub fn kind(&self) -> ProviderKind {
        match self {
            AccountSettings::Enclaive { .. } => ProviderKind::Enclaive,
            AccountSettings::Hyperstack { .. } => ProviderKind::Hyperstack,
            AccountSettings::Lunanode { .. } => ProviderKind::Lunanode,
            AccountSettings::Cloudvm { .. } => ProviderKind::Cloudvm,
            AccountSettings::Local {} => ProviderKind::Local,
        }
    }

    pub fn base_url(&self) -> &str {
        match self {
            AccountSettings::Enclaive { base_url, .. }
            | AccountSettings::Hyperstack { base_url, .. }
            | AccountSettings::Lunanode { base_url, .. }
            | AccountSettings::Cloudvm { base_url, .. } => base_url,
            AccountSettings::Local {} => "",
        }
    }

    /// Whether this kind of account signs in with a secret kept in the keychain.
    pub fn needs_secret(&self) -> bool {
        !matches!(self, AccountSettings::Local {})
    }

    /// What the secret of this kind is called in the form.
    pub fn secret_label(&self) -> &'static str {
        match self {
            AccountSettings::Enclaive { sign_in: EnclaiveSignIn::Password, .. } => "password",
            AccountSettings::Enclaive { sign_in: EnclaiveSignIn::Token, .. } => "token",
            AccountSettings::Hyperstack { .. } | AccountSettings::Lunanode { .. } => "API key",
            AccountSettings::Cloudvm { .. } => "secret key",
            AccountSettings::Local {} => "",
        }
    }
}

/// Where an account is in its life; anything but `saved` is a half-done change `recover` completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Journal {
    #[default]
    Saved,
    Adding,
    Removing,
}

/// The fields a user fills in (everything but the secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AccountDraft {
    pub label: String,
    /// A CSS colour for the account's badge, e.g. "#2f6fde".
    pub color: String,
    pub settings: AccountSettings,
    /// Where VM login credentials live in Vault; placeholders `{teamId}`, `{projectId}`, `{vmId}`, `{vmName}`, `{accountId}`.
    pub vault_path_template: Option<String>,
    /// An HTTP(S) proxy for this account only (otherwise `HTTPS_PROXY` / `NO_PROXY` apply).
    pub proxy: Option<String>,
    /// A PEM CA certificate to trust for this account's server (a self-hosted Cloud VM API, say).
    pub ca_certificate_pem: Option<String>,
}

/// A saved account as the store and the UI see it: no secret in here, by construction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Account {
    pub id: String,
    #[serde(flatten)]
    pub draft: AccountDraft,
    #[serde(default)]
    pub journal: Journal,
}

/// The default Vault path of enclaive's VM root credentials (docs/providers/enclaive.md).
pub const ENCLAIVE_VAULT_PATH: &str = "enclaive-static/data/{teamId}/user/root";

fn required(field: &str, value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(AppError::invalid_input(field, format!("{what} is required.")));
    }
    Ok(())
}

fn url(field: &str, value: &str) -> Result<()> {
    required(field, value, "The server address")?;
    let parsed = reqwest::Url::parse(value.trim()).map_err(|err| {
        AppError::invalid_input(field, format!("\u{201c}{value}\u{201d} is not a URL: {err}."))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(AppError::invalid_input(
            field,
            "The address must start with https:// (or http:// for a local server).",
        ));
    }
    // A secret sent over plain http can be read on the way: only a server on this computer may use it.
    if parsed.scheme() == "http" && !is_loopback(&parsed) {
        return Err(AppError::invalid_input(
            field,
            "Use https:// for a server on another computer: plain http:// is allowed only for localhost.",
        ));
    }
    Ok(())
}

/// localhost, 127.0.0.0/8 or ::1: the only hosts plain http may carry a secret to.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What decides where an account's secret is sent: change any of it and the secret must be entered again.
#[derive(Debug, PartialEq)]
pub struct SecretScope {
    kind: ProviderKind,
    base_url: String,
    proxy: Option<String>,
    ca_certificate_pem: Option<String>,
    sign_in: Option<EnclaiveSignIn>,
    /// Where enclaive's login token for Vault goes.
    vault_address: Option<String>,
}

impl AccountDraft {
    pub fn secret_scope(&self) -> SecretScope {
        let norm =
            |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        SecretScope {
            kind: self.settings.kind(),
            base_url: self.settings.base_url().trim().trim_end_matches('/').to_owned(),
            // Where requests go: the proxy itself, not the login typed into its URL (kept apart).
            proxy: super::proxy_login::bare(self),
            ca_certificate_pem: norm(&self.ca_certificate_pem),
            sign_in: match &self.settings {
                AccountSettings::Enclaive { sign_in, .. } => Some(*sign_in),
                _ => None,
            },
            vault_address: match &self.settings {
                AccountSettings::Enclaive { vault_address, .. } => {
                    norm(vault_address).map(|a| a.trim_end_matches('/').to_owned())
                }
                _ => None,
            },
        }
    }

    /// Checks the fields before anything is stored or sent.
    pub fn validate(&self) -> Result<()> {
        required("label", &self.label, "A name")?;
        if self.label.chars().count() > 60 {
            return Err(AppError::invalid_input("label", "A name has at most 60 characters."));
        }
        // The colour lands in a style attribute: only #rgb or #rrggbb.
        let color = self.color.trim();
        let hex = color.strip_prefix('#').filter(|h| matches!(h.len(), 3 | 6));
        if !hex.is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit())) {
            return Err(AppError::invalid_input("color", "A colour is written #rrggbb."));
        }
        if let Some(template) = self.vault_path_template.as_deref().filter(|t| !t.trim().is_empty()) {
            // Every placeholder known and closed: filled with a stand-in, it must resolve.
            let all = Some("x".to_owned());
            let vars = crate::vault::PathVars {
                team_id: all.clone(),
                project_id: all.clone(),
                vm_id: all.clone(),
                vm_name: all.clone(),
                account_id: all,
            };
            crate::vault::resolve_template(template, &vars)?;
        }
        if self.settings.needs_secret() {
            url("base_url", self.settings.base_url())?;
        }
        match &self.settings {
            AccountSettings::Enclaive { sign_in, email, team_id, project_id, vault_address, .. } => {
                if *sign_in == EnclaiveSignIn::Password {
                    required("email", email, "The email address")?;
                }
                if let Some(address) = vault_address.as_deref().filter(|a| !a.trim().is_empty()) {
                    url("vault_address", address)?;
                }
                required("team_id", team_id, "The team ID")?;
                required("project_id", project_id, "The project ID")?;
            }
            AccountSettings::Hyperstack { .. } => {}
            AccountSettings::Lunanode { api_id, .. } => {
                if api_id.trim().len() != crate::providers::lunanode::API_ID_LEN {
                    return Err(AppError::invalid_input("api_id", "A Lunanode API ID has 16 characters."));
                }
            }
            AccountSettings::Cloudvm { access_key, environment, ssh_host_template, .. } => {
                required("access_key", access_key, "The access key")?;
                if access_key.contains(':') {
                    return Err(AppError::invalid_input(
                        "access_key",
                        "The access key cannot contain a colon (the token joins key and secret with one).",
                    ));
                }
                required("environment", environment, "The environment")?;
                if let Some(template) = ssh_host_template.as_deref().filter(|t| !t.trim().is_empty()) {
                    crate::targets::fill_host_template(template, "vm-name", "vm-id")?;
                }
            }
            AccountSettings::Local {} => {}
        }
        if let Some(proxy) = self.proxy.as_deref().filter(|p| !p.trim().is_empty()) {
            reqwest::Proxy::all(proxy.trim())
                .map_err(|err| AppError::invalid_input("proxy", format!("Not a proxy URL: {err}.")))?;
        }
        if let Some(pem) = self.ca_certificate_pem.as_deref().filter(|p| !p.trim().is_empty()) {
            crate::providers::http::ca_certificate(pem)?;
        }
        Ok(())
    }
}
