//! Finding QEMU on this computer and the accelerator it can really use.

use crate::error::{AppError, ErrorCode, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use ts_rs::TS;

/// The boot sector of the accelerator probe (source and build line in `accel_probe.s`).
const PROBE_SECTOR: &[u8; 512] = include_bytes!("accel_probe.bin");
/// What the probe writes once it reaches long mode.
const PROBE_DONE: &[u8] = b"RPL";
/// An accelerator that works runs the probe in milliseconds; TCG in well under a second.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct QemuInstall {
    pub system: String,
    pub img: String,
    /// `kvm`, `hvf`, `whpx` or `tcg`.
    pub accel: String,
    /// Why the hardware accelerator is not used, when it is not ("slow: no hardware acceleration").
    pub accel_note: Option<String>,
    pub version: String,
}

/// The QEMU binary names of this machine's architecture.
pub fn system_binary_name() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "qemu-system-aarch64"
    } else {
        "qemu-system-x86_64"
    }
}

fn exe(name: &str) -> String {
    if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_owned()
    }
}

/// Where QEMU is looked for: only `VMDECK_QEMU_DIR` when set, else PATH, then the usual install folders.
pub fn search_dirs() -> Vec<PathBuf> {
    if let Some(dir) = std::env::var_os("VMDECK_QEMU_DIR") {
        return vec![PathBuf::from(dir)];
    }
    let mut dirs = Vec::new();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    for extra in ["/opt/homebrew/bin", "/usr/local/bin", "/usr/bin", r"C:\Program Files\qemu"] {
        dirs.push(PathBuf::from(extra));
    }
    dirs
}

fn find(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    dirs.iter().map(|dir| dir.join(exe(name))).find(|path| path.is_file())
}

/// Whether QEMU's binaries are there (no probe: cheap enough for the start path).
pub fn installed() -> bool {
    let dirs = search_dirs();
    find(&dirs, system_binary_name()).is_some() && find(&dirs, "qemu-img").is_some()
}

/// The one command that installs QEMU on this OS.
pub fn install_hint() -> &'static str {
    if cfg!(target_os = "macos") {
        "brew install qemu"
    } else if cfg!(windows) {
        "winget install SoftwareFreedomConservancy.QEMU"
    } else {
        "sudo apt-get install qemu-system-x86 qemu-utils   (Fedora: sudo dnf install qemu-kvm qemu-img)"
    }
}

pub fn missing_error() -> AppError {
    AppError::new(
        ErrorCode::NotFound,
        format!("QEMU is not installed on this computer. Install it with: {}", install_hint()),
    )
    .with_detail("install", install_hint())
}

/// The hardware accelerator of this OS.
fn hardware_accel() -> Option<&'static str> {
    if cfg!(target_os = "linux") {
        Some("kvm")
    } else if cfg!(target_os = "macos") {
        Some("hvf")
    } else if cfg!(windows) {
        Some("whpx")
    } else {
        None
    }
}

/// Finds QEMU in `dirs` and probes the accelerator. `VMDECK_QEMU_ACCEL` forces one (e.g. `tcg`).
pub async fn discover(dirs: &[PathBuf]) -> Result<QemuInstall> {
    let system = find(dirs, system_binary_name()).ok_or_else(missing_error)?;
    let img = find(dirs, "qemu-img").ok_or_else(missing_error)?;
    let version = version_of(&system).await?;
    let forced = std::env::var("VMDECK_QEMU_ACCEL").ok().filter(|a| !a.trim().is_empty());
    let (accel, accel_note) = match (forced, hardware_accel()) {
        (Some(accel), _) => (accel.trim().to_owned(), None),
        (None, Some(hw)) => match probe(&system, hw).await {
            Ok(()) => (hw.to_owned(), None),
            Err(why) => {
                tracing::warn!(accel = hw, %why, "hardware acceleration unusable; using TCG");
                ("tcg".to_owned(), Some(format!("Slow: no hardware acceleration ({hw}: {why}).")))
            }
        },
        (None, None) => ("tcg".to_owned(), Some("Slow: no hardware acceleration on this OS.".to_owned())),
    };
    Ok(QemuInstall {
        system: system.display().to_string(),
        img: img.display().to_string(),
        accel,
        accel_note,
        version,
    })
}

async fn version_of(system: &Path) -> Result<String> {
    let out = tokio::time::timeout(
        PROBE_TIMEOUT,
        tokio::process::Command::new(system).arg("--version").kill_on_drop(true).output(),
    )
    .await
    .map_err(|_| AppError::new(ErrorCode::Timeout, "QEMU did not print its version within 3 s."))?
    .map_err(|err| {
        AppError::new(ErrorCode::Internal, format!("Could not run {}: {err}", system.display()))
    })?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().next().unwrap_or_default().trim().to_owned())
}

/// Boots the probe sector under `accel` and waits for it to reach long mode: QEMU starting with an
/// accelerator is not enough (a paravirtualised /dev/kvm accepts the VM and then hangs the guest).
async fn probe(system: &Path, accel: &str) -> std::result::Result<(), String> {
    let dir = tempfile_dir().map_err(|err| format!("no temp folder: {err}"))?;
    let sector = dir.join("probe.img");
    std::fs::write(&sector, PROBE_SECTOR).map_err(|err| err.to_string())?;
    let drive = format!("file={},format=raw,if=floppy", sector.display());
    let mut child = tokio::process::Command::new(system)
        .args(["-M", "pc", "-accel", accel, "-m", "16", "-display", "none", "-nodefaults", "-no-reboot"])
        .args(["-serial", "stdio", "-drive", &drive])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| err.to_string())?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut seen = Vec::new();
    let reached = tokio::time::timeout(PROBE_TIMEOUT, async {
        let mut buf = [0u8; 64];
        loop {
            match stdout.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
            if seen.windows(PROBE_DONE.len()).any(|w| w == PROBE_DONE) {
                return true;
            }
        }
    })
    .await
    .unwrap_or(false);
    let _ = child.kill().await;
    let stderr = match child.stderr.take() {
        Some(mut err) => {
            let mut text = String::new();
            let _ = tokio::time::timeout(Duration::from_millis(200), err.read_to_string(&mut text)).await;
            text
        }
        None => String::new(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    if reached {
        return Ok(());
    }
    let reason = stderr.lines().find(|l| !l.contains("warning")).unwrap_or_default().trim().to_owned();
    Err(if reason.is_empty() {
        format!("a test guest did not reach long mode within {} s", PROBE_TIMEOUT.as_secs())
    } else {
        reason
    })
}

fn tempfile_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("vmdeck-probe-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

pub(crate) fn rand_suffix() -> String {
    let mut bytes = [0u8; 6];
    let _ = getrandom::fill(&mut bytes);
    hex::encode(bytes)
}

/// The CPU model for an accelerator: the host's own under hardware acceleration, QEMU's richest model
/// under TCG.
pub fn cpu_for(accel: &str) -> &'static str {
    if accel == "tcg" {
        "max"
    } else {
        "host"
    }
}

/// `-accel` value: TCG with one thread per vCPU.
pub fn accel_arg(accel: &str) -> String {
    if accel == "tcg" {
        "tcg,thread=multi".to_owned()
    } else {
        accel.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn missing_qemu_names_the_install_command() {
        let empty = tempfile::tempdir().unwrap();
        let err = super::discover(&[empty.path().to_owned()]).await.unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::NotFound);
        assert!(err.message.contains(super::install_hint()), "{}", err.message);
    }
}
