//! What the UI was last sent of each account's VMs. A listing every few seconds of thousands of VMs that did
//! not change was parsed anew in the webview each time (memory and CPU for nothing); an account whose VMs are
//! exactly those last sent goes out as `unchanged`, without its VMs, and the UI keeps the ones it has.
//! The list never carries the provider's raw records (`extra`, often kilobytes per VM): the detail pane and
//! the create progress ask for one VM's (`get_vm`).

use super::AccountListing;
use crate::model::Vm;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

#[derive(Default)]
pub struct SentListings {
    /// A fingerprint of the VMs last sent, per account.
    last: HashMap<String, u64>,
    /// The raw records held back from the list, by account and VM id, for the commands that read them (the
    /// SSH user a record names, a clone's settings) without asking the provider again. Kept as compact JSON
    /// text: a parsed record is a tree of maps several times its text's size, and 2,000 of them were most of
    /// the app's memory at scale (issue 17); a command parses the one it reads.
    records: HashMap<(String, String), Box<str>>,
}

impl SentListings {
    /// A new watcher (the Machines page mounted again) has nothing yet: the next listing goes out whole.
    pub fn forget(&mut self) {
        self.last.clear();
    }

    /// `listings` as they should be sent: each account whose VMs are those last sent is marked unchanged
    /// and sent without them. A failed account keeps what was last sent (the UI keeps showing those VMs).
    pub fn thin(&mut self, listings: Vec<AccountListing>) -> Vec<AccountListing> {
        let mut now = HashMap::new();
        let listings = listings
            .into_iter()
            .map(|mut listing| {
                if listing.error.is_none() {
                    self.records.retain(|(account, _), _| account != &listing.account_id);
                }
                for vm in &mut listing.vms {
                    let record = std::mem::take(&mut vm.extra);
                    if record.is_null() {
                        continue;
                    }
                    // A Value always serialises; the record is only left out if that ever changed.
                    if let Ok(text) = serde_json::to_string(&record) {
                        self.records.insert((listing.account_id.clone(), vm.id.clone()), text.into());
                    }
                }
                let fingerprint = match &listing.error {
                    None => fingerprint(&listing.vms),
                    Some(_) => match self.last.get(&listing.account_id) {
                        Some(kept) => *kept,
                        None => return listing,
                    },
                };
                if listing.error.is_none() && self.last.get(&listing.account_id) == Some(&fingerprint) {
                    listing.vms = Vec::new();
                    listing.unchanged = Some(true);
                }
                now.insert(listing.account_id.clone(), fingerprint);
                listing
            })
            .collect();
        // Accounts no longer listed (removed) are forgotten.
        self.records.retain(|(account, _), _| now.contains_key(account));
        self.last = now;
        listings
    }

    /// `vm` with the raw record the list held back, when the list sent it.
    pub fn with_record(&self, account_id: &str, mut vm: Vm) -> Vm {
        if vm.extra.is_null() {
            if let Some(record) = self.records.get(&(account_id.to_owned(), vm.id.clone())) {
                // Written by serde_json above, so it parses; a command without it asks the provider.
                vm.extra = serde_json::from_str(record).unwrap_or_default();
            }
        }
        vm
    }
}

fn fingerprint(vms: &[Vm]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    // Every field the UI shows is in the serialised form; a VM that cannot be serialised never matches.
    match serde_json::to_vec(vms) {
        Ok(bytes) => bytes.hash(&mut hasher),
        Err(_) => return never_matching(),
    }
    hasher.finish()
}

/// A fingerprint no earlier one equals (a counter): the listing is then always sent whole.
fn never_matching() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(u64::MAX);
    NEXT.fetch_sub(1, Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VmState;

    fn listed(account: &str, vms: Vec<Vm>) -> AccountListing {
        AccountListing::listed_for_tests(account, vms, 1)
    }

    fn failed(account: &str) -> AccountListing {
        AccountListing::offline_for_tests(account, 2)
    }

    fn vm(id: &str, state: VmState) -> Vm {
        Vm { state, ..Vm::for_tests(id, id) }
    }

    #[test]
    fn sends_an_account_whole_only_when_its_vms_changed() {
        let mut sent = SentListings::default();
        let first = sent.thin(vec![listed("a", vec![vm("1", VmState::Running)]), listed("b", vec![])]);
        assert!(first.iter().all(|l| l.unchanged.is_none()));
        assert_eq!(first[0].vms.len(), 1);

        let again = sent.thin(vec![
            listed("a", vec![vm("1", VmState::Running)]),
            listed("b", vec![vm("2", VmState::Stopped)]),
        ]);
        assert_eq!(again[0].unchanged, Some(true));
        assert!(again[0].vms.is_empty());
        assert_eq!(again[1].unchanged, None, "b changed");
        assert_eq!(again[1].vms.len(), 1);

        let stopped = sent.thin(vec![listed("a", vec![vm("1", VmState::Stopping)])]);
        assert_eq!(stopped[0].unchanged, None, "a state change goes out whole");
    }

    #[test]
    fn a_failure_in_between_and_a_new_watcher() {
        let mut sent = SentListings::default();
        sent.thin(vec![listed("a", vec![vm("1", VmState::Running)])]);
        let failing = sent.thin(vec![failed("a")]);
        assert!(failing[0].error.is_some() && failing[0].unchanged.is_none());
        // Back with the same VMs the UI kept through the failure.
        let back = sent.thin(vec![listed("a", vec![vm("1", VmState::Running)])]);
        assert_eq!(back[0].unchanged, Some(true));

        sent.forget();
        let whole = sent.thin(vec![listed("a", vec![vm("1", VmState::Running)])]);
        assert_eq!(whole[0].unchanged, None);
        assert_eq!(whole[0].vms.len(), 1);
    }

    #[test]
    fn sends_no_raw_records_and_a_raw_record_alone_is_no_change() {
        let mut sent = SentListings::default();
        let raw = |updated: &str| Vm {
            extra: serde_json::json!({ "updated_at": updated }),
            ..vm("1", VmState::Running)
        };
        let first = sent.thin(vec![listed("a", vec![raw("10:00")])]);
        assert_eq!(first[0].vms[0].extra, serde_json::Value::Null);
        let again = sent.thin(vec![listed("a", vec![raw("10:01")])]);
        assert_eq!(again[0].unchanged, Some(true));
        // Commands that read the record get the latest one back.
        let stripped = vm("1", VmState::Running);
        assert_eq!(
            sent.with_record("a", stripped.clone()).extra,
            serde_json::json!({ "updated_at": "10:01" })
        );
        assert_eq!(sent.with_record("b", stripped).extra, serde_json::Value::Null);
        sent.thin(vec![]);
        assert_eq!(
            sent.with_record("a", vm("1", VmState::Running)).extra,
            serde_json::Value::Null,
            "removed"
        );
    }

    #[test]
    fn a_removed_account_is_forgotten() {
        let mut sent = SentListings::default();
        sent.thin(vec![listed("a", vec![vm("1", VmState::Running)])]);
        sent.thin(vec![]);
        let readded = sent.thin(vec![listed("a", vec![vm("1", VmState::Running)])]);
        assert_eq!(readded[0].unchanged, None);
    }
}
