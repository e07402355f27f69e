//! OpenSSH config for VMs (issue 18): a VM's `Host` entry to copy, and the opt-in managed file
//! (`~/.ssh/config.d/vmdeck`) kept current with the fleet. See `vmdeck_engine::ssh::openssh_config`.

use super::{blocking, on_accounts};
use crate::state::AppState;
use tauri::State;
use vmdeck_engine::accounts::AccountService;
use vmdeck_engine::fleet::{AccountListing, FleetCache};
use vmdeck_engine::model::Vm;
use vmdeck_engine::ssh::openssh_config::{self, HostEntry, ManagedConfigFile, ManagedSshConfig};
use vmdeck_engine::targets::saved::SavedTargets;
use vmdeck_engine::{AppError, ErrorCode};

/// The `Host` block of one VM, as the in-app SSH dialog would connect (the saved host, port and user first).
#[tauri::command]
pub async fn ssh_config_entry(
    state: State<'_, AppState>,
    account_id: String,
    vm: Vm,
) -> Result<String, AppError> {
    let vm = super::machines::with_raw_record(&state, &account_id, vm);
    let saved = state.ssh_targets.clone();
    let known_hosts = state.dirs.data_dir.join("known_hosts");
    on_accounts(&state, move |accounts| {
        let account = accounts.get(&account_id)?;
        let target = vmdeck_engine::targets::for_account(&account, &vm, saved.get(&account_id, &vm.id)?);
        if target.host.is_empty() {
            return Err(AppError::new(
                ErrorCode::NotFound,
                target.host_note.unwrap_or_else(|| "This VM has no address yet.".into()),
            ));
        }
        let entry = HostEntry {
            alias: openssh_config::alias_of(&vm.name),
            host: target.host,
            port: target.port,
            user: target.user,
        };
        openssh_config::render_entry(&entry, &known_hosts)
    })
    .await
}

#[tauri::command]
pub async fn ssh_config_managed(state: State<'_, AppState>) -> Result<ManagedSshConfig, AppError> {
    let file = state.ssh_config.clone();
    blocking(move || file.status()).await
}

/// Turns the managed file on (written at once from the last known fleet) or off (removed).
#[tauri::command]
pub async fn ssh_config_managed_set(
    state: State<'_, AppState>,
    enabled: bool,
) -> Result<ManagedSshConfig, AppError> {
    let file = state.ssh_config.clone();
    let keeper = ManagedKeeper::of(&state);
    blocking(move || {
        file.set_enabled(enabled)?;
        if enabled {
            keeper.keep()?;
        }
        file.status()
    })
    .await
}

/// What keeping the managed file current needs, to run on a blocking thread after each listing.
pub struct ManagedKeeper {
    file: std::sync::Arc<ManagedConfigFile>,
    accounts: std::sync::Arc<AccountService>,
    cache: std::sync::Arc<FleetCache>,
    saved: std::sync::Arc<SavedTargets>,
    known_hosts: std::path::PathBuf,
}

impl ManagedKeeper {
    pub fn of(state: &AppState) -> Self {
        Self {
            file: state.ssh_config.clone(),
            accounts: state.accounts.clone(),
            cache: state.fleet_cache.clone(),
            saved: state.ssh_targets.clone(),
            known_hosts: state.dirs.data_dir.join("known_hosts"),
        }
    }

    /// Rewrites the file from the last known VMs of every account (an account that failed this time keeps
    /// its last good VMs), when it is on and something changed.
    pub fn keep(&self) -> Result<(), AppError> {
        if !self.file.enabled()? {
            return Ok(());
        }
        let listings: Vec<AccountListing> = self.cache.load(&self.accounts.saved_ids()?);
        let mut listed = Vec::new();
        for listing in listings {
            // An account removed since the listing is skipped.
            if let Ok(account) = self.accounts.get(&listing.account_id) {
                listed.push((account, listing.vms));
            }
        }
        let saved = |account: &str, vm: &str| self.saved.get(account, vm).ok().flatten();
        let entries = openssh_config::entries_for(&listed, &saved);
        self.file.keep(&entries, &self.known_hosts)?;
        Ok(())
    }
}
