//! The last known VMs of every account, kept on disk so the Machines page shows the fleet at once on start
//! (and offline), marked with its age, before the live listing arrives.
//!
//! Only what the table needs is kept: the provider's raw record (`extra`) is dropped, since it is the one
//! part of a VM whose content VMDeck does not choose. Nothing here is a secret; the file is still private
//! (0600) and written atomically. A cache that cannot be read is ignored and rewritten: it holds nothing
//! the user saved.

use super::AccountListing;
use crate::error::Result;
use crate::fsutil;
use crate::model::Vm;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Kept {
    account_id: String,
    vms: Vec<Vm>,
    fetched_at_ms: u64,
}

pub struct FleetCache {
    path: PathBuf,
    // What the file holds since this process last read or wrote it, so a listing every few seconds does not
    // read the file again; the lock also keeps writers one at a time (listings can finish close together).
    written: Mutex<Option<Vec<Kept>>>,
}

impl FleetCache {
    pub fn new(path: PathBuf) -> Self {
        Self { path, written: Mutex::new(None) }
    }

    fn read(&self) -> Vec<Kept> {
        let Ok(bytes) = std::fs::read(&self.path) else { return Vec::new() };
        serde_json::from_slice(&bytes).unwrap_or_else(|err| {
            tracing::warn!("ignoring the fleet cache {}: {err}", self.path.display());
            Vec::new()
        })
    }

    /// What the file holds: the copy last read or written by this process, read once otherwise. The managed
    /// OpenSSH config and the audit log ask right after each listing was kept; they need not read it back.
    fn kept<'a>(&self, written: &'a mut Option<Vec<Kept>>) -> &'a [Kept] {
        written.get_or_insert_with(|| self.read())
    }

    /// The last successful listing of each of `accounts` (in that order), as listings without errors.
    pub fn load(&self, accounts: &[String]) -> Vec<AccountListing> {
        let mut written = self.written.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let kept = self.kept(&mut written);
        accounts
            .iter()
            .filter_map(|id| kept.iter().find(|k| &k.account_id == id))
            .map(|k| AccountListing {
                account_id: k.account_id.clone(),
                vms: k.vms.clone(),
                error: None,
                fetched_at_ms: k.fetched_at_ms,
                unchanged: None,
            })
            .collect()
    }

    /// The name a VM had in the last listing kept (for the audit log: a deleted VM keeps its name there).
    pub fn name_of(&self, account_id: &str, vm_id: &str) -> Option<String> {
        let mut written = self.written.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.kept(&mut written)
            .iter()
            .find(|k| k.account_id == account_id)?
            .vms
            .iter()
            .find(|vm| vm.id == vm_id)
            .map(|vm| vm.name.clone())
    }

    /// Keeps a fresh listing of the whole fleet: an account listed now replaces its entry, one that failed
    /// keeps its last good one, and an account that is not in `listings` (removed) is forgotten.
    pub fn remember(&self, listings: &[AccountListing]) -> Result<()> {
        let mut written = self.written.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let before = written.take().unwrap_or_else(|| self.read());
        let next: Vec<Kept> = listings
            .iter()
            .filter_map(|listing| {
                if listing.error.is_none() {
                    let vms = listing.vms.iter().map(Vm::without_record).collect();
                    Some(Kept {
                        account_id: listing.account_id.clone(),
                        vms,
                        fetched_at_ms: listing.fetched_at_ms,
                    })
                } else {
                    before.iter().find(|k| k.account_id == listing.account_id).cloned()
                }
            })
            .collect();
        if next == before {
            *written = Some(before);
            return Ok(());
        }
        let bytes = serde_json::to_vec(&next).map_err(|err| crate::AppError::internal(err.to_string()))?;
        fsutil::write_private(&self.path, &bytes)?;
        *written = Some(next);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(id: &str) -> Vm {
        let extra = serde_json::json!({ "login_details": "whatever the provider put here" });
        Vm { extra, ..Vm::for_tests(id, &format!("vm-{id}")) }
    }

    fn listed(account: &str, vms: Vec<Vm>, at: u64) -> AccountListing {
        AccountListing::listed_for_tests(account, vms, at)
    }

    fn failed(account: &str) -> AccountListing {
        AccountListing::offline_for_tests(account, 99)
    }

    #[test]
    fn the_last_good_listing_survives_a_failed_one_and_a_removed_account_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FleetCache::new(dir.path().join("fleet-cache.json"));
        cache.remember(&[listed("a", vec![vm("1")], 10), listed("b", vec![vm("2")], 11)]).unwrap();
        // Offline: a failed, b removed.
        cache.remember(&[failed("a")]).unwrap();
        let again = FleetCache::new(dir.path().join("fleet-cache.json"));
        let loaded = again.load(&["a".into(), "b".into()]);
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].account_id, "a");
        assert_eq!(loaded[0].fetched_at_ms, 10, "the age of the last good listing, not of the failure");
        assert_eq!(loaded[0].vms[0].name, "vm-1");
        assert!(loaded[0].error.is_none());
    }

    #[test]
    fn the_raw_record_is_not_kept_and_the_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet-cache.json");
        let cache = FleetCache::new(path.clone());
        cache.remember(&[listed("a", vec![vm("1")], 10)]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("login_details"), "{text}");
        assert_eq!(cache.load(&["a".into()])[0].vms[0].extra, serde_json::Value::Null);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_broken_cache_is_ignored_and_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet-cache.json");
        std::fs::write(&path, b"{ not json").unwrap();
        let cache = FleetCache::new(path.clone());
        assert!(cache.load(&["a".into()]).is_empty());
        cache.remember(&[listed("a", vec![vm("1")], 10)]).unwrap();
        assert_eq!(cache.load(&["a".into()]).len(), 1);
    }

    #[test]
    fn accounts_come_back_in_the_order_asked() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FleetCache::new(dir.path().join("c.json"));
        cache.remember(&[listed("a", vec![], 1), listed("b", vec![], 2)]).unwrap();
        let ids: Vec<_> = cache.load(&["b".into(), "a".into()]).into_iter().map(|l| l.account_id).collect();
        assert_eq!(ids, ["b", "a"]);
    }
}
