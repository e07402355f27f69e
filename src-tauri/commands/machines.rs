//! VMs across accounts.

use super::{on_accounts, provider};
use crate::state::AppState;
use std::sync::Arc;
use tauri::{Emitter, Manager, State};
use vmdeck_engine::audit::AuditEntry;
use vmdeck_engine::fleet::{self, AccountListing};
use vmdeck_engine::model::{Capabilities, Catalog, PowerAction, Vm};
use vmdeck_engine::providers::Provider;
use vmdeck_engine::AppError;

/// The Machines view opens (`true`) or closes (`false`): while one is open, the fleet watch lists and
/// sends each listing as a `fleet-listing` event (a failure as `fleet-error`).
#[tauri::command]
pub fn machines_watch(state: State<'_, AppState>, on: bool) {
    if on {
        // A page that starts watching has no VMs yet: the next listing goes to it whole.
        state.fleet_sent.lock().unwrap_or_else(|p| p.into_inner()).forget();
    }
    state.fleet_watch.set_watching(on);
}

/// `vm` as the UI has it, with the provider's raw record the list held back (see `SentListings`).
pub fn with_raw_record(state: &AppState, account_id: &str, vm: Vm) -> Vm {
    state.fleet_sent.lock().unwrap_or_else(|p| p.into_inner()).with_record(account_id, vm)
}

/// Runs the fleet watch's loop on Tauri's runtime and turns each listing into an event for the main window
/// only (never a provider's console window).
pub fn spawn_fleet_watch(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        let watch = app.state::<AppState>().fleet_watch.clone();
        let list = || {
            let app = app.clone();
            async move { list_fleet(&app.state::<AppState>()).await }
        };
        let publish = |listing: Result<Vec<AccountListing>, AppError>| {
            let sent = match listing {
                Ok(listings) => {
                    super::notifications::observe(&app, |notices, now| {
                        notices.observe_listing(&listings, now)
                    });
                    let state = app.state::<AppState>();
                    let thinned = state.fleet_sent.lock().unwrap_or_else(|p| p.into_inner()).thin(listings);
                    app.emit_to("main", "fleet-listing", thinned)
                }
                Err(error) => app.emit_to("main", "fleet-error", error),
            };
            if let Err(err) = sent {
                tracing::warn!("could not send the fleet listing to the UI: {err}");
            }
            vmdeck_engine::process::release_free_memory();
        };
        watch.run(list, publish).await;
    });
}

/// Every VM of every account; an account that cannot be listed carries its error instead.
async fn list_fleet(state: &AppState) -> Result<Vec<AccountListing>, AppError> {
    // Every account's client in one trip to the blocking pool (each reads its secret from the keychain).
    let (ready, failed) = on_accounts(state, |accounts| {
        let mut ready: Vec<(String, Arc<dyn Provider>)> = Vec::new();
        let mut failed = Vec::new();
        for view in accounts.list()? {
            match accounts.provider(&view.account.id) {
                Ok(provider) => ready.push((view.account.id, provider)),
                Err(error) => failed.push(AccountListing {
                    account_id: view.account.id,
                    vms: Vec::new(),
                    error: Some(error),
                    fetched_at_ms: 0,
                    unchanged: None,
                }),
            }
        }
        Ok((ready, failed))
    })
    .await?;
    let mut listings = fleet::list_all_priced(&ready, &state.catalogs).await;
    listings.extend(failed);
    // Kept for the next start (and for offline); a cache that cannot be written costs only that.
    // The cache keeps no raw records: they are not cloned for it.
    let (cache, kept) =
        (state.fleet_cache.clone(), listings.iter().map(AccountListing::without_records).collect::<Vec<_>>());
    let ssh_config = super::ssh_config::ManagedKeeper::of(state);
    tokio::task::spawn_blocking(move || {
        if let Err(err) = cache.remember(&kept) {
            tracing::warn!(code = ?err.code, "could not keep the fleet listing: {}", err.message);
        }
        // The managed OpenSSH config follows the fleet (when the user turned it on).
        if let Err(err) = ssh_config.keep() {
            tracing::warn!(code = ?err.code, "could not update the managed OpenSSH config: {}", err.message);
        }
    });
    Ok(listings)
}

/// The last known VMs of every account (no raw records), to show at once while the live listing runs.
#[tauri::command]
pub async fn machines_cached(state: State<'_, AppState>) -> Result<Vec<AccountListing>, AppError> {
    let cache = state.fleet_cache.clone();
    on_accounts(&state, move |accounts| {
        // Only the settings file: no keychain on the start path.
        Ok(cache.load(&accounts.saved_ids()?))
    })
    .await
}

#[tauri::command]
pub async fn machine_power(
    state: State<'_, AppState>,
    account_id: String,
    vm_id: String,
    action: PowerAction,
) -> Result<(), AppError> {
    let name =
        serde_json::to_value(action).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    super::notifications::acted_on(&state, &account_id, &vm_id);
    let done = async { provider(&state, account_id.clone()).await?.power(&vm_id, action).await }.await;
    super::audited(&state, AuditEntry::new(&name).account(&account_id).vm(&vm_id), done)?;
    state.fleet_watch.nudge();
    Ok(())
}

/// Attaches (`attached: true`) or detaches a VM's public IP, where the backend can.
#[tauri::command]
pub async fn machine_public_ip(
    state: State<'_, AppState>,
    account_id: String,
    vm_id: String,
    attached: bool,
) -> Result<(), AppError> {
    let done =
        async { provider(&state, account_id.clone()).await?.set_public_ip(&vm_id, attached).await }.await;
    let action = if attached { "public_ip_attach" } else { "public_ip_detach" };
    super::audited(&state, AuditEntry::new(action).account(&account_id).vm(&vm_id), done)?;
    state.fleet_watch.nudge();
    Ok(())
}

#[tauri::command]
pub async fn machine_delete(
    state: State<'_, AppState>,
    account_id: String,
    vm_id: String,
) -> Result<(), AppError> {
    super::notifications::acted_on(&state, &account_id, &vm_id);
    let done = async { provider(&state, account_id.clone()).await?.delete(&vm_id).await }.await;
    super::audited(&state, AuditEntry::new("delete").account(&account_id).vm(&vm_id), done)?;
    state.fleet_watch.nudge();
    Ok(())
}

#[tauri::command]
pub async fn account_catalog(
    state: State<'_, AppState>,
    account_id: String,
    refresh: bool,
) -> Result<Catalog, AppError> {
    let provider = provider(&state, account_id.clone()).await?;
    state.catalogs.get(&account_id, provider.as_ref(), refresh).await
}

#[tauri::command]
pub async fn account_capabilities(
    state: State<'_, AppState>,
    account_id: String,
) -> Result<Capabilities, AppError> {
    Ok(provider(&state, account_id).await?.capabilities())
}
