//! Commands about the app itself.

use crate::state::AppState;
use vmdeck_engine::{app_info::AppInfo, AppError};

/// Version, directories and keychain status for the Settings page.
#[tauri::command]
pub async fn app_info(app: tauri::AppHandle, state: tauri::State<'_, AppState>) -> Result<AppInfo, AppError> {
    let name = app.package_info().name.clone();
    let version = app.package_info().version.to_string();
    let dirs = state.dirs.clone();
    let keychain = state.keychain.clone();
    // The keychain probe is a blocking D-Bus / OS call.
    super::blocking(move || Ok(AppInfo::gather(&name, &version, &dirs, &keychain))).await
}

/// What the user must be told at start (a settings file that could not be read and was kept aside).
#[tauri::command]
pub async fn app_notices(state: tauri::State<'_, AppState>) -> Result<Vec<String>, AppError> {
    let accounts = state.accounts.clone();
    // Only the settings file: listing would ask the keychain about every account on the start path.
    super::blocking(move || Ok(accounts.notices())).await
}

/// Opens an http(s) link (from a terminal) in the system browser.
#[tauri::command]
pub async fn open_link(url: String) -> Result<(), AppError> {
    super::blocking(move || vmdeck_engine::opener::open_in_browser(&url)).await
}

/// When `run` began: the reference of the first-screen figure in the log.
pub struct StartedAt(pub std::time::Instant);

/// The UI's first screen is painted: logged with the time since the process started, and printed as
/// `first-screen` on stdout when VMDECK_PRINT_FIRST_SCREEN is set (`.ci/bench-start` waits for it).
#[tauri::command]
pub fn app_first_screen(started: tauri::State<'_, StartedAt>, page_ms: f64, marks: String) {
    let after = started.0.elapsed();
    // page_ms: since the page began to load (performance.now()), which splits the figure into the shell's
    // part and the page's; marks: where the page's part went (ms since it began to load).
    tracing::info!(ms = after.as_millis() as u64, page_ms = page_ms.round() as u64, %marks, "first screen painted");
    if std::env::var_os("VMDECK_PRINT_FIRST_SCREEN").is_some() {
        use std::io::Write;
        let mut out = std::io::stdout();
        let _ = writeln!(out, "first-screen");
        let _ = out.flush();
    }
}
