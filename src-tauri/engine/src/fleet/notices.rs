//! What is worth a desktop notification (issue 18): a create that finished or failed, and a VM that changed
//! state by itself (stopped from inside, started or deleted elsewhere, went into an error). The shell decides
//! whether and how to show each one; this module only tells them apart from what the user asked for.

use super::AccountListing;
use crate::accounts::JsonSettings;
use crate::error::{AppError, Result};
use crate::model::{Vm, VmState};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use ts_rs::TS;

/// How long after the user acts on a VM its changes count as theirs. Long enough for a slow provider to
/// stop or delete; a change after that is the VM's own.
const USER_ACTION_WINDOW: Duration = Duration::from_secs(15 * 60);
/// A create still not running after this is no longer followed (the VM's row says what became of it).
const CREATE_FOLLOWED_FOR: Duration = Duration::from_secs(2 * 60 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A VM created in VMDeck is running.
    Created,
    /// A create failed, at once or later (the VM went into an error state).
    CreateFailed,
    /// A VM went from one settled state to another without the user asking in VMDeck.
    ChangedByItself,
    /// A VM is no longer listed and the user did not delete it in VMDeck.
    Gone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Notice {
    pub kind: NoticeKind,
    pub account_id: String,
    /// None for a create that failed before the provider named a VM.
    pub vm_id: Option<String>,
    pub vm_name: String,
    pub from: Option<VmState>,
    pub to: Option<VmState>,
    /// Why a create failed, as the error said it (error messages carry no secrets).
    pub reason: Option<String>,
}

impl Notice {
    /// The notification's title and body; `account` is the account's name.
    pub fn text(&self, account: &str) -> (String, String) {
        let name = &self.vm_name;
        match self.kind {
            NoticeKind::Created => {
                (format!("{name} is ready"), format!("Created in {account}; it is running."))
            }
            NoticeKind::CreateFailed => (
                format!("Creating {name} failed"),
                match &self.reason {
                    Some(reason) => format!("{account}: {reason}"),
                    None => format!("{account}: the VM went into an error state."),
                },
            ),
            NoticeKind::ChangedByItself => {
                let to = self.to.map(label).unwrap_or("changed");
                let from = self.from.map(label).unwrap_or("another state");
                (
                    format!("{name} {}", headline(self.to)),
                    format!("{account}: {from} → {to}, not from VMDeck."),
                )
            }
            NoticeKind::Gone => (
                format!("{name} is gone"),
                format!("{account} no longer lists it, and it was not deleted from VMDeck."),
            ),
        }
    }
}

fn label(state: VmState) -> &'static str {
    match state {
        VmState::Creating => "creating",
        VmState::Running => "running",
        VmState::Stopping => "stopping",
        VmState::Stopped => "stopped",
        VmState::Starting => "starting",
        VmState::Rebooting => "rebooting",
        VmState::Hibernating => "hibernating",
        VmState::Hibernated => "hibernated",
        VmState::Restoring => "restoring",
        VmState::Deleting => "deleting",
        VmState::Error => "error",
        VmState::Unknown => "unknown",
    }
}

fn headline(to: Option<VmState>) -> &'static str {
    match to {
        Some(VmState::Running) => "is running",
        Some(VmState::Stopped) => "stopped",
        Some(VmState::Hibernated) => "hibernated",
        Some(VmState::Error) => "is in an error state",
        _ => "changed state",
    }
}

/// A state worth comparing: transitional and unknown states are on the way to one.
fn settled(state: VmState) -> bool {
    !state.is_transitional() && state != VmState::Unknown
}

type VmKey = (String, String);

fn key(account_id: &str, vm_id: &str) -> VmKey {
    (account_id.to_owned(), vm_id.to_owned())
}

