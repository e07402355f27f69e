//! The Vault connection: the app's, or an account's own (`account_id`), which its VMs then use.

use crate::state::AppState;
use tauri::State;
use vmdeck_engine::vault::{oidc, VaultConfig, VaultOverview, VaultScope, VaultStatus};
use vmdeck_engine::{AppError, Secret};

#[tauri::command]
pub async fn vault_overview(
    state: State<'_, AppState>,
    account_id: Option<String>,
) -> Result<VaultOverview, AppError> {
    state.vault.overview_in(&VaultScope::of(account_id)).await
}

/// Connects with the given settings and saves them only when that works.
#[tauri::command]
pub async fn vault_save(
    state: State<'_, AppState>,
    account_id: Option<String>,
    config: VaultConfig,
    secret: Option<Secret>,
) -> Result<VaultStatus, AppError> {
    state.vault.save_in(&VaultScope::of(account_id), config, secret).await
}

#[tauri::command]
pub async fn vault_forget(state: State<'_, AppState>, account_id: Option<String>) -> Result<(), AppError> {
    state.vault.forget_in(&VaultScope::of(account_id)).await
}

/// Reads a path with the Vault the account's VMs use and returns the names of its fields, never their values.
#[tauri::command]
pub async fn vault_test_read(
    state: State<'_, AppState>,
    account_id: Option<String>,
    path: String,
) -> Result<Vec<String>, AppError> {
    let provider = super::provider_of(&state, account_id.as_deref()).await?;
    state.vault.test_read_for(account_id.as_deref(), provider.as_deref(), &path).await
}

/// Signs in with OIDC: the identity provider's page opens in the system browser, which reports back to
/// 127.0.0.1:8250; the token that yields is saved like a typed one (in the keychain).
#[tauri::command]
pub async fn vault_oidc_login(
    state: State<'_, AppState>,
    account_id: Option<String>,
    config: VaultConfig,
) -> Result<VaultStatus, AppError> {
    let login = oidc::start(&config, oidc::CALLBACK_PORT).await?;
    let url = login.auth_url.clone();
    super::blocking(move || vmdeck_engine::opener::open_in_browser(&url)).await?;
    let token = login.finish(oidc::SIGN_IN_TIMEOUT).await?;
    state.vault.save_in(&VaultScope::of(account_id), config, Some(token)).await
}
