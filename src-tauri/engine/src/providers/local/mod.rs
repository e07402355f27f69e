//! "This computer": local VMs with QEMU, through the same trait as the clouds. Cloud images with
//! cloud-init (a NoCloud seed built in Rust), user-mode networking with SSH and the wizard's ingress rules
//! forwarded from 127.0.0.1, QEMU's own VNC on loopback, lifecycle over QMP. VMDeck generates each VM's SSH
//! host key and pins it in its known_hosts before the first boot, so the first connect is verified.
//! See docs/providers/local.md.

mod build;
pub mod host;
pub mod images;
pub mod machines;
mod plan;
pub mod qemu;
pub mod qmp;
pub mod seed;

use crate::error::{AppError, ErrorCode, Result};
use crate::model::{
    Address, Capabilities, Catalog, ConsoleKind, ConsoleTarget, CreateRequest, Flavor, Image, KeyPair,
    PowerAction, PreparedCall, ProviderKind, Vm, VmState,
};
use crate::secret::Secret;
use crate::ssh::stored_keys::StoredKeys;
use async_trait::async_trait;
use machines::{Phase, VmFiles, VmRecord};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

/// The key-pair choice that makes VMDeck generate a key for the VM (kept in the keychain).
pub const GENERATE_KEY: &str = "vmdeck:generate";

/// How long "SSH" waits for a booting guest's sshd (TCG boots take a minute or two).
pub const SSH_WAIT: Duration = Duration::from_secs(5 * 60);

/// How long a graceful stop may take before QEMU is ended.
pub const STOP_GRACE: Duration = Duration::from_secs(90);

/// Where local VMs, the image cache and the known_hosts VMDeck verifies against live.
pub struct LocalEnv {
    pub data_dir: PathBuf,
    pub cache_dir: PathBuf,
    pub known_hosts: PathBuf,
    pub keys: Arc<StoredKeys>,
}

impl LocalEnv {
    pub fn vms_dir(&self) -> PathBuf {
        self.data_dir.join("vms")
    }
    pub fn images_dir(&self) -> PathBuf {
        self.cache_dir.join("images")
    }
}

/// What a running task of this app is doing to a VM (a create's progress, a graceful stop), by VM id.
static ACTIVITY: LazyLock<Mutex<HashMap<String, Activity>>> = LazyLock::new(Default::default);

#[derive(Debug, Clone)]
enum Activity {
    /// The step in words, and the download's figures while one runs.
    Creating(String, Option<images::DownloadProgress>),
    /// A graceful stop of the QEMU with this pid is under way.
    Stopping(Option<u32>),
}

fn set_activity(id: &str, activity: Option<Activity>) {
    let mut all = ACTIVITY.lock().unwrap();
    match activity {
        Some(a) => all.insert(id.to_owned(), a),
        None => all.remove(id),
    };
}

fn activity(id: &str) -> Option<Activity> {
    ACTIVITY.lock().unwrap().get(id).cloned()
}

static QEMU: tokio::sync::OnceCell<std::result::Result<qemu::QemuInstall, AppError>> =
    tokio::sync::OnceCell::const_new();

/// QEMU on this computer, found and probed once per run of the app.
pub async fn qemu_install() -> Result<qemu::QemuInstall> {
    QEMU.get_or_init(|| async { qemu::discover(&qemu::search_dirs()).await }).await.clone()
}

pub struct Local {
    env: Arc<LocalEnv>,
    http: reqwest::Client,
    ssh_wait: Duration,
}

impl Local {
    pub fn new(env: Arc<LocalEnv>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        Self { env, http, ssh_wait: SSH_WAIT }
    }

    /// How long `ssh_ready` waits for a booting guest (tests shorten it).
    pub fn with_ssh_wait(mut self, wait: Duration) -> Self {
        self.ssh_wait = wait;
        self
    }

    fn files(&self, id: &str) -> VmFiles {
        VmFiles::new(&self.env.vms_dir(), id)
    }

