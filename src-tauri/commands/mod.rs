//! Thin command adapters, one file per domain. Each one unpacks state, calls the engine and returns
//! `Result<T, AppError>`, which reaches the UI as `{code, message, details}`.

pub mod accounts;
pub mod app;
pub mod console;
pub mod create;
pub mod local;
pub mod machines;
pub mod ssh;
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
