//! The app's Vault connection: its settings in the store, its token, password or secret ID in the
//! keychain, and one live connection shared by every credential lookup.

use super::{Vault, VaultConfig, VaultStatus};
use crate::accounts::{JsonSettings, SecretStore};
use crate::error::{AppError, ErrorCode, Result};
use crate::secret::Secret;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;
use ts_rs::TS;

/// Whose Vault settings: the app's, or one account's own (which then replace the app's for its VMs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VaultScope {
    Global,
    Account(String),
}

impl VaultScope {
    pub fn of(account_id: Option<String>) -> Self {
        account_id.map_or(VaultScope::Global, VaultScope::Account)
    }

    fn settings_key(&self) -> String {
        match self {
            VaultScope::Global => "vault".into(),
            VaultScope::Account(id) => format!("vault_account:{id}"),
        }
    }

    fn secret_id(&self) -> String {
        match self {
            VaultScope::Global => "global".into(),
            VaultScope::Account(id) => format!("account:{id}"),
        }
    }
}

/// What the Settings page shows: the saved (or `VAULT_ADDR`) settings and, when connected, who we are.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct VaultOverview {
    pub config: Option<VaultConfig>,
    /// True when `config` comes from VAULT_ADDR / VAULT_NAMESPACE rather than saved settings.
    pub from_environment: bool,
    pub has_secret: bool,
    pub status: Option<VaultStatus>,
    /// Why the saved connection could not be used, when it could not.
    pub problem: Option<AppError>,
}

pub struct VaultService {
    settings: Arc<dyn JsonSettings>,
    secrets: Arc<dyn SecretStore>,
    connections: Mutex<HashMap<VaultScope, Arc<Vault>>>,
    /// Connections with a token a provider issued, by account; never saved.
    issued: Mutex<HashMap<String, Arc<Vault>>>,
}

impl VaultService {
    pub fn new(settings: Arc<dyn JsonSettings>, secrets: Arc<dyn SecretStore>) -> Self {
        Self {
            settings,
            secrets,
            connections: Mutex::new(HashMap::new()),
            issued: Mutex::new(HashMap::new()),
        }
    }

    fn saved(&self, scope: &VaultScope) -> Result<Option<VaultConfig>> {
        match self.settings.get(&scope.settings_key())? {
            Some(value) => serde_json::from_value(value).map(Some).map_err(|err| {
                AppError::internal(format!("The saved Vault settings could not be read: {err}"))
            }),
            None => Ok(None),
        }
    }

    /// The app's live connection, made on first use from the saved settings and secret (or the CLI's
    /// environment: VAULT_ADDR, VAULT_TOKEN, ~/.vault-token).
    pub async fn connection(&self) -> Result<Arc<Vault>> {
        self.connect(&VaultScope::Global).await
    }

    /// The connection for an account's VMs: its own Vault when it has one, else the app's.
    pub async fn connection_for(&self, account_id: Option<&str>) -> Result<Arc<Vault>> {
        if let Some(id) = account_id {
            let scope = VaultScope::Account(id.to_owned());
            if self.saved(&scope)?.is_some() {
                return self.connect(&scope).await;
            }
        }
        self.connection().await
    }

    /// The Vault for an account's VMs, in this order: the account's own saved settings; the Vault its
    /// provider's sign-in issued a token for (enclaive's team Vault, when the account names it); the app's.
    pub async fn connection_for_account(
        &self,
        account_id: Option<&str>,
        provider: Option<&dyn crate::providers::Provider>,
    ) -> Result<Arc<Vault>> {
        let (Some(id), Some(provider)) = (account_id, provider) else {
            return self.connection_for(account_id).await;
        };
        if self.saved(&VaultScope::Account(id.to_owned()))?.is_some() {
            return self.connection_for(Some(id)).await;
        }
        let Some(issued) = provider.issued_vault().await? else { return self.connection().await };
        let mut connections = self.issued.lock().await;
        if let Some(vault) = connections.get(id).filter(|v| v.signed_in_with(&issued.address, &issued.token))
        {
            return Ok(vault.clone());
        }
        let vault = Arc::new(Vault::connect(VaultConfig::with_token(issued.address), issued.token).await?);
        connections.insert(id.to_owned(), vault.clone());
        Ok(vault)
    }

