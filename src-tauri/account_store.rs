//! The engine's `AccountStore` and `JsonSettings` on top of tauri-plugin-store: the accounts list and
//! the other settings under their keys of `accounts.json` in the app data folder. Secrets never pass
//! through here (an `Account` and a `VaultConfig` have none).

use std::sync::Arc;
use tauri::{Runtime, Wry};
use tauri_plugin_store::Store;
use vmdeck_engine::accounts::{Account, AccountStore, JsonSettings};
use vmdeck_engine::error::Result;
use vmdeck_engine::AppError;

pub const FILE: &str = "accounts.json";
const KEY: &str = "accounts";

pub struct PluginAccountStore<R: Runtime = Wry> {
    store: Arc<Store<R>>,
}

impl<R: Runtime> PluginAccountStore<R> {
    pub fn new(store: Arc<Store<R>>) -> Self {
        Self { store }
    }
}

impl<R: Runtime> AccountStore for PluginAccountStore<R> {
    fn load(&self) -> Result<Vec<Account>> {
        match self.store.get(KEY) {
            None => Ok(Vec::new()),
            Some(value) => serde_json::from_value(value)
                .map_err(|err| AppError::internal(format!("The saved accounts could not be read: {err}"))),
        }
    }

    fn save(&self, accounts: &[Account]) -> Result<()> {
        let value = serde_json::to_value(accounts)
            .map_err(|err| AppError::internal(format!("The accounts could not be encoded: {err}")))?;
        self.store.set(KEY, value);
        self.store.save().map_err(|err| AppError::internal(format!("The accounts could not be saved: {err}")))
    }
}

impl<R: Runtime> JsonSettings for PluginAccountStore<R> {
    fn get(&self, key: &str) -> Result<Option<serde_json::Value>> {
        Ok(self.store.get(key))
    }

    fn put(&self, key: &str, value: Option<serde_json::Value>) -> Result<()> {
        match value {
            Some(value) => self.store.set(key, value),
            None => {
                self.store.delete(key);
            }
        }
        self.store.save().map_err(|err| AppError::internal(format!("The settings could not be saved: {err}")))
    }
}
