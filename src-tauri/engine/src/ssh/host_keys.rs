//! The app's known_hosts file (OpenSSH format), optionally also consulting `~/.ssh/known_hosts`.

use crate::error::{AppError, ErrorCode, Result};
use base64::Engine;
use ssh2::{CheckResult, HashType, KnownHostFileKind, KnownHostKeyFormat, Session};
use std::path::{Path, PathBuf};

/// `SHA256:…` as `ssh-keygen -lf` prints it.
pub fn fingerprint_sha256(session: &Session) -> Option<String> {
    session
        .host_key_hash(HashType::Sha256)
        .map(|hash| format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(hash)))
}

/// How a host is written in known_hosts: `host` for port 22, `[host]:port` otherwise.
pub fn host_entry(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_owned()
    } else {
        format!("[{host}]:{port}")
    }
}

pub struct KnownHosts {
    /// VMDeck's own file, the one it writes.
    pub path: PathBuf,
    /// Read too, never written (the user's `~/.ssh/known_hosts`).
    pub also_read: Option<PathBuf>,
}

pub enum Verdict {
    Known,
    Unknown,
    Changed,
}

fn key_format(session: &Session) -> Option<KnownHostKeyFormat> {
    session.host_key().map(|(_, kind)| kind.into())
}

impl KnownHosts {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into(), also_read: None }
    }

    fn load(&self, session: &Session) -> Result<ssh2::KnownHosts> {
        let mut known =
            session.known_hosts().map_err(|err| AppError::internal(format!("known_hosts: {err}")))?;
        for file in std::iter::once(&self.path).chain(self.also_read.as_ref()) {
            if file.exists() {
                known
                    .read_file(file, KnownHostFileKind::OpenSSH)
                    .map_err(|err| AppError::internal(format!("Could not read {}: {err}", file.display())))?;
            }
        }
        Ok(known)
    }

    pub fn check(&self, session: &Session, host: &str, port: u16) -> Result<Verdict> {
        let (key, _) =
            session.host_key().ok_or_else(|| AppError::internal("The server sent no host key."))?;
        Ok(match self.load(session)?.check_port(host, port, key) {
            CheckResult::Match => Verdict::Known,
            CheckResult::Mismatch => Verdict::Changed,
            CheckResult::NotFound | CheckResult::Failure => Verdict::Unknown,
        })
    }

    /// Appends the server's key to VMDeck's own file.
    pub fn trust(&self, session: &Session, host: &str, port: u16) -> Result<()> {
        let (key, _) =
            session.host_key().ok_or_else(|| AppError::internal("The server sent no host key."))?;
        let format = key_format(session).ok_or_else(|| AppError::internal("Unknown host key type."))?;
        let mut own =
            session.known_hosts().map_err(|err| AppError::internal(format!("known_hosts: {err}")))?;
        if self.path.exists() {
            own.read_file(&self.path, KnownHostFileKind::OpenSSH).map_err(|err| {
                AppError::internal(format!("Could not read {}: {err}", self.path.display()))
            })?;
        }
        own.add(&host_entry(host, port), key, "added by VMDeck", format)
            .map_err(|err| AppError::internal(format!("Could not record the host key: {err}")))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|err| AppError::internal(format!("{}: {err}", dir.display())))?;
        }
        own.write_file(&self.path, KnownHostFileKind::OpenSSH)
            .map_err(|err| AppError::internal(format!("Could not write {}: {err}", self.path.display())))
    }

    /// Records `public_openssh` (`ssh-ed25519 AAAA… comment`) as the only key of host:port, replacing
    /// any older entry: a VM VMDeck made itself, whose host key it generated.
    pub fn pin(&self, host: &str, port: u16, public_openssh: &str) -> Result<()> {
        let mut parts = public_openssh.split_whitespace();
        let (Some(kind), Some(key)) = (parts.next(), parts.next()) else {
            return Err(AppError::internal("Not an OpenSSH public key."));
        };
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(err) => return Err(AppError::internal(format!("{}: {err}", self.path.display()))),
        };
        let entry = host_entry(host, port);
        let mut lines: Vec<&str> = text
            .lines()
            .filter(|line| {
                !line.split_whitespace().next().is_some_and(|hosts| hosts.split(',').any(|h| h == entry))
            })
            .collect();
        let pinned = format!("{entry} {kind} {key} pinned by VMDeck for a VM it created");
        lines.push(&pinned);
        if let Some(dir) = self.path.parent() {
            crate::fsutil::create_private_dir(dir)?;
        }
        crate::fsutil::write_private(&self.path, format!("{}\n", lines.join("\n")).as_bytes())
    }

    /// Removes every entry of a host from VMDeck's own file (after a VM was rebuilt, say).
    pub fn forget(&self, host: &str, port: u16) -> Result<usize> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(err) => return Err(AppError::internal(format!("{}: {err}", self.path.display()))),
        };
        let entry = host_entry(host, port);
        let (gone, kept): (Vec<&str>, Vec<&str>) = text.lines().partition(|line| {
            line.split_whitespace().next().is_some_and(|hosts| hosts.split(',').any(|h| h == entry))
        });
        let mut out = kept.join("\n");
        if !out.is_empty() {
            out.push('\n');
        }
        std::fs::write(&self.path, out)
            .map_err(|err| AppError::internal(format!("{}: {err}", self.path.display())))?;
        Ok(gone.len())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The error for a changed host key: refuse, say so plainly, and tell how to forget the old entry.
pub fn changed_key_error(host: &str, port: u16, fingerprint: &str, file: &Path) -> AppError {
    AppError::new(
        ErrorCode::HostKeyChanged,
        format!(
            "The host key of {} has changed since you trusted it. This can mean the VM was rebuilt, or that \
             someone is intercepting the connection. VMDeck did not connect. If you know the VM was rebuilt, \
             forget the old key and connect again.",
            host_entry(host, port)
        ),
    )
    .with_detail("fingerprint", fingerprint)
    .with_detail("known_hosts", file.display().to_string())
    .with_detail("host", host)
    .with_detail("port", port)
}
