//! The create wizard: rules checked as the user types, the create itself, clone and templates.

use super::{blocking, notifications, provider};
use crate::state::AppState;
use std::sync::Arc;
use tauri::State;
use vmdeck_engine::audit::AuditEntry;
use vmdeck_engine::create::{self, CreateCheck};
use vmdeck_engine::fleet::notices::StateNotices;
use vmdeck_engine::model::{CreateRequest, KeyPair, Vm};
use vmdeck_engine::providers::Provider;
use vmdeck_engine::templates::Template;
use vmdeck_engine::{AppError, ErrorCode};

/// The account's provider and the engine's check of `request` against its (cached) catalog.
async fn checked(
    state: &AppState,
    account_id: &str,
    request: &CreateRequest,
) -> Result<(Arc<dyn Provider>, CreateCheck), AppError> {
    let provider = provider(state, account_id.to_owned()).await?;
    let catalog = state.catalogs.get(account_id, provider.as_ref(), false).await?;
    let check = create::check(provider.as_ref(), &catalog, request);
    Ok((provider, check))
}

/// The request's problems, the flavors that do not fit its image and, when ready, the exact call.
#[tauri::command]
pub async fn machine_create_check(
    state: State<'_, AppState>,
    account_id: String,
    request: CreateRequest,
) -> Result<CreateCheck, AppError> {
    Ok(checked(&state, &account_id, &request).await?.1)
}

/// Checks once more, then sends the create exactly once (never retried).
#[tauri::command]
pub async fn machine_create(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    account_id: String,
    request: CreateRequest,
) -> Result<Vec<Vm>, AppError> {
    let (provider, check) = checked(&state, &account_id, &request).await?;
    if let Some(first) = check.problems.first() {
        return Err(AppError::new(ErrorCode::InvalidInput, first.message.clone())
            .with_detail("field", first.field.clone())
            .with_detail("problems", serde_json::to_value(&check.problems).unwrap_or_default()));
    }
    tracing::info!(account = %account_id, count = request.count, "creating VMs");
    let created = provider.create(&request).await;
    let entry = AuditEntry::new("create").account(&account_id).target(request.name.clone());
    let created = super::audited(&state, entry, created);
    // A create can take minutes (a local image download): say how it ended if the window is behind.
    match &created {
        Ok(vms) => notifications::observe(&app, |notices, now| notices.created(&account_id, vms, now)),
        Err(error) => {
            notifications::show(&app, vec![StateNotices::create_failed(&account_id, &request.name, error)])
        }
    }
    state.fleet_watch.nudge();
    created
}

#[tauri::command]
pub async fn machine_get(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    account_id: String,
    vm_id: String,
) -> Result<Vm, AppError> {
    // The wizard polls this every 2 s per new VM; the create already set the list to its fast pace.
    let vm = provider(&state, account_id.clone()).await?.get_vm(&vm_id).await?;
    notifications::observe(&app, |notices, now| {
        notices.observe_vm(&account_id, &vm, now).into_iter().collect()
    });
    Ok(vm)
}

/// A wizard input that copies this VM's configuration.
#[tauri::command]
pub async fn machine_clone_request(
    state: State<'_, AppState>,
    account_id: String,
    vm: Vm,
) -> Result<CreateRequest, AppError> {
    // The list carries no raw records: the one it held back, or the provider's own answer.
    let vm = super::machines::with_raw_record(&state, &account_id, vm);
    let provider = provider(&state, account_id).await?;
    let vm = if vm.extra.is_null() { provider.get_vm(&vm.id).await? } else { vm };
    Ok(provider.clone_request(&vm))
}

/// Uploads a public key as a new key pair; the wizard then reloads the catalog.
#[tauri::command]
pub async fn account_import_key(
    state: State<'_, AppState>,
    account_id: String,
    name: String,
    public_key: String,
    region: Option<String>,
) -> Result<KeyPair, AppError> {
    provider(&state, account_id).await?.import_key_pair(&name, &public_key, region.as_deref()).await
}

#[tauri::command]
pub async fn templates_list(state: State<'_, AppState>) -> Result<Vec<Template>, AppError> {
    let templates = state.templates.clone();
    blocking(move || templates.list()).await
}

#[tauri::command]
pub async fn template_save(
    state: State<'_, AppState>,
    template: Template,
) -> Result<Vec<Template>, AppError> {
    let templates = state.templates.clone();
    blocking(move || templates.save(template)).await
}

#[tauri::command]
pub async fn template_remove(state: State<'_, AppState>, name: String) -> Result<Vec<Template>, AppError> {
    let templates = state.templates.clone();
    blocking(move || templates.remove(&name)).await
}
