//! `accounts.json`: the accounts and every other setting (Vault connection, templates, stored key names) as
//! one JSON object in the app data folder, the same shape tauri-plugin-store wrote, so existing files load.
//!
//! Nothing the user saved is lost silently: every write replaces the whole file atomically (temp file in the
//! same folder, fsync, rename, fsync the folder; `fsutil::write_private`), one writer at a time; a file that
//! does not parse is renamed to `accounts.json.broken-<unix time>` (never overwritten), the app starts empty
//! and says where the old file is.

use super::model::Account;
use super::store::{AccountStore, JsonSettings};
use crate::error::{AppError, Result};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const ACCOUNTS: &str = "accounts";

pub struct JsonFileStore {
    path: PathBuf,
    /// The file's content once read; every change goes through it under this lock, then to disk.
    cache: Mutex<Option<Map<String, Value>>>,
    set_aside: Mutex<Option<PathBuf>>,
}

impl JsonFileStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into(), cache: Mutex::new(None), set_aside: Mutex::new(None) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where an unreadable file was kept, if one was.
    pub fn set_aside(&self) -> Option<PathBuf> {
        self.set_aside.lock().unwrap().clone()
    }

    fn read_file(&self) -> Result<Map<String, Value>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
            Err(err) => {
                return Err(AppError::internal(format!("Could not read {}: {err}", self.path.display())))
            }
        };
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) | Err(_) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Map::new()),
            other => {
                let why = match other {
                    Err(err) => err.to_string(),
                    _ => "not a JSON object".to_owned(),
                };
                let secs = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs();
                let aside = PathBuf::from(format!("{}.broken-{secs}", self.path.display()));
                std::fs::rename(&self.path, &aside).map_err(|err| {
                    AppError::internal(format!(
                        "{} cannot be read ({why}) and could not be set aside: {err}. VMDeck leaves it as it is.",
                        self.path.display()
                    ))
                })?;
                tracing::error!(file = %self.path.display(), aside = %aside.display(), %why, "unreadable settings kept aside");
                *self.set_aside.lock().unwrap() = Some(aside);
                Ok(Map::new())
            }
        }
    }

    /// Runs `work` on the settings (read once), writing the file when it returns `Some` changes.
    fn with_map<T>(&self, work: impl FnOnce(&mut Map<String, Value>) -> Result<(T, bool)>) -> Result<T> {
        let mut cache = self.cache.lock().unwrap();
        if cache.is_none() {
            *cache = Some(self.read_file()?);
        }
        let map = cache.as_mut().expect("filled above");
        let before = map.clone();
        let (out, changed) = work(map)?;
        if changed {
            let text = serde_json::to_vec_pretty(&*map)
                .map_err(|err| AppError::internal(format!("The settings could not be encoded: {err}")))?;
            if let Some(dir) = self.path.parent() {
                crate::fsutil::create_private_dir(dir)?;
            }
            if let Err(err) = crate::fsutil::write_private(&self.path, &text) {
                *map = before; // what is on disk is still the truth
                return Err(AppError::new(
                    err.code,
                    format!("The settings could not be saved: {}", err.message),
                )
                .with_detail("path", self.path.display().to_string()));
            }
        }
        Ok(out)
    }
}

impl AccountStore for JsonFileStore {
    fn load(&self) -> Result<Vec<Account>> {
        self.with_map(|map| match map.get(ACCOUNTS) {
            None => Ok((Vec::new(), false)),
            Some(value) => serde_json::from_value(value.clone()).map(|accounts| (accounts, false)).map_err(|err| {
                AppError::internal(format!(
                    "The saved accounts could not be read ({err}); VMDeck changes nothing until this is fixed."
                ))
            }),
        })
    }

    fn save(&self, accounts: &[Account]) -> Result<()> {
        let value = serde_json::to_value(accounts)
            .map_err(|err| AppError::internal(format!("The accounts could not be encoded: {err}")))?;
        self.with_map(|map| {
            map.insert(ACCOUNTS.to_owned(), value);
            Ok(((), true))
        })
    }

    fn notices(&self) -> Vec<String> {
        self.set_aside()
            .map(|aside| {
                format!(
                    "VMDeck could not read its settings file and kept it as {} (nothing was deleted). Accounts saved in it are not listed; their secrets are still in the keychain.",
                    aside.display()
                )
            })
            .into_iter()
            .collect()
    }
}

impl JsonSettings for JsonFileStore {
    fn get(&self, key: &str) -> Result<Option<Value>> {
        self.with_map(|map| Ok((map.get(key).cloned(), false)))
    }

    fn put(&self, key: &str, value: Option<Value>) -> Result<()> {
        self.with_map(|map| {
            match value {
                Some(value) => map.insert(key.to_owned(), value),
                None => map.remove(key),
            };
            Ok(((), true))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_file_is_kept_aside_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts.json");
        std::fs::write(&path, b"{\"accounts\": [ {\"id\": \"acct-1\", trunc").unwrap();
        let store = JsonFileStore::new(&path);
        assert!(store.load().unwrap().is_empty());
        let aside = store.set_aside().expect("kept aside");
        assert_eq!(std::fs::read(&aside).unwrap(), b"{\"accounts\": [ {\"id\": \"acct-1\", trunc");
        assert!(store.notices()[0].contains("broken-"));
        store.put("vault", Some(serde_json::json!({"address": "https://vault"}))).unwrap();
        assert_eq!(
            std::fs::read(&aside).unwrap(),
            b"{\"accounts\": [ {\"id\": \"acct-1\", trunc",
            "untouched"
        );
    }

    #[test]
    fn settings_and_accounts_share_the_file_in_the_plugin_stores_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts.json");
        std::fs::write(&path, br#"{"accounts": [], "templates": [{"name": "t"}]}"#).unwrap();
        let store = JsonFileStore::new(&path);
        assert_eq!(store.get("templates").unwrap().unwrap()[0]["name"], "t");
        store.save(&[]).unwrap();
        store.put("vault", Some(serde_json::json!(1))).unwrap();
        let on_disk: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(on_disk["templates"][0]["name"], "t");
        assert_eq!(on_disk["vault"], 1);
        assert!(store.notices().is_empty());
    }

    #[test]
    fn accounts_of_an_unknown_shape_refuse_every_change_instead_of_dropping_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts.json");
        let original = br#"{"accounts": [{"id": "x", "kind": "from-a-newer-version"}]}"#;
        std::fs::write(&path, original).unwrap();
        let store = JsonFileStore::new(&path);
        assert!(store.load().is_err());
        assert_eq!(std::fs::read(&path).unwrap(), original);
    }
}