    async fn connect(&self, scope: &VaultScope) -> Result<Arc<Vault>> {
        let mut connections = self.connections.lock().await;
        if let Some(vault) = connections.get(scope) {
            return Ok(vault.clone());
        }
        let (config, secret) = match (self.saved(scope)?, scope) {
            (Some(config), _) => (config, self.secrets.get(&scope.secret_id())?),
            (None, VaultScope::Global) => (
                VaultConfig::from_env().ok_or_else(|| {
                    AppError::new(ErrorCode::NotFound, "Vault is not set up: add its address in Settings.")
                })?,
                VaultConfig::token_from_env(),
            ),
            (None, VaultScope::Account(_)) => {
                return Err(AppError::new(
                    ErrorCode::NotFound,
                    "This account has no Vault settings of its own.",
                ))
            }
        };
        let secret = secret.ok_or_else(|| {
            AppError::new(
                ErrorCode::AuthFailed,
                "No Vault token or password is stored; enter it in Settings.",
            )
        })?;
        let vault = Arc::new(Vault::connect(config, secret).await?);
        connections.insert(scope.clone(), vault.clone());
        Ok(vault)
    }

    pub async fn overview(&self) -> Result<VaultOverview> {
        self.overview_in(&VaultScope::Global).await
    }

    /// An account without its own settings shows none (its VMs use the app's Vault).
    pub async fn overview_in(&self, scope: &VaultScope) -> Result<VaultOverview> {
        let saved = self.saved(scope)?;
        let global = *scope == VaultScope::Global;
        let from_environment = global && saved.is_none() && VaultConfig::from_env().is_some();
        let config = if global { saved.or_else(VaultConfig::from_env) } else { saved };
        let has_secret = if from_environment {
            VaultConfig::token_from_env().is_some()
        } else {
            self.secrets.get(&scope.secret_id())?.is_some()
        };
        let (status, problem) = if config.is_some() && has_secret {
            match self.connect(scope).await {
                Ok(vault) => match vault.status().await {
                    Ok(status) => (Some(status), None),
                    Err(err) => (None, Some(err)),
                },
                Err(err) => (None, Some(err)),
            }
        } else {
            (None, None)
        };
        Ok(VaultOverview { config, from_environment, has_secret, status, problem })
    }

    pub async fn save(&self, config: VaultConfig, secret: Option<Secret>) -> Result<VaultStatus> {
        self.save_in(&VaultScope::Global, config, secret).await
    }

    /// Connects with the new settings first; only a working connection is saved (secret first, then
    /// settings, the secret taken back if the settings cannot be written), so a typo never replaces a good
    /// configuration and no secret is left without its settings.
    pub async fn save_in(
        &self,
        scope: &VaultScope,
        config: VaultConfig,
        secret: Option<Secret>,
    ) -> Result<VaultStatus> {
        let secret_id = scope.secret_id();
        let previous = self.secrets.get(&secret_id)?;
        let secret = match secret.filter(|s| !s.is_empty()) {
            Some(secret) => secret,
            None => {
                let saved_scope = self.saved(scope)?.map(|saved| saved.secret_scope());
                if previous.is_some() && saved_scope != Some(config.secret_scope()) {
                    return Err(AppError::invalid_input(
                        "secret",
                        "The address, namespace, sign-in method or TLS settings changed: enter the token, password or secret ID again, so it goes only where you confirm.",
                    ));
                }
                previous.clone().ok_or_else(|| {
                    AppError::invalid_input("secret", "Enter the token, password or secret ID.")
                })?
            }
        };
        let vault = Vault::connect(config.clone(), secret.clone()).await?;
        let status = vault.status().await?;
        self.secrets.set(&secret_id, &secret)?;
        let value = serde_json::to_value(&config).map_err(|err| AppError::internal(err.to_string()))?;
        if let Err(err) = self.settings.put(&scope.settings_key(), Some(value)) {
            let _ = match previous {
                Some(old) => self.secrets.set(&secret_id, &old),
                None => self.secrets.delete(&secret_id),
            };
            return Err(err);
        }
        self.connections.lock().await.insert(scope.clone(), Arc::new(vault));
        Ok(status)
    }

    pub async fn forget(&self) -> Result<()> {
        self.forget_in(&VaultScope::Global).await
    }

    pub async fn forget_in(&self, scope: &VaultScope) -> Result<()> {
        self.connections.lock().await.remove(scope);
        self.secrets.delete(&scope.secret_id())?;
        self.settings.put(&scope.settings_key(), None)
    }

    /// "Test": reads a path and names the fields found, never their values.
    pub async fn test_read(&self, path: &str) -> Result<Vec<String>> {
        self.test_read_for(None, None, path).await
    }

    /// "Test" with the Vault an account's VMs use.
    pub async fn test_read_for(
        &self,
        account_id: Option<&str>,
        provider: Option<&dyn crate::providers::Provider>,
        path: &str,
    ) -> Result<Vec<String>> {
        let fields = self.connection_for_account(account_id, provider).await?.read(path, None).await?;
        let mut names: Vec<String> = fields.into_keys().collect();
        names.sort();
        Ok(names)
    }
}
