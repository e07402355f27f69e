//! The audit log for the Activity page (see `vmdeck_engine::audit`).

use super::blocking;
use crate::state::AppState;
use tauri::State;
use vmdeck_engine::audit::AuditEntry;
use vmdeck_engine::AppError;

/// Every entry kept, newest first.
#[tauri::command]
pub async fn audit_list(state: State<'_, AppState>) -> Result<Vec<AuditEntry>, AppError> {
    let log = state.audit.clone();
    blocking(move || log.read()).await
}