/// Follows VM states across listings. The first listing of an account is its baseline: nothing that
/// happened while VMDeck was closed is announced.
#[derive(Default)]
pub struct StateNotices {
    /// Each VM's last settled state and name, per account listed at least once.
    known: HashMap<String, HashMap<String, (VmState, String)>>,
    /// VMs the user acted on, until when their changes count as the user's.
    acted_on: HashMap<VmKey, Instant>,
    /// VMs created in VMDeck and not yet running: name and since when.
    creating: HashMap<VmKey, (String, Instant)>,
}

impl StateNotices {
    /// The user started, stopped, rebooted or deleted a VM in VMDeck: its next change is expected.
    pub fn acted_on(&mut self, account_id: &str, vm_id: &str, now: Instant) {
        self.acted_on.insert(key(account_id, vm_id), now + USER_ACTION_WINDOW);
    }

    /// A create was accepted: these VMs are followed until they run or fail. A VM that already runs is
    /// announced at once.
    pub fn created(&mut self, account_id: &str, vms: &[Vm], now: Instant) -> Vec<Notice> {
        for vm in vms {
            self.creating.insert(key(account_id, &vm.id), (vm.name.clone(), now));
        }
        vms.iter().filter_map(|vm| self.observe_vm(account_id, vm, now)).collect()
    }

    /// A create was refused or failed before any VM existed.
    pub fn create_failed(account_id: &str, name: &str, error: &AppError) -> Notice {
        Notice {
            kind: NoticeKind::CreateFailed,
            account_id: account_id.to_owned(),
            vm_id: None,
            vm_name: name.to_owned(),
            from: None,
            to: None,
            reason: Some(error.message.clone()),
        }
    }

    /// A listing of the whole fleet. Accounts that failed to list are skipped (an outage is not a deletion);
    /// accounts no longer listed are forgotten (the user removed them).
    pub fn observe_listing(&mut self, listings: &[AccountListing], now: Instant) -> Vec<Notice> {
        self.forget_stale(now);
        self.known.retain(|account, _| listings.iter().any(|l| &l.account_id == account));
        let mut notices = Vec::new();
        for listing in listings.iter().filter(|l| l.error.is_none() && l.unchanged.is_none()) {
            let account = listing.account_id.as_str();
            let Some(known) = self.known.get(account) else {
                // The baseline, and VMs still being created are followed from here.
                notices.extend(listing.vms.iter().filter_map(|vm| self.observe_creating(account, vm)));
                self.known.insert(account.to_owned(), settled_states(&listing.vms));
                continue;
            };
            // A set: an account's listing may hold thousands of VMs, and this runs on every listing.
            let listed: HashSet<&str> = listing.vms.iter().map(|vm| vm.id.as_str()).collect();
            let gone: Vec<(String, String)> = known
                .iter()
                .filter(|(id, _)| !listed.contains(id.as_str()))
                .map(|(id, (_, name))| (id.clone(), name.clone()))
                .collect();
            for (vm_id, vm_name) in gone {
                self.known.get_mut(account).map(|k| k.remove(&vm_id));
                if self.by_user(account, &vm_id, now) || self.creating.remove(&key(account, &vm_id)).is_some()
                {
                    continue;
                }
                notices.push(Notice {
                    kind: NoticeKind::Gone,
                    account_id: account.to_owned(),
                    vm_id: Some(vm_id),
                    vm_name,
                    from: None,
                    to: None,
                    reason: None,
                });
            }
            notices.extend(listing.vms.iter().filter_map(|vm| self.observe_vm(account, vm, now)));
        }
        notices
    }

    /// One VM as its provider just reported it (the wizard follows new VMs one by one; listings call it for
    /// each of theirs).
    pub fn observe_vm(&mut self, account_id: &str, vm: &Vm, now: Instant) -> Option<Notice> {
        if let Some(notice) = self.observe_creating(account_id, vm) {
            self.remember(account_id, vm);
            return Some(notice);
        }
        if self.creating.contains_key(&key(account_id, &vm.id)) || !settled(vm.state) {
            return None;
        }
        let before = self.known.get(account_id).and_then(|k| k.get(&vm.id)).map(|(state, _)| *state);
        self.remember(account_id, vm);
        let from = before?;
        if from == vm.state || self.by_user(account_id, &vm.id, now) {
            return None;
        }
        Some(Notice {
            kind: NoticeKind::ChangedByItself,
            account_id: account_id.to_owned(),
            vm_id: Some(vm.id.clone()),
            vm_name: vm.name.clone(),
            from: Some(from),
            to: Some(vm.state),
            reason: None,
        })
    }

