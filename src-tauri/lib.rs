//! The Tauri shell: it resolves platform paths, wires the engine into managed state and registers the
//! commands. Everything with logic lives in the engine crate (`src-tauri/engine`).

mod commands;
mod state;
mod webview;

use state::AppState;
use std::sync::Arc;
use tauri::Manager;
use vmdeck_engine::accounts::{AccountService, JsonFileStore, KeychainSecrets};
use vmdeck_engine::fleet::notices::NotificationPrefs;
use vmdeck_engine::providers::local::{qemu, LocalEnv};
use vmdeck_engine::ssh::openssh_config::ManagedConfigFile;
use vmdeck_engine::ssh::stored_keys::StoredKeys;
use vmdeck_engine::targets::saved::SavedTargets;
use vmdeck_engine::templates::Templates;
use vmdeck_engine::vault::VaultService;
use vmdeck_engine::{app_info::AppDirs, keychain::Keychain, logging};

pub fn run() {
    // Before Tauri and the webview write anything: logs, caches and web storage are the user's alone.
    vmdeck_engine::fsutil::private_by_default();
    webview::paint_on_the_cpu_when_there_is_no_gpu();
    vmdeck_engine::process::limit_malloc_arenas();
    let started = commands::app::StartedAt(std::time::Instant::now());
    tauri::Builder::default()
        .manage(started)
        // First: a second launch hands over to the running app, which comes to the front, and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        // The main window opens where and as large as it was left.
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_store::Builder::new().build())
        // Signed updates (public key and server in tauri.conf.json); driven by commands::updates only.
        .plugin(tauri_plugin_updater::Builder::new().build())
        // Desktop notifications, sent from Rust only (commands::notifications).
        .plugin(tauri_plugin_notification::init())
        // The save dialog of exports, opened from Rust only (commands::files); the window has no dialog
        // or fs permission.
        .plugin(tauri_plugin_dialog::init())
        .manage(commands::updates::PendingUpdate::default())
        .setup(|app| {
            let paths = app.path();
            let dirs = AppDirs { data_dir: paths.app_data_dir()?, log_dir: paths.app_log_dir()? };
            let log_guard = logging::init(&dirs.log_dir)?;
            tracing::info!(version = %app.package_info().version, "VMDeck starting");
            tracing::info!(cpu_painting = webview::paints_on_the_cpu(), "webview painting (see webview.rs)");
            let keychain = Keychain::new(app.config().identifier.clone());
            // Without a Secret Service (a bare Linux session), use the kernel keyring rather than fail.
            let keychain_status = keychain.fall_back_if_unavailable();
            tracing::info!(backend = %keychain_status.backend, available = keychain_status.available, "keychain");
            // Accounts and settings go through VMDeck's own atomic writer (the file tauri-plugin-store wrote
            // before, same shape); the store plugin stays registered for simple UI preferences.
            let settings = Arc::new(JsonFileStore::new(dirs.data_dir.join("accounts.json")));
            let stored_keys = Arc::new(StoredKeys::new(
                settings.clone(),
                Arc::new(KeychainSecrets::with_prefix(keychain.clone(), "sshkey:")),
            ));
            let local = Arc::new(LocalEnv {
                data_dir: dirs.data_dir.clone(),
                cache_dir: paths.app_cache_dir()?,
                known_hosts: dirs.data_dir.join("known_hosts"),
                keys: stored_keys.clone(),
            });
            let accounts = Arc::new(
                AccountService::new(settings.clone(), Arc::new(KeychainSecrets::new(keychain.clone())))
                    .with_local(local),
            );
            let templates = Arc::new(Templates::new(settings.clone()));
            let ssh_targets = Arc::new(SavedTargets::new(settings.clone()));
            let ssh_config = Arc::new(ManagedConfigFile::new(settings.clone(), &ssh_config_dir()));
            let notification_prefs = Arc::new(NotificationPrefs::new(settings.clone()));
            let vault = Arc::new(VaultService::new(
                settings,
                Arc::new(KeychainSecrets::with_prefix(keychain.clone(), "vault:")),
            ));
            // Finish or undo an account change a crash interrupted, and move proxy logins older versions
            // saved in the file to the keychain; a locked keychain only delays that.
            if let Err(err) = accounts.recover() {
                tracing::warn!(code = ?err.code, "could not finish an interrupted account change: {}", err.message);
            }
            // "This computer" exists by default once QEMU is installed (a file check; the accelerator
            // probe waits until a local VM is first used).
            if qemu::installed() {
                match accounts.ensure_local_account() {
                    Ok(added) => if added.is_some() { tracing::info!("added the This computer account") },
                    Err(err) => tracing::warn!(code = ?err.code, "could not add the local account: {}", err.message),
                }
            }
            app.manage(AppState::new(
                dirs,
                keychain,
                accounts,
                vault,
                state::SavedLists { templates, stored_keys, ssh_targets, ssh_config, notification_prefs },
                log_guard,
            ));
            commands::machines::spawn_fleet_watch(app.handle().clone());
            save_window_state_as_it_changes(app.handle());
            let after = app.state::<commands::app::StartedAt>().0.elapsed();
            tracing::info!(ms = after.as_millis() as u64, "set-up done");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::app_notices,
            commands::app::app_first_screen,
            commands::accounts::accounts_list,
            commands::accounts::cloudvm_read_server_files,
            commands::accounts::account_add,
            commands::accounts::account_update,
            commands::accounts::account_rename,
            commands::accounts::account_remove,
            commands::accounts::account_duplicate,
            commands::accounts::account_test,
            commands::accounts::account_projects,
            commands::accounts::accounts_export,
            commands::accounts::accounts_import,
            commands::accounts::accounts_import_preview,
            commands::machines::account_catalog,
            commands::machines::account_capabilities,
            commands::machines::machines_watch,
            commands::machines::machines_cached,
            commands::machines::machine_power,
            commands::machines::machine_delete,
            commands::machines::machine_public_ip,
            commands::vault::vault_overview,
            commands::vault::vault_save,
            commands::vault::vault_forget,
            commands::vault::vault_test_read,
            commands::ssh::ssh_open,
            commands::ssh::ssh_resize,
            commands::ssh::ssh_close,
            commands::ssh::ssh_forget_host_key,
            commands::ssh::machine_ssh_target,
            commands::ssh::machine_ssh_target_save,
            commands::ssh::ssh_open_system_terminal,
            commands::create::machine_create_check,
            commands::create::machine_create,
            commands::create::machine_get,
            commands::create::machine_clone_request,
            commands::create::templates_list,
            commands::create::template_save,
            commands::create::template_remove,
            commands::create::account_import_key,
            commands::console::vnc_open,
            commands::console::vnc_close,
            commands::console::machine_console,
            commands::console::console_open_window,
            commands::app::open_link,
            commands::ssh::ssh_keys_list,
            commands::activity::audit_list,
            commands::notifications::notifications_get,
            commands::notifications::notifications_set,
            commands::files::save_text_as,
            commands::ssh_config::ssh_config_entry,
            commands::ssh_config::ssh_config_managed,
            commands::ssh_config::ssh_config_managed_set,
            commands::ssh::ssh_key_save,
            commands::ssh::ssh_key_remove,
            commands::vault::vault_oidc_login,
            commands::ssh::machine_ssh_ready,
            commands::local::local_qemu_status,
            commands::local::local_images,
            commands::local::local_image_remove,
            commands::updates::update_check,
            commands::updates::update_install,
            commands::updates::app_restart,
        ])
        .run(tauri::generate_context!())
        .expect("error while running VMDeck");
}

