//! Saved cloud accounts.

use super::on_accounts;
use crate::state::AppState;
use tauri::State;
use vmdeck_engine::accounts::{self, Account, AccountDraft, AccountView, ConnectionReport, ProjectChoice};
use vmdeck_engine::audit::AuditEntry;
use vmdeck_engine::{AppError, Secret};

#[tauri::command]
pub async fn accounts_list(state: State<'_, AppState>) -> Result<Vec<AccountView>, AppError> {
    on_accounts(&state, move |accounts| accounts.list()).await
}

#[tauri::command]
pub async fn account_add(
    state: State<'_, AppState>,
    draft: AccountDraft,
    secret: Secret,
) -> Result<Account, AppError> {
    let added = on_accounts(&state, move |accounts| accounts.add(draft, secret)).await;
    let mut entry = AuditEntry::new("account_add");
    if let Ok(account) = &added {
        entry = entry.account(&account.id);
    }
    super::audited(&state, entry, added)
}

#[tauri::command]
pub async fn account_update(
    state: State<'_, AppState>,
    id: String,
    draft: AccountDraft,
    secret: Option<Secret>,
) -> Result<Account, AppError> {
    state.catalogs.forget(&id).await;
    let entry = AuditEntry::new("account_update").account(&id);
    let updated = on_accounts(&state, move |accounts| accounts.update(&id, draft, secret)).await;
    super::audited(&state, entry, updated)
}

#[tauri::command]
pub async fn account_rename(
    state: State<'_, AppState>,
    id: String,
    label: String,
) -> Result<Account, AppError> {
    on_accounts(&state, move |accounts| accounts.rename(&id, &label)).await
}

#[tauri::command]
pub async fn account_remove(state: State<'_, AppState>, id: String) -> Result<(), AppError> {
    state.catalogs.forget(&id).await;
    let removed = id.clone();
    let done = on_accounts(&state, move |accounts| accounts.remove(&removed)).await;
    super::audited(&state, AuditEntry::new("account_remove").account(&id), done)?;
    let (saved_targets, of) = (state.ssh_targets.clone(), id.clone());
    super::blocking(move || saved_targets.forget_account(&of)).await?;
    // The account's own Vault settings and secret go with it (nothing is left in the keychain).
    state.vault.forget_in(&vmdeck_engine::vault::VaultScope::Account(id)).await
}

#[tauri::command]
pub async fn account_duplicate(state: State<'_, AppState>, id: String) -> Result<Account, AppError> {
    on_accounts(&state, move |accounts| accounts.duplicate(&id)).await
}

/// The secret typed in the form, or else the saved account's own if the form still sends it where it
/// was confirmed; and the form's settings with the saved proxy login put back where it still applies.
async fn typed_or_saved(
    state: &AppState,
    draft: AccountDraft,
    secret: Option<Secret>,
    id: Option<String>,
) -> Result<(AccountDraft, Secret), AppError> {
    match (secret.filter(|s| !s.is_empty()), id) {
        (Some(secret), None) => Ok((draft, secret)),
        (typed, Some(id)) => {
            on_accounts(state, move |accounts| {
                let secret = match typed {
                    Some(secret) => secret,
                    None => accounts.secret_for(&id, &draft)?,
                };
                Ok((accounts.draft_for_use(&id, &draft)?, secret))
            })
            .await
        }
        (None, None) => Err(AppError::invalid_input("secret", "Enter the secret first.")),
    }
}

/// Tests settings and a secret before saving; with no secret given, a saved account's own is used.
#[tauri::command]
pub async fn account_test(
    state: State<'_, AppState>,
    draft: AccountDraft,
    secret: Option<Secret>,
    id: Option<String>,
) -> Result<ConnectionReport, AppError> {
    let (draft, secret) = typed_or_saved(&state, draft, secret, id).await?;
    accounts::test_connection(&draft, secret).await
}

/// The projects of an enclaive team, for the form's picker.
#[tauri::command]
pub async fn account_projects(
    state: State<'_, AppState>,
    draft: AccountDraft,
    secret: Option<Secret>,
    id: Option<String>,
) -> Result<Vec<ProjectChoice>, AppError> {
    let (draft, secret) = typed_or_saved(&state, draft, secret, id).await?;
    accounts::enclaive_projects(&draft, secret).await
}

#[tauri::command]
pub async fn accounts_export(state: State<'_, AppState>) -> Result<String, AppError> {
    on_accounts(&state, move |accounts| accounts.export()).await
}

/// What an import would add, with what deserves a look; nothing is saved.
#[tauri::command]
pub async fn accounts_import_preview(
    state: State<'_, AppState>,
    json: String,
) -> Result<Vec<vmdeck_engine::accounts::ImportItem>, AppError> {
    on_accounts(&state, move |accounts| accounts.import_preview(&json)).await
}

#[tauri::command]
pub async fn accounts_import(state: State<'_, AppState>, json: String) -> Result<Vec<Account>, AppError> {
    on_accounts(&state, move |accounts| accounts.import(&json)).await
}

/// The Cloud VM API server's environments.json (and machinetypes.json) read for the account form.
#[tauri::command]
pub fn cloudvm_read_server_files(
    environments: String,
    machine_types: Option<String>,
) -> Result<Vec<vmdeck_engine::providers::cloudvm::server_files::ServerEnvironment>, AppError> {
    vmdeck_engine::providers::cloudvm::server_files::read(&environments, machine_types.as_deref())
}
