//! Where accounts live: the settings store (behind a trait: `JsonFileStore` in the app, an in-memory one in
//! tests) and the secret store (the OS keychain; an in-memory one for tests).

use super::model::Account;
use crate::error::{AppError, ErrorCode, Result};
use crate::keychain::{map_keyring_error, Keychain};
use crate::secret::Secret;
use std::collections::HashMap;
use std::sync::Mutex;

pub trait AccountStore: Send + Sync {
    fn load(&self) -> Result<Vec<Account>>;
    /// Replaces every account; must be all or nothing.
    fn save(&self, accounts: &[Account]) -> Result<()>;
    /// What the user must be told about the store (a file that could not be read and was kept aside).
    fn notices(&self) -> Vec<String> {
        Vec::new()
    }
}

pub trait SecretStore: Send + Sync {
    fn set(&self, account_id: &str, secret: &Secret) -> Result<()>;
    fn get(&self, account_id: &str) -> Result<Option<Secret>>;
    /// Removing an entry that is not there is not an error.
    fn delete(&self, account_id: &str) -> Result<()>;
}

/// Settings that are not accounts (the Vault connection, templates, …), as JSON values under a key.
pub trait JsonSettings: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<serde_json::Value>>;
    fn put(&self, key: &str, value: Option<serde_json::Value>) -> Result<()>;
}

/// Lists kept as one JSON array under a key (templates, stored SSH key names); `what` names the list
/// in errors ("The templates").
impl dyn JsonSettings {
    pub fn read_list<T: serde::de::DeserializeOwned>(&self, key: &str, what: &str) -> Result<Vec<T>> {
        match self.get(key)? {
            None => Ok(Vec::new()),
            Some(value) => serde_json::from_value(value)
                .map_err(|err| AppError::internal(format!("{what} could not be read: {err}"))),
        }
    }

    pub fn write_list<T: serde::Serialize>(&self, key: &str, what: &str, all: &[T]) -> Result<()> {
        let value = serde_json::to_value(all)
            .map_err(|err| AppError::internal(format!("{what} could not be encoded: {err}")))?;
        self.put(key, Some(value))
    }
}

/// Puts `item` in the place of one with the same name and keeps the list sorted by name, ignoring case.
pub fn replace_by_name<T>(all: &mut Vec<T>, item: T, name: impl Fn(&T) -> &str) {
    all.retain(|other| name(other) != name(&item));
    all.push(item);
    all.sort_by_key(|t| name(t).to_lowercase());
}

/// The OS keychain: one entry per id under the app's identifier, named `<prefix><id>`
/// (`account:` for accounts, `vault:` for the Vault connection).
pub struct KeychainSecrets {
    keychain: Keychain,
    prefix: &'static str,
}

impl KeychainSecrets {
    pub fn new(keychain: Keychain) -> Self {
        Self::with_prefix(keychain, "account:")
    }

    pub fn with_prefix(keychain: Keychain, prefix: &'static str) -> Self {
        Self { keychain, prefix }
    }

    fn entry(&self, id: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(self.keychain.service(), &format!("{}{id}", self.prefix))
            .map_err(map_keyring_error)
    }
}

impl SecretStore for KeychainSecrets {
    fn set(&self, account_id: &str, secret: &Secret) -> Result<()> {
        self.entry(account_id)?.set_password(secret.expose()).map_err(map_keyring_error)
    }

    fn get(&self, account_id: &str) -> Result<Option<Secret>> {
        match self.entry(account_id)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(map_keyring_error(err)),
        }
    }

    fn delete(&self, account_id: &str) -> Result<()> {
        match self.entry(account_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(map_keyring_error(err)),
        }
    }
}

/// Secrets in memory, with a switch that makes every call fail as a locked keychain would.
#[derive(Default)]
pub struct MemorySecrets {
    entries: Mutex<HashMap<String, Secret>>,
    failing: Mutex<Option<ErrorCode>>,
}

impl MemorySecrets {
    pub fn fail_with(&self, code: Option<ErrorCode>) {
        *self.failing.lock().unwrap() = code;
    }

    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.entries.lock().unwrap().keys().cloned().collect();
        ids.sort();
        ids
    }

    fn check(&self) -> Result<()> {
        match *self.failing.lock().unwrap() {
            Some(code) => Err(AppError::new(code, "The keychain is locked.")),
            None => Ok(()),
        }
    }
}

impl SecretStore for MemorySecrets {
    fn set(&self, account_id: &str, secret: &Secret) -> Result<()> {
        self.check()?;
        self.entries.lock().unwrap().insert(account_id.to_owned(), secret.clone());
        Ok(())
    }

    fn get(&self, account_id: &str) -> Result<Option<Secret>> {
        self.check()?;
        Ok(self.entries.lock().unwrap().get(account_id).cloned())
    }

    fn delete(&self, account_id: &str) -> Result<()> {
        self.check()?;
        self.entries.lock().unwrap().remove(account_id);
        Ok(())
    }
}

/// Settings kept in memory, for tests; `fail_writes` makes every `put` fail as a full disk would.
#[derive(Default)]
pub struct MemorySettings {
    values: Mutex<HashMap<String, serde_json::Value>>,
    failing: Mutex<bool>,
}

impl MemorySettings {
    pub fn fail_writes(&self, fail: bool) {
        *self.failing.lock().unwrap() = fail;
    }
}

impl JsonSettings for MemorySettings {
    fn get(&self, key: &str) -> Result<Option<serde_json::Value>> {
        Ok(self.values.lock().unwrap().get(key).cloned())
    }

    fn put(&self, key: &str, value: Option<serde_json::Value>) -> Result<()> {
        if *self.failing.lock().unwrap() {
            return Err(AppError::internal("The settings file could not be written."));
        }
        let mut values = self.values.lock().unwrap();
        match value {
            Some(value) => values.insert(key.to_owned(), value),
            None => values.remove(key),
        };
        Ok(())
    }
}
