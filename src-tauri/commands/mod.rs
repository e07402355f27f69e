//! Thin command adapters, one file per domain. Each one unpacks state, calls the engine and returns
//! `Result<T, AppError>`, which reaches the UI as `{code, message, details}`.

pub mod accounts;
pub mod activity;
pub mod app;
pub mod console;
pub mod create;
pub mod files;
pub mod local;
pub mod machines;
pub mod notifications;
pub mod ssh;
pub mod ssh_config;
pub mod updates;
pub mod vault;

use crate::state::AppState;
use std::sync::Arc;
use vmdeck_engine::accounts::AccountService;
use vmdeck_engine::providers::Provider;
use vmdeck_engine::AppError;

/// Runs blocking engine work (keychain, store files) off the async runtime.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| AppError::internal(format!("A background task failed: {err}")))?
}

/// Records `entry` in the audit log with how `result` ended, and hands the result back. A log that cannot be
/// written is logged: the action itself has happened.
pub fn audited<T>(
    state: &AppState,
    entry: vmdeck_engine::audit::AuditEntry,
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    let name = match (&entry.account_id, &entry.vm_id) {
        (Some(account), Some(vm)) => state.fleet_cache.name_of(account, vm),
        _ => None,
    };
    if let Err(err) = state.audit.record(&entry.vm_name(name).outcome(&result)) {
        tracing::warn!(code = ?err.code, "could not write the audit log: {}", err.message);
    }
    result
}

/// Runs work on the account service (store and keychain: blocking) off the async runtime.
pub async fn on_accounts<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&AccountService) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let accounts = state.accounts.clone();
    blocking(move || work(&accounts)).await
}

/// The provider client of a saved account (its secret comes from the keychain).
pub async fn provider(state: &AppState, account_id: String) -> Result<Arc<dyn Provider>, AppError> {
    on_accounts(state, move |accounts| accounts.provider(&account_id)).await
}

/// The Vault an account's VMs read their logins from: its own, its provider's issued one, or the app's.
pub async fn vault_for(
    state: &AppState,
    account_id: Option<String>,
) -> Result<Arc<vmdeck_engine::vault::Vault>, AppError> {
    let provider = provider_of(state, account_id.as_deref()).await?;
    state.vault.connection_for_account(account_id.as_deref(), provider.as_deref()).await
}

/// The provider of an account, when one is named.
pub async fn provider_of(
    state: &AppState,
    account_id: Option<&str>,
) -> Result<Option<Arc<dyn Provider>>, AppError> {
    match account_id {
        Some(id) => Ok(Some(provider(state, id.to_owned()).await?)),
        None => Ok(None),
    }
}

/// A VM as its detail call and its listing (what the Machines page shows) report it together: some
/// backends give addresses in one and not the other.
pub async fn vm_as_seen(provider: &dyn Provider, vm_id: &str) -> Result<vmdeck_engine::model::Vm, AppError> {
    let mut vm = provider.get_vm(vm_id).await?;
    if let Ok(listed) = provider.list_vms().await {
        if let Some(same) = listed.into_iter().find(|v| v.id == vm_id) {
            vm.addresses.extend(same.addresses);
        }
    }
    Ok(vm)
}
