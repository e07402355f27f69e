//! SSH private keys kept in the OS keychain (entries `sshkey:<name>`), listed by name in the settings
//! store, so a login can use a key without a file on disk. The keychain entry is written first and the
//! list second; a failed list write removes the entry again, so no secret is left unlisted.

use crate::accounts::{replace_by_name, JsonSettings, SecretStore};
use crate::error::{AppError, ErrorCode, Result};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use ts_rs::TS;

const KEY: &str = "ssh_keys";
const WHAT: &str = "The list of stored SSH keys";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StoredKey {
    pub name: String,
    /// The key's type from its PEM header or first line (`OPENSSH PRIVATE KEY`, `RSA PRIVATE KEY`, …).
    pub kind: String,
}

pub struct StoredKeys {
    settings: Arc<dyn JsonSettings>,
    secrets: Arc<dyn SecretStore>,
}

/// The PEM label of a private key, or why the text is not one.
fn kind_of(private_key: &str) -> Result<String> {
    let first = private_key.trim_start().lines().next().unwrap_or_default();
    first
        .strip_prefix("-----BEGIN ")
        .and_then(|rest| rest.strip_suffix("-----"))
        .filter(|label| label.ends_with("PRIVATE KEY"))
        .map(str::to_owned)
        .ok_or_else(|| {
            AppError::invalid_input(
                "private_key",
                "Paste a private key (it starts with “-----BEGIN … PRIVATE KEY-----”).",
            )
        })
}

impl StoredKeys {
    pub fn new(settings: Arc<dyn JsonSettings>, secrets: Arc<dyn SecretStore>) -> Self {
        Self { settings, secrets }
    }

    pub fn list(&self) -> Result<Vec<StoredKey>> {
        self.settings.read_list(KEY, WHAT)
    }

    pub fn save(&self, name: &str, private_key: Secret) -> Result<Vec<StoredKey>> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::invalid_input("name", "Give the key a name."));
        }
        let kind = kind_of(private_key.expose())?;
        let mut all = self.list()?;
        replace_by_name(&mut all, StoredKey { name: name.to_owned(), kind }, |k| &k.name);
        self.secrets.set(name, &private_key)?;
        if let Err(err) = self.settings.write_list(KEY, WHAT, &all) {
            let _ = self.secrets.delete(name);
            return Err(err);
        }
        Ok(all)
    }

    /// The key itself, for a login.
    pub fn private_key(&self, name: &str) -> Result<Secret> {
        self.secrets.get(name)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("The keychain holds no SSH key named “{name}” (any more)."),
            )
        })
    }

    /// Removes the keychain entry, then the name; a keychain that refuses keeps the name listed.
    pub fn remove(&self, name: &str) -> Result<Vec<StoredKey>> {
        self.secrets.delete(name)?;
        let mut all = self.list()?;
        all.retain(|k| k.name != name);
        self.settings.write_list(KEY, WHAT, &all)?;
        Ok(all)
    }
}

#[cfg(test)]
mod tests;
