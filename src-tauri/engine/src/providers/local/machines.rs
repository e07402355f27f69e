//! Local VMs on disk: one folder per VM under the app's data folder holding its record (`vm.json`),
//! disk overlay, seed, QMP socket, pidfile and serial log. QEMU runs detached, so VMs outlive the app;
//! a VM's state is what its QMP socket says.

use super::qemu::{accel_arg, cpu_for, QemuInstall};
use super::qmp;
use crate::error::{AppError, ErrorCode, Result};
use crate::model::SecurityRule;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where a VM is in its life, as its record says (the run state comes from QMP).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Being prepared (download, disk, first launch) by a task of this app.
    Creating,
    Ready,
    /// The create failed; the record stays (without disk or keys) so the list says why until deleted.
    Failed {
        message: String,
    },
}

/// A port forward from 127.0.0.1 on this computer into the guest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forward {
    /// `tcp` or `udp`.
    pub protocol: String,
    pub host_port: u16,
    pub guest_port: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VmRecord {
    pub id: String,
    pub name: String,
    pub created: String,
    pub image_id: String,
    pub image_name: String,
    pub flavor: String,
    pub user: String,
    pub vcpu: u32,
    pub ram_mb: u64,
    pub disk_gb: u64,
    pub ssh_port: u16,
    pub vnc_port: u16,
    /// SSH first, then one per ingress rule port.
    pub forwards: Vec<Forward>,
    /// Kept to be shown: user-mode networking cannot enforce them.
    pub egress_rules: Vec<SecurityRule>,
    /// The stored SSH key (keychain) that logs in.
    pub key_name: String,
    /// VMDeck made the key for this VM, so deleting the VM deletes it.
    pub key_generated: bool,
    pub kernel: Option<PathBuf>,
    pub initrd: Option<PathBuf>,
    pub cmdline: Option<String>,
    #[serde(flatten)]
    pub phase: Phase,
}

pub struct VmFiles {
    pub dir: PathBuf,
}

impl VmFiles {
    pub fn new(root: &Path, id: &str) -> Self {
        Self { dir: root.join(id) }
    }
    pub fn record(&self) -> PathBuf {
        self.dir.join("vm.json")
    }
    pub fn disk(&self) -> PathBuf {
        self.dir.join("disk.qcow2")
    }
    pub fn seed(&self) -> PathBuf {
        self.dir.join("seed.img")
    }
    pub fn qmp(&self) -> PathBuf {
        self.dir.join("qmp.sock")
    }
    pub fn pidfile(&self) -> PathBuf {
        self.dir.join("qemu.pid")
    }
    pub fn serial_log(&self) -> PathBuf {
        self.dir.join("serial.log")
    }
    pub fn vnc_password(&self) -> PathBuf {
        self.dir.join("vnc-password")
    }
}

pub fn save(root: &Path, record: &VmRecord) -> Result<()> {
    let files = VmFiles::new(root, &record.id);
    crate::fsutil::create_private_dir(&files.dir)?;
    let json = serde_json::to_vec_pretty(record).map_err(|err| AppError::internal(err.to_string()))?;
    crate::fsutil::write_private(&files.record(), &json)
}

/// Every VM record under `root`; a record that does not parse is logged and skipped, never removed.
pub fn load_all(root: &Path) -> Vec<VmRecord> {
    let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
    let mut records: Vec<VmRecord> = entries
        .flatten()
        .filter_map(|entry| {
            let path = entry.path().join("vm.json");
            let text = std::fs::read(&path).ok()?;
            match serde_json::from_slice(&text) {
                Ok(record) => Some(record),
                Err(err) => {
                    tracing::warn!(path = %path.display(), %err, "unreadable local VM record left as it is");
                    None
                }
            }
        })
        .collect();
    records.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
    records
}

pub fn load(root: &Path, id: &str) -> Result<VmRecord> {
    let path = VmFiles::new(root, id).record();
    let text = std::fs::read(&path).map_err(|_| {
        AppError::new(ErrorCode::NotFound, "This VM does not exist on this computer (any more).")
            .with_detail("vm_id", id)
    })?;
    serde_json::from_slice(&text).map_err(|err| AppError::internal(format!("{}: {err}", path.display())))
}

