//! SSH host, port and user the user saved for one VM ("Remember for this VM" in the SSH dialog): for
//! backends that report no address (the Cloud VM API) or move the SSH port without saying where
//! (Hyperstack's port randomisation). Kept in the settings file under `ssh_targets`, by account and VM.

use crate::accounts::JsonSettings;
use crate::error::{AppError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SavedSshTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
}

impl SavedSshTarget {
    pub fn validate(&self) -> Result<()> {
        let host = self.host.trim();
        if host.is_empty() || host.len() > 253 || !host.chars().all(host_char) {
            return Err(AppError::invalid_input(
                "host",
                "Enter a host name or IP address (letters, digits, . - : only).",
            ));
        }
        if self.port == 0 {
            return Err(AppError::invalid_input("port", "The port is 1 to 65535."));
        }
        let user = self.user.trim();
        if user.is_empty() || user.len() > 64 || user.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AppError::invalid_input("user", "Enter a user name without spaces."));
        }
        Ok(())
    }
}

/// Characters of a DNS name or an IPv4/IPv6 address.
pub(crate) fn host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_')
}

const KEY: &str = "ssh_targets";

type ByAccount = BTreeMap<String, BTreeMap<String, SavedSshTarget>>;

pub struct SavedTargets {
    settings: Arc<dyn JsonSettings>,
    /// One read-modify-write at a time, so two saves never lose one another.
    changing: Mutex<()>,
}

impl SavedTargets {
    pub fn new(settings: Arc<dyn JsonSettings>) -> Self {
        Self { settings, changing: Mutex::new(()) }
    }

    fn all(&self) -> Result<ByAccount> {
        match self.settings.get(KEY)? {
            None => Ok(ByAccount::new()),
            Some(value) => serde_json::from_value(value)
                .map_err(|err| AppError::internal(format!("The saved SSH hosts could not be read: {err}"))),
        }
    }

    fn write(&self, all: &ByAccount) -> Result<()> {
        let value = serde_json::to_value(all).map_err(|err| AppError::internal(err.to_string()))?;
        self.settings.put(KEY, Some(value))
    }

    pub fn get(&self, account_id: &str, vm_id: &str) -> Result<Option<SavedSshTarget>> {
        Ok(self.all()?.get(account_id).and_then(|vms| vms.get(vm_id)).cloned())
    }

    /// Saves (Some) or forgets (None) the target of one VM.
    pub fn set(&self, account_id: &str, vm_id: &str, target: Option<SavedSshTarget>) -> Result<()> {
        let target = match target {
            Some(t) => {
                t.validate()?;
                Some(SavedSshTarget {
                    host: t.host.trim().to_owned(),
                    port: t.port,
                    user: t.user.trim().to_owned(),
                })
            }
            None => None,
        };
        let _guard = self.changing.lock().unwrap();
        let mut all = self.all()?;
        match target {
            Some(t) => {
                all.entry(account_id.to_owned()).or_default().insert(vm_id.to_owned(), t);
            }
            None => {
                if let Some(vms) = all.get_mut(account_id) {
                    vms.remove(vm_id);
                    if vms.is_empty() {
                        all.remove(account_id);
                    }
                }
            }
        }
        self.write(&all)
    }

    /// Everything saved for an account, when the account is removed.
    pub fn forget_account(&self, account_id: &str) -> Result<()> {
        let _guard = self.changing.lock().unwrap();
        let mut all = self.all()?;
        if all.remove(account_id).is_some() {
            self.write(&all)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::MemorySettings;

    fn target(host: &str, port: u16, user: &str) -> SavedSshTarget {
        SavedSshTarget { host: host.into(), port, user: user.into() }
    }

    #[test]
    fn targets_are_saved_per_vm_forgotten_and_checked() {
        let saved = SavedTargets::new(Arc::new(MemorySettings::default()));
        saved.set("a1", "vm-1", Some(target(" web-1.lab.example ", 2222, "debian"))).unwrap();
        saved.set("a1", "vm-2", Some(target("10.0.0.5", 22, "ubuntu"))).unwrap();
        saved.set("a2", "vm-1", Some(target("fd00::5", 22, "root"))).unwrap();
        assert_eq!(saved.get("a1", "vm-1").unwrap(), Some(target("web-1.lab.example", 2222, "debian")));
        saved.set("a1", "vm-1", None).unwrap();
        assert_eq!(saved.get("a1", "vm-1").unwrap(), None);
        assert!(saved.get("a1", "vm-2").unwrap().is_some());
        saved.forget_account("a1").unwrap();
        assert_eq!(saved.get("a1", "vm-2").unwrap(), None);
        assert!(saved.get("a2", "vm-1").unwrap().is_some(), "other accounts keep theirs");

        for bad in [
            target("", 22, "u"),
            target("evil host", 22, "u"),
            target("h/x", 22, "u"),
            target("h", 0, "u"),
            target("h", 22, "a b"),
        ] {
            let err = saved.set("a1", "vm-3", Some(bad.clone())).unwrap_err();
            assert_eq!(err.code, crate::ErrorCode::InvalidInput, "{bad:?}");
        }
    }
}
