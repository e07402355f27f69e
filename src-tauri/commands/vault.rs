//! The Vault connection.

use crate::state::AppState;
use tauri::State;
use vmdeck_engine::vault::{VaultConfig, VaultOverview, VaultStatus};
use vmdeck_engine::{AppError, Secret};

#[tauri::command]
pub async fn vault_overview(state: State<'_, AppState>) -> Result<VaultOverview, AppError> {
    state.vault.overview().await
}

/// Connects with the given settings and saves them only when that works.
#[tauri::command]
pub async fn vault_save(
    state: State<'_, AppState>,
    config: VaultConfig,
    secret: Option<Secret>,
) -> Result<VaultStatus, AppError> {
    state.vault.save(config, secret).await
}

#[tauri::command]
pub async fn vault_forget(state: State<'_, AppState>) -> Result<(), AppError> {
    state.vault.forget().await
}

/// Reads a path and returns the names of its fields, never their values.
#[tauri::command]
pub async fn vault_test_read(state: State<'_, AppState>, path: String) -> Result<Vec<String>, AppError> {
    state.vault.test_read(&path).await
}