    /// A VM being created that now runs or failed.
    fn observe_creating(&mut self, account_id: &str, vm: &Vm) -> Option<Notice> {
        let vm_key = key(account_id, &vm.id);
        let kind = match vm.state {
            _ if !self.creating.contains_key(&vm_key) => return None,
            VmState::Running => NoticeKind::Created,
            VmState::Error => NoticeKind::CreateFailed,
            _ => return None,
        };
        let (name, _) = self.creating.remove(&vm_key)?;
        Some(Notice {
            kind,
            account_id: account_id.to_owned(),
            vm_id: Some(vm.id.clone()),
            vm_name: if vm.name.is_empty() { name } else { vm.name.clone() },
            from: None,
            to: Some(vm.state),
            reason: None,
        })
    }

    /// Records a settled state (only for accounts with a baseline: one that was never listed gets its
    /// baseline from its first listing).
    fn remember(&mut self, account_id: &str, vm: &Vm) {
        if let Some(known) = self.known.get_mut(account_id) {
            if settled(vm.state) {
                known.insert(vm.id.clone(), (vm.state, vm.name.clone()));
            }
        }
    }

    /// Whether a change now is the user's doing; the first change after an action uses it up.
    fn by_user(&mut self, account_id: &str, vm_id: &str, now: Instant) -> bool {
        self.acted_on.remove(&key(account_id, vm_id)).is_some_and(|until| now < until)
    }

    fn forget_stale(&mut self, now: Instant) {
        self.acted_on.retain(|_, until| now < *until);
        self.creating.retain(|_, (_, since)| now.duration_since(*since) < CREATE_FOLLOWED_FOR);
    }
}

fn settled_states(vms: &[Vm]) -> HashMap<String, (VmState, String)> {
    vms.iter().filter(|vm| settled(vm.state)).map(|vm| (vm.id.clone(), (vm.state, vm.name.clone()))).collect()
}

/// Which notifications the user wants (Settings → Notifications); both on until turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NotificationSettings {
    /// A create finished or failed while VMDeck's window was in the background.
    pub creates: bool,
    /// A VM changed state or disappeared without the user asking in VMDeck.
    pub changes: bool,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self { creates: true, changes: true }
    }
}

impl NotificationSettings {
    /// Whether to show `kind` now. A create is announced only while the window is in the background (in
    /// front, the wizard already shows it); a change by itself always, as it may be on any page.
    pub fn shows(&self, kind: NoticeKind, window_focused: bool) -> bool {
        match kind {
            NoticeKind::Created | NoticeKind::CreateFailed => self.creates && !window_focused,
            NoticeKind::ChangedByItself | NoticeKind::Gone => self.changes,
        }
    }
}

const SETTINGS_KEY: &str = "notifications";

/// The notification settings in the settings file (under `notifications`).
pub struct NotificationPrefs {
    settings: Arc<dyn JsonSettings>,
}

impl NotificationPrefs {
    pub fn new(settings: Arc<dyn JsonSettings>) -> Self {
        Self { settings }
    }

    pub fn get(&self) -> Result<NotificationSettings> {
        match self.settings.get(SETTINGS_KEY)? {
            None => Ok(NotificationSettings::default()),
            Some(value) => serde_json::from_value(value).map_err(|err| {
                AppError::internal(format!("The notification settings could not be read: {err}"))
            }),
        }
    }

    pub fn set(&self, wanted: NotificationSettings) -> Result<()> {
        let value = serde_json::to_value(wanted).map_err(|err| AppError::internal(err.to_string()))?;
        self.settings.put(SETTINGS_KEY, Some(value))
    }
}

#[cfg(test)]
mod tests;