    async fn to_vm(&self, record: VmRecord) -> Vm {
        let files = self.files(&record.id);
        let (state, raw_state) = match (&record.phase, activity(&record.id)) {
            (Phase::Failed { message }, _) => (VmState::Error, format!("create failed: {message}")),
            // Until the create task lets go (its last step starts QEMU), the VM is still being created.
            (_, Some(Activity::Creating(step, _))) => (VmState::Creating, step),
            (Phase::Creating, _) => {
                (VmState::Error, "create interrupted (the app quit before it finished): delete it".into())
            }
            (Phase::Ready, busy) => match (qmp::status(&files.qmp()).await, busy) {
                (Ok(_), Some(Activity::Stopping(pid))) if pid == machines::pid(&files) => {
                    (VmState::Stopping, "powering down".into())
                }
                (Ok(qmp::RunState::Running), _) => (VmState::Running, "running".into()),
                (Ok(qmp::RunState::Paused), _) => (VmState::Stopped, "paused".into()),
                (Ok(qmp::RunState::Shutdown), _) => (VmState::Stopping, "shutdown".into()),
                (Ok(qmp::RunState::Other(name)), _) => (VmState::Error, name.to_owned()),
                (Err(err), _) if err.code == ErrorCode::NotFound => (VmState::Stopped, "stopped".into()),
                (Err(err), _) => (VmState::Unknown, err.message),
            },
        };
        let forwards: Vec<String> = record
            .forwards
            .iter()
            .map(|f| format!("127.0.0.1:{} → {} {}", f.host_port, f.protocol, f.guest_port))
            .collect();
        let egress = (!record.egress_rules.is_empty())
            .then_some("Egress rules are not enforced for local VMs (user-mode networking lets all out).");
        let mut extra = serde_json::to_value(&record).unwrap_or_default();
        extra["port_forwards"] = serde_json::json!(forwards);
        extra["egress_note"] = serde_json::json!(egress);
        extra["folder"] = serde_json::json!(files.dir.display().to_string());
        if let Some(Activity::Creating(_, Some(p))) = activity(&record.id) {
            extra["download"] = serde_json::json!({
                "done": p.done, "total": p.total, "bytes_per_sec": p.bytes_per_sec, "eta_secs": p.eta_secs(),
            });
        }
        Vm {
            id: record.id.clone(),
            name: record.name.clone(),
            provider: ProviderKind::Local,
            state,
            raw_state,
            addresses: vec![Address::new("127.0.0.1", false)],
            region: None,
            image: Some(record.image_name.clone()),
            flavor: Some(Flavor {
                id: record.flavor.clone(),
                name: record.flavor.clone(),
                region: None,
                vcpu: Some(record.vcpu),
                ram_gb: Some(record.ram_mb as f64 / 1024.0),
                disk_gb: Some(record.disk_gb as f64),
                gpu: None,
                gpu_count: 0,
                price: None,
                available: true,
            }),
            created: Some(record.created.clone()),
            labels: Vec::new(),
            security_rules: record.egress_rules.clone(),
            ssh_port: Some(record.ssh_port),
            extra,
        }
    }

    async fn image_choices(&self) -> Result<Vec<images::CatalogImage>> {
        images::catalog(&self.http).await
    }
}

fn local_caps() -> Capabilities {
    Capabilities {
        regions: false,
        security_rules_at_create: true,
        key_pairs: true,
        password_login: false,
        cloud_init: true,
        max_count: 4,
        console: ConsoleKind::Vnc,
        reboot: true,
        labels: false,
        max_name_len: 63,
        clone_only: false,
        public_ip_choice: false,
        import_key: false,
        max_user_data_bytes: 1_000_000,
        hibernate: false,
        public_ip_attach: false,
        port_randomization: false,
        security_groups: false,
    }
}

