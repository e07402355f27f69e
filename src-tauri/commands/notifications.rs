//! Desktop notifications (issue 18): what the engine's `StateNotices` finds is shown through the
//! notification plugin, from Rust only (the window has no notification permission), as Settings says.

use super::blocking;
use crate::state::AppState;
use std::time::Instant;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_notification::NotificationExt;
use vmdeck_engine::fleet::notices::{Notice, NotificationSettings, StateNotices};
use vmdeck_engine::AppError;

#[tauri::command]
pub async fn notifications_get(state: State<'_, AppState>) -> Result<NotificationSettings, AppError> {
    let prefs = state.notification_prefs.clone();
    blocking(move || prefs.get()).await
}

#[tauri::command]
pub async fn notifications_set(
    state: State<'_, AppState>,
    wanted: NotificationSettings,
) -> Result<NotificationSettings, AppError> {
    let prefs = state.notification_prefs.clone();
    blocking(move || {
        prefs.set(wanted)?;
        prefs.get()
    })
    .await
}

/// Runs `observe` on the app's state follower and shows what it found.
pub fn observe(app: &AppHandle, observe: impl FnOnce(&mut StateNotices, Instant) -> Vec<Notice>) {
    let found = {
        let state = app.state::<AppState>();
        let mut notices = state.notices.lock().unwrap_or_else(|p| p.into_inner());
        observe(&mut notices, Instant::now())
    };
    show(app, found);
}

/// The user acted on a VM in VMDeck: its next change is theirs, not news.
pub fn acted_on(state: &AppState, account_id: &str, vm_id: &str) {
    state.notices.lock().unwrap_or_else(|p| p.into_inner()).acted_on(account_id, vm_id, Instant::now());
}

/// Shows each notice the settings want now (reading them and the account names off the async runtime).
pub fn show(app: &AppHandle, notices: Vec<Notice>) {
    if notices.is_empty() {
        return;
    }
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let wanted = state.notification_prefs.get().unwrap_or_else(|err| {
            tracing::warn!(code = ?err.code, "notification settings unreadable, using the defaults: {}", err.message);
            NotificationSettings::default()
        });
        let focused =
            app.get_webview_window("main").and_then(|window| window.is_focused().ok()).unwrap_or(false);
        for notice in notices {
            if !wanted.shows(notice.kind, focused) {
                tracing::info!(kind = ?notice.kind, focused, "notification not shown (settings or window in front)");
                continue;
            }
            let account = state
                .accounts
                .get(&notice.account_id)
                .map(|a| a.draft.label)
                .unwrap_or(notice.account_id.clone());
            let (title, body) = notice.text(&account);
            tracing::info!(kind = ?notice.kind, account = %notice.account_id, vm = ?notice.vm_id, "notification");
            if let Err(err) = app.notification().builder().title(title).body(body).show() {
                tracing::warn!("could not show a desktop notification: {err}");
            }
        }
    });
}
