//! What every command can reach through `tauri::State`.

use vmdeck_engine::logging::LogGuard;
use vmdeck_engine::{app_info::AppDirs, keychain::Keychain};

pub struct AppState {
    pub dirs: AppDirs,
    pub keychain: Keychain,
    // Held, never read: dropping it would stop the log writer.
    _log_guard: LogGuard,
}

impl AppState {
    pub fn new(dirs: AppDirs, keychain: Keychain, log_guard: LogGuard) -> Self {
        Self { dirs, keychain, _log_guard: log_guard }
    }
}