#[async_trait]
impl crate::providers::Provider for Local {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Local
    }

    fn capabilities(&self) -> Capabilities {
        local_caps()
    }

    async fn catalog(&self) -> Result<Catalog> {
        qemu_install().await?;
        let images_dir = self.env.images_dir();
        let images = self
            .image_choices()
            .await?
            .into_iter()
            .map(|image| {
                let cached = images::cached_path(&images_dir, &image.id, &image.url);
                let note = match std::fs::metadata(&cached) {
                    Ok(meta) => format!("cached, {:.0} MB", meta.len() as f64 / 1e6),
                    Err(_) => image
                        .download_mb
                        .map_or("downloads once".into(), |mb| format!("downloads ~{mb} MB once")),
                };
                Image {
                    id: image.id.clone(),
                    name: format!("{} ({note})", image.name),
                    distribution: Some(image.distribution),
                    version: Some(image.version),
                    region: None,
                    min_disk_gb: Some(image.min_disk_gb),
                    min_ram_gb: None,
                }
            })
            .collect();
        let host = host::resources(&self.env.data_dir);
        let keys = self.env.keys.clone();
        let stored = tokio::task::spawn_blocking(move || keys.list())
            .await
            .unwrap_or_else(|e| Err(AppError::internal(e.to_string())))?;
        let key_pairs = std::iter::once(KeyPair {
            id: GENERATE_KEY.into(),
            name: "A new key for this VM (kept in the keychain)".into(),
            fingerprint: None,
            region: None,
        })
        .chain(stored.into_iter().filter(|k| k.kind == "OPENSSH PRIVATE KEY").map(|k| KeyPair {
            id: k.name.clone(),
            name: k.name,
            fingerprint: None,
            region: None,
        }))
        .collect();
        Ok(Catalog {
            regions: Vec::new(),
            security_groups: Vec::new(),
            images,
            flavors: host::flavors(&host),
            key_pairs,
            rule_protocols: vec!["tcp".into(), "udp".into()],
        })
    }

    async fn list_vms(&self) -> Result<Vec<Vm>> {
        let mut out = Vec::new();
        for record in machines::load_all(&self.env.vms_dir()) {
            out.push(self.to_vm(record).await);
        }
        Ok(out)
    }

    async fn get_vm(&self, id: &str) -> Result<Vm> {
        let record = machines::load(&self.env.vms_dir(), id)?;
        Ok(self.to_vm(record).await)
    }

    fn create_call(&self, request: &CreateRequest) -> Result<PreparedCall> {
        plan::plan(request)
    }

    async fn create(&self, request: &CreateRequest) -> Result<Vec<Vm>> {
        let records =
            build::start(self.env.clone(), self.http.clone(), request, self.image_choices().await?).await?;
        let mut out = Vec::new();
        for record in records {
            out.push(self.to_vm(record).await);
        }
        Ok(out)
    }

    async fn power(&self, id: &str, action: PowerAction) -> Result<()> {
        let record = machines::load(&self.env.vms_dir(), id)?;
        let files = self.files(id);
        match action {
            PowerAction::Start => {
                if record.phase != Phase::Ready {
                    return Err(AppError::new(
                        ErrorCode::Conflict,
                        "This VM was never created completely: delete it.",
                    ));
                }
                machines::launch(&record, &files, &qemu_install().await?).await?;
                // A stop still watching the QEMU before this one lets go (it watches that pid only).
                set_activity(id, None);
                if files.seed().exists() {
                    build::watch_first_boot(record, files);
                }
                Ok(())
            }
            PowerAction::Stop => {
                let pid = machines::pid(&files);
                qmp::power_button(&files.qmp()).await?;
                set_activity(id, Some(Activity::Stopping(pid)));
                let id = id.to_owned();
                tokio::spawn(async move {
                    // Only this QEMU: if the VM is started again meanwhile, the new one is left alone.
                    let stopped = wait_stopped(&files, STOP_GRACE).await || machines::pid(&files) != pid;
                    if !stopped {
                        tracing::warn!(vm = %id, "the guest ignored the power button; ending QEMU");
                        if qmp::quit(&files.qmp()).await.is_err() {
                            machines::kill(&files);
                        }
                    }
                    let mut all = ACTIVITY.lock().unwrap();
                    if matches!(all.get(&id), Some(Activity::Stopping(p)) if *p == pid) {
                        all.remove(&id);
                    }
                });
                Ok(())
            }
            PowerAction::Reboot => qmp::reset(&files.qmp()).await,
            PowerAction::Hibernate | PowerAction::Restore => {
                Err(crate::providers::unsupported(ProviderKind::Local, "hibernation"))
            }
        }
    }

    async fn delete(&self, id: &str) -> Result<()> {
        let record = machines::load(&self.env.vms_dir(), id)?;
        if matches!(activity(id), Some(Activity::Creating(..))) {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "This VM is still being created; delete it when that ends.",
            ));
        }
        let files = self.files(id);
        if qmp::status(&files.qmp()).await.is_ok() {
            if qmp::quit(&files.qmp()).await.is_err() {
                machines::kill(&files);
            }
            wait_stopped(&files, Duration::from_secs(10)).await;
        }
        build::remove_traces(&self.env, &record).await;
        std::fs::remove_dir_all(&files.dir)
            .map_err(|err| AppError::internal(format!("Could not remove {}: {err}", files.dir.display())))
    }

    async fn console(&self, id: &str) -> Result<ConsoleTarget> {
        let record = machines::load(&self.env.vms_dir(), id)?;
        if qmp::status(&self.files(id).qmp()).await.is_err() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "Start the VM first: its console exists only while it runs.",
            ));
        }
        Ok(ConsoleTarget::Vnc { host: "127.0.0.1".into(), port: record.vnc_port })
    }

    async fn ssh_ready(&self, id: &str) -> Result<()> {
        let record = machines::load(&self.env.vms_dir(), id)?;
        let files = self.files(id);
        let deadline = tokio::time::Instant::now() + self.ssh_wait;
        loop {
            if build::ssh_banner(record.ssh_port).await {
                return Ok(());
            }
            let creating = matches!(activity(id), Some(Activity::Creating(..)));
            if !creating && qmp::status(&files.qmp()).await.is_err() {
                if let Phase::Failed { message } = machines::load(&self.env.vms_dir(), id)?.phase {
                    return Err(AppError::new(
                        ErrorCode::ProviderError,
                        format!("The create failed: {message}"),
                    ));
                }
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("{} is not running: start it first.", record.name),
                ));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(AppError::new(
                    ErrorCode::Timeout,
                    format!(
                        "{}'s SSH server did not answer within {} s. The guest's boot messages are in {}.",
                        record.name,
                        self.ssh_wait.as_secs(),
                        files.serial_log().display()
                    ),
                )
                .with_detail("serial_log", files.serial_log().display().to_string()));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn console_password(&self, id: &str) -> Result<Option<Secret>> {
        let path = self.files(id).vnc_password();
        Ok(std::fs::read_to_string(path).ok().map(|p| Secret::new(p.trim().to_owned())))
    }
}

/// Waits until the QEMU running now has exited (QMP stops answering, or another QEMU took its place),
/// up to `within`.
async fn wait_stopped(files: &VmFiles, within: Duration) -> bool {
    let pid = machines::pid(files);
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if machines::pid(files) != pid
            || qmp::status(&files.qmp()).await.is_err_and(|e| e.code == ErrorCode::NotFound)
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    false
}
