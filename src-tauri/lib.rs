//! The Tauri shell: it resolves platform paths, wires the engine into managed state and registers the
//! commands. Everything with logic lives in the engine crate (`src-tauri/engine`).

mod commands;
mod state;

use state::AppState;
use tauri::Manager;
use vmdeck_engine::{app_info::AppDirs, keychain::Keychain, logging};

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .setup(|app| {
            let paths = app.path();
            let dirs = AppDirs { data_dir: paths.app_data_dir()?, log_dir: paths.app_log_dir()? };
            let log_guard = logging::init(&dirs.log_dir)?;
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "VMDeck starting");
            let keychain = Keychain::new(app.config().identifier.clone());
            app.manage(AppState::new(dirs, keychain, log_guard));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::app::app_info])
        .run(tauri::generate_context!())
        .expect("error while running VMDeck");
}
