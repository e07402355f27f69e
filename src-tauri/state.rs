//! What every command can reach through `tauri::State`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use vmdeck_engine::accounts::AccountService;
use vmdeck_engine::audit::AuditLog;
use vmdeck_engine::fleet::notices::{NotificationPrefs, StateNotices};
use vmdeck_engine::fleet::{CatalogCache, FleetCache, FleetWatch, Pacing, SentListings};
use vmdeck_engine::logging::LogGuard;
use vmdeck_engine::ssh::openssh_config::ManagedConfigFile;
use vmdeck_engine::ssh::stored_keys::StoredKeys;
use vmdeck_engine::ssh::ShellSocket;
use vmdeck_engine::targets::saved::SavedTargets;
use vmdeck_engine::templates::Templates;
use vmdeck_engine::vault::VaultService;
use vmdeck_engine::vnc::VncBridge;
use vmdeck_engine::{app_info::AppDirs, keychain::Keychain};

/// Catalogs change rarely; the wizard offers a manual refresh.
pub const CATALOG_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// How often the fleet is listed. `VMDECK_BENCH_FLEET_EVERY_MS` lists at that pace whether or not anything
/// changes: `.ci/bench-memory` compresses hours of refreshes into minutes with it, and the notifications
/// spec sees a change nobody asked for within seconds.
fn fleet_pacing() -> Pacing {
    let every = std::env::var("VMDECK_BENCH_FLEET_EVERY_MS").ok().and_then(|ms| ms.parse().ok());
    match every {
        Some(ms) if ms > 0 => {
            let every = std::time::Duration::from_millis(ms);
            Pacing { fast: every, slow: every, ..Pacing::default() }
        }
        _ => Pacing::default(),
    }
}

/// A raw VNC console: its bridge (which closes with it).
pub struct VncConsole {
    pub bridge: VncBridge,
}

pub struct AppState {
    pub dirs: AppDirs,
    pub keychain: Keychain,
    pub accounts: Arc<AccountService>,
    pub catalogs: CatalogCache,
    /// Lists the fleet while the Machines view is open; its loop runs on Tauri's runtime (see lib.rs).
    pub fleet_watch: FleetWatch,
    /// The last known VMs of every account, shown at once on start and offline.
    pub fleet_cache: Arc<FleetCache>,
    /// What the UI was last sent of each account's VMs (an unchanged account goes out without them).
    pub fleet_sent: Mutex<SentListings>,
    pub vault: Arc<VaultService>,
    pub templates: Arc<Templates>,
    pub stored_keys: Arc<StoredKeys>,
    /// SSH host, port and user saved per VM.
    pub ssh_targets: Arc<SavedTargets>,
    /// Every action that changes or opens something, kept on this computer (Activity page).
    pub audit: Arc<AuditLog>,
    /// The opt-in `~/.ssh/config.d/vmdeck`, kept current with the fleet.
    pub ssh_config: Arc<ManagedConfigFile>,
    /// Follows VM states for desktop notifications (creates that end, changes nobody asked for here).
    pub notices: Mutex<StateNotices>,
    pub notification_prefs: Arc<NotificationPrefs>,
    /// Open SSH terminals by id.
    pub ssh_sessions: Mutex<HashMap<u64, ShellSocket>>,
    next_ssh: AtomicU64,
    /// Open VNC consoles by id; dropping one closes its bridge.
    pub vnc_consoles: Mutex<HashMap<u64, VncConsole>>,
    next_console: AtomicU64,
    // Held, never read: dropping it would stop the log writer.
    _log_guard: LogGuard,
}

/// The small things kept in the settings file beside the accounts.
pub struct SavedLists {
    pub templates: Arc<Templates>,
    pub stored_keys: Arc<StoredKeys>,
    pub ssh_targets: Arc<SavedTargets>,
    pub ssh_config: Arc<ManagedConfigFile>,
    pub notification_prefs: Arc<NotificationPrefs>,
}

impl AppState {
    pub fn new(
        dirs: AppDirs,
        keychain: Keychain,
        accounts: Arc<AccountService>,
        vault: Arc<VaultService>,
        saved: SavedLists,
        log_guard: LogGuard,
    ) -> Self {
        let SavedLists { templates, stored_keys, ssh_targets, ssh_config, notification_prefs } = saved;
        let fleet_cache = Arc::new(FleetCache::new(dirs.data_dir.join("fleet-cache.json")));
        let dirs_data = dirs.data_dir.clone();
        Self {
            dirs,
            keychain,
            accounts,
            catalogs: CatalogCache::new(CATALOG_TTL),
            fleet_watch: FleetWatch::new(fleet_pacing()),
            fleet_cache,
            fleet_sent: Mutex::new(SentListings::default()),
            vault,
            templates,
            stored_keys,
            ssh_targets,
            ssh_config,
            notices: Mutex::new(StateNotices::default()),
            notification_prefs,
            audit: Arc::new(AuditLog::new(&dirs_data)),
            ssh_sessions: Mutex::new(HashMap::new()),
            next_ssh: AtomicU64::new(1),
            vnc_consoles: Mutex::new(HashMap::new()),
            next_console: AtomicU64::new(1),
            _log_guard: log_guard,
        }
    }

    /// Where local (QEMU) VMs and their image cache live.
    pub fn local(&self) -> Result<Arc<vmdeck_engine::providers::local::LocalEnv>, vmdeck_engine::AppError> {
        self.accounts
            .local_env()
            .ok_or_else(|| vmdeck_engine::AppError::internal("Local VMs are not set up."))
    }

    pub fn next_ssh_id(&self) -> u64 {
        self.next_ssh.fetch_add(1, Ordering::SeqCst)
    }

    pub fn next_console_id(&self) -> u64 {
        self.next_console.fetch_add(1, Ordering::SeqCst)
    }
}