/// `~/.ssh/config.d`, where the opt-in managed OpenSSH config goes (`%USERPROFILE%\.ssh` on Windows, which
/// OpenSSH for Windows reads). `VMDECK_SSH_CONFIG_DIR` moves it (the E2E suite keeps it out of the real home).
fn ssh_config_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("VMDECK_SSH_CONFIG_DIR") {
        return dir.into();
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).unwrap_or_default();
    std::path::Path::new(&home).join(".ssh").join("config.d")
}

/// The window's size and position are saved half a second after the user last moved or resized it, not
/// only at a clean exit (a crash, a kill or a logout would lose them).
///
/// The save runs on the main thread. Called from another thread, `save_window_state` holds the plugin's cache
/// lock while it asks the main thread for the window's size, and a resize event arriving meanwhile waits on
/// that lock on the main thread: the app hung for good (tauri-apps/plugins-workspace#3594, still open; the
/// gallery spec's resizes hit it). On the main thread no event handler can run during the save.
fn save_window_state_as_it_changes(app: &tauri::AppHandle) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use tauri_plugin_window_state::{AppHandleExt, StateFlags};
    let Some(window) = app.get_webview_window("main") else { return };
    let changes = std::sync::Arc::new(AtomicU64::new(0));
    let handle = app.clone();
    window.on_window_event(move |event| {
        if !matches!(event, tauri::WindowEvent::Resized(_) | tauri::WindowEvent::Moved(_)) {
            return;
        }
        let this = changes.fetch_add(1, Ordering::SeqCst) + 1;
        let (changes, handle) = (changes.clone(), handle.clone());
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            if changes.load(Ordering::SeqCst) == this {
                let app = handle.clone();
                let queued = handle.run_on_main_thread(move || {
                    if let Err(err) = app.save_window_state(StateFlags::all()) {
                        tracing::warn!("could not save the window's size and position: {err}");
                    }
                });
                if let Err(err) = queued {
                    tracing::warn!("could not save the window's size and position: {err}");
                }
            }
        });
    });
}