/// A free loopback port not used by another VM's record.
pub fn free_port(taken: &[u16], from: u16) -> Result<u16> {
    for port in from..=u16::MAX {
        if !taken.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(AppError::new(ErrorCode::Conflict, "No free port on 127.0.0.1 for the VM."))
}

/// Ports every local VM has claimed.
pub fn taken_ports(records: &[VmRecord]) -> Vec<u16> {
    records.iter().flat_map(|r| r.forwards.iter().map(|f| f.host_port).chain([r.vnc_port])).collect()
}

/// The QEMU command line of a VM (without the binary).
pub fn qemu_args(record: &VmRecord, files: &VmFiles, qemu: &QemuInstall, with_seed: bool) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(|s| (*s).to_owned()));
    let machine = if cfg!(target_arch = "aarch64") { "virt" } else { "q35" };
    let hostfwd: String = record
        .forwards
        .iter()
        .map(|f| format!(",hostfwd={}:127.0.0.1:{}-:{}", f.protocol, f.host_port, f.guest_port))
        .collect();
    push(&["-name", &format!("{},process=vmdeck-{}", record.name.replace(',', ",,"), record.id)]);
    push(&["-machine", machine, "-accel", &accel_arg(&qemu.accel), "-cpu", cpu_for(&qemu.accel)]);
    push(&["-smp", &record.vcpu.to_string(), "-m", &format!("{}M", record.ram_mb)]);
    push(&["-drive", &format!("if=virtio,file={},format=qcow2,discard=unmap", files.disk().display())]);
    if with_seed {
        push(&["-drive", &format!("if=virtio,file={},format=raw,readonly=on", files.seed().display())]);
    }
    push(&["-netdev", &format!("user,id=net0{hostfwd}"), "-device", "virtio-net-pci,netdev=net0"]);
    // Entropy for the guest: sshd and cloud-init otherwise wait for it under TCG.
    push(&["-device", "virtio-rng-pci"]);
    push(&["-vnc", &format!("127.0.0.1:{},password=on", record.vnc_port.saturating_sub(5900))]);
    push(&["-display", "none", "-serial", &format!("file:{}", files.serial_log().display())]);
    #[cfg(unix)]
    push(&["-qmp", &format!("unix:{},server=on,wait=off", files.qmp().display())]);
    push(&["-pidfile", &files.pidfile().display().to_string()]);
    if cfg!(unix) {
        push(&["-daemonize"]);
    }
    if let (Some(kernel), Some(initrd)) = (&record.kernel, &record.initrd) {
        push(&["-kernel", &kernel.display().to_string(), "-initrd", &initrd.display().to_string()]);
        push(&["-append", record.cmdline.as_deref().unwrap_or("root=/dev/vda rw console=ttyS0")]);
    }
    args
}

/// Starts QEMU detached and waits until it answers on QMP; QEMU's own complaint (a port in use, a
/// missing file) becomes the error. Sets a fresh VNC password.
pub async fn launch(record: &VmRecord, files: &VmFiles, qemu: &QemuInstall) -> Result<()> {
    if qmp::status(&files.qmp()).await.is_ok() {
        return Err(AppError::new(ErrorCode::Conflict, format!("{} is already running.", record.name)));
    }
    let _ = std::fs::remove_file(files.qmp());
    let with_seed = files.seed().exists();
    #[allow(unused_mut)]
    let mut args = qemu_args(record, files, qemu, with_seed);
    tracing::info!(vm = %record.id, ?args, "starting QEMU");
    let mut command = tokio::process::Command::new(&qemu.system);
    command.args(&args).stdin(std::process::Stdio::null());
    #[cfg(not(unix))]
    let output = {
        // No -daemonize here: QMP listens on a loopback port written where the socket would be, and
        // QEMU is left running on its own; a failure to start shows as QMP never answering.
        let port = free_port(&[], 49152)?;
        crate::fsutil::write_private(&files.qmp(), port.to_string().as_bytes())?;
        command.args(["-qmp", &format!("tcp:127.0.0.1:{port},server=on,wait=off")]);
        command.spawn().map_err(|err| AppError::internal(format!("Could not run {}: {err}", qemu.system)))?;
        std::process::Output { status: Default::default(), stdout: Vec::new(), stderr: Vec::new() }
    };
    #[cfg(unix)]
    let output = command
        .output()
        .await
        .map_err(|err| AppError::internal(format!("Could not run {}: {err}", qemu.system)))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr.lines().filter(|l| !l.contains("warning:")).collect::<Vec<_>>().join(" ");
        let code = if reason.contains("host forwarding") || reason.contains("Address already in use") {
            ErrorCode::Conflict
        } else {
            ErrorCode::ProviderError
        };
        return Err(AppError::new(code, format!("QEMU could not start {}: {}", record.name, reason.trim()))
            .with_detail("stderr", stderr.trim().to_owned()));
    }
    let password = super::qemu::rand_suffix()[..8].to_owned();
    crate::fsutil::write_private(&files.vnc_password(), password.as_bytes())?;
    let mut last = None;
    for _ in 0..50 {
        match qmp::set_vnc_password(&files.qmp(), &password).await {
            Ok(()) => return Ok(()),
            Err(err) => last = Some(err),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(last.unwrap_or_else(|| AppError::internal("QEMU did not open its control socket.")))
}

/// The pid QEMU wrote, if it still runs.
pub fn pid(files: &VmFiles) -> Option<u32> {
    std::fs::read_to_string(files.pidfile()).ok()?.trim().parse().ok()
}

/// Ends a QEMU process that no longer answers QMP.
pub fn kill(files: &VmFiles) {
    #[cfg(unix)]
    if let Some(pid) = pid(files) {
        let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
}
