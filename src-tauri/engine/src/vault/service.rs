//! The app's Vault connection: its settings in the store, its token, password or secret ID in the
//! keychain, and one live connection shared by every credential lookup.

use super::{Vault, VaultConfig, VaultStatus};
use crate::accounts::{JsonSettings, SecretStore};
use crate::error::{AppError, ErrorCode, Result};
use crate::secret::Secret;
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::Mutex;
use ts_rs::TS;

const SETTINGS_KEY: &str = "vault";
const SECRET_ID: &str = "global";

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
    connection: Mutex<Option<Arc<Vault>>>,
}

impl VaultService {
    pub fn new(settings: Arc<dyn JsonSettings>, secrets: Arc<dyn SecretStore>) -> Self {
        Self { settings, secrets, connection: Mutex::new(None) }
    }

    fn saved(&self) -> Result<Option<VaultConfig>> {
        match self.settings.get(SETTINGS_KEY)? {
            Some(value) => serde_json::from_value(value).map(Some).map_err(|err| {
                AppError::internal(format!("The saved Vault settings could not be read: {err}"))
            }),
            None => Ok(None),
        }
    }

    /// The live connection, made on first use from the saved settings and secret (or the CLI's
    /// environment: VAULT_ADDR, VAULT_TOKEN, ~/.vault-token).
    pub async fn connection(&self) -> Result<Arc<Vault>> {
        let mut connection = self.connection.lock().await;
        if let Some(vault) = connection.as_ref() {
            return Ok(vault.clone());
        }
        let (config, secret) = match self.saved()? {
            Some(config) => (config, self.secrets.get(SECRET_ID)?),
            None => (
                VaultConfig::from_env().ok_or_else(|| {
                    AppError::new(ErrorCode::NotFound, "Vault is not set up: add its address in Settings.")
                })?,
                VaultConfig::token_from_env(),
            ),
        };
        let secret = secret.ok_or_else(|| {
            AppError::new(
                ErrorCode::AuthFailed,
                "No Vault token or password is stored; enter it in Settings.",
            )
        })?;
        let vault = Arc::new(Vault::connect(config, secret).await?);
        *connection = Some(vault.clone());
        Ok(vault)
    }

    pub async fn overview(&self) -> Result<VaultOverview> {
        let saved = self.saved()?;
        let from_environment = saved.is_none() && VaultConfig::from_env().is_some();
        let config = saved.or_else(VaultConfig::from_env);
        let has_secret = if from_environment {
            VaultConfig::token_from_env().is_some()
        } else {
            self.secrets.get(SECRET_ID)?.is_some()
        };
        let (status, problem) = if config.is_some() && has_secret {
            match self.connection().await {
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

    /// Connects with the new settings first; only a working connection is saved (secret first, then
    /// settings), so a typo never replaces a good configuration.
    pub async fn save(&self, config: VaultConfig, secret: Option<Secret>) -> Result<VaultStatus> {
        let secret = match secret.filter(|s| !s.is_empty()) {
            Some(secret) => secret,
            None => self.secrets.get(SECRET_ID)?.ok_or_else(|| {
                AppError::invalid_input("secret", "Enter the token, password or secret ID.")
            })?,
        };
        let vault = Vault::connect(config.clone(), secret.clone()).await?;
        let status = vault.status().await?;
        self.secrets.set(SECRET_ID, &secret)?;
        let value = serde_json::to_value(&config).map_err(|err| AppError::internal(err.to_string()))?;
        self.settings.put(SETTINGS_KEY, Some(value))?;
        *self.connection.lock().await = Some(Arc::new(vault));
        Ok(status)
    }

    pub async fn forget(&self) -> Result<()> {
        *self.connection.lock().await = None;
        self.secrets.delete(SECRET_ID)?;
        self.settings.put(SETTINGS_KEY, None)
    }

    /// "Test": reads a path and names the fields found, never their values.
    pub async fn test_read(&self, path: &str) -> Result<Vec<String>> {
        let fields = self.connection().await?.read(path, None).await?;
        let mut names: Vec<String> = fields.into_keys().collect();
        names.sort();
        Ok(names)
    }
}
