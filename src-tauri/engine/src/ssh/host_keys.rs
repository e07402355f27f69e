//! The app's known_hosts file (OpenSSH format), optionally also consulting `~/.ssh/known_hosts`.

use crate::error::{AppError, ErrorCode, Result};
use base64::Engine;
use ssh2::{CheckResult, HashType, HostKeyType, KnownHostFileKind, Session};
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
    /// A `@revoked` line of a known_hosts file names this key: never accepted.
    Revoked,
}

/// What the known_hosts files say beyond plain host keys, which libssh2 does not read: OpenSSH's
/// `@revoked` and `@cert-authority` markers (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT").
#[derive(Debug, Default, PartialEq)]
pub struct Markers {
    /// Base64 keys of `@revoked` lines: refused for every host.
    pub revoked: Vec<String>,
    /// Host patterns of `@cert-authority` lines: their hosts show certificates VMDeck cannot check.
    pub cert_authority_hosts: Vec<String>,
}

/// Splits a known_hosts text into the plain lines libssh2 reads and the marker lines it does not.
pub fn split_markers(text: &str) -> (Vec<&str>, Markers) {
    let mut plain = Vec::new();
    let mut markers = Markers::default();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let mut fields = line.split_whitespace();
        match fields.next() {
            Some("@revoked") => {
                // @revoked hosts keytype base64 [comment]
                if let Some(key) = fields.nth(2) {
                    markers.revoked.push(key.to_owned());
                }
            }
            Some("@cert-authority") => {
                if let Some(hosts) = fields.next() {
                    markers.cert_authority_hosts.extend(hosts.split(',').map(str::to_owned));
                }
            }
            Some(marker) if marker.starts_with('@') => {
                tracing::warn!("known_hosts: a line with the unknown marker {marker} is ignored");
            }
            _ => plain.push(line),
        }
    }
    (plain, markers)
}

/// Whether a known_hosts line is about `entry` (`host` or `[host]:port`).
fn names_entry(line: &str, entry: &str) -> bool {
    line.split_whitespace().next().is_some_and(|hosts| hosts.split(',').any(|h| h == entry))
}

/// The key type as OpenSSH writes it in known_hosts.
fn key_type_name(kind: HostKeyType) -> Option<&'static str> {
    Some(match kind {
        HostKeyType::Rsa => "ssh-rsa",
        HostKeyType::Dss => "ssh-dss",
        HostKeyType::Ecdsa256 => "ecdsa-sha2-nistp256",
        HostKeyType::Ecdsa384 => "ecdsa-sha2-nistp384",
        HostKeyType::Ecdsa521 => "ecdsa-sha2-nistp521",
        HostKeyType::Ed25519 => "ssh-ed25519",
        HostKeyType::Unknown => return None,
    })
}

impl KnownHosts {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into(), also_read: None }
    }

    fn load(&self, session: &Session) -> Result<(ssh2::KnownHosts, Markers)> {
        let mut known =
            session.known_hosts().map_err(|err| AppError::internal(format!("known_hosts: {err}")))?;
        let mut all = Markers::default();
        for file in std::iter::once(&self.path).chain(self.also_read.as_ref()) {
            let text = match std::fs::read_to_string(file) {
                Ok(text) => text,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(err) => {
                    return Err(AppError::internal(format!("Could not read {}: {err}", file.display())))
                }
            };
            let (plain, markers) = split_markers(&text);
            for line in plain {
                // OpenSSH skips a line it cannot read; so does VMDeck, saying so in the log.
                if let Err(err) = known.read_str(line, KnownHostFileKind::OpenSSH) {
                    tracing::warn!("{}: a line VMDeck cannot read is ignored: {err}", file.display());
                }
            }
            all.revoked.extend(markers.revoked);
            all.cert_authority_hosts.extend(markers.cert_authority_hosts);
        }
        Ok((known, all))
    }

    pub fn check(&self, session: &Session, host: &str, port: u16) -> Result<Verdict> {
        let (key, _) =
            session.host_key().ok_or_else(|| AppError::internal("The server sent no host key."))?;
        let (known, markers) = self.load(session)?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(key);
        if markers.revoked.contains(&encoded) {
            return Ok(Verdict::Revoked);
        }
        Ok(match known.check_port(host, port, key) {
            CheckResult::Match => Verdict::Known,
            CheckResult::Mismatch => Verdict::Changed,
            CheckResult::NotFound => Verdict::Unknown,
            CheckResult::Failure => {
                return Err(AppError::internal(format!(
                    "The host key of {host} could not be checked against the known hosts (libssh2 failed): VMDeck does not connect unchecked."
                )))
            }
        })
    }

    /// Adds the server's key to VMDeck's own file.
    pub fn trust(&self, session: &Session, host: &str, port: u16) -> Result<()> {
        let (key, kind) =
            session.host_key().ok_or_else(|| AppError::internal("The server sent no host key."))?;
        let name = key_type_name(kind).ok_or_else(|| AppError::internal("Unknown host key type."))?;
        let line = format!(
            "{} {name} {} added by VMDeck",
            host_entry(host, port),
            base64::engine::general_purpose::STANDARD.encode(key)
        );
        self.rewrite(|lines| lines.push(line))
    }

    /// Changes VMDeck's file under one process-wide lock and replaces it whole (temp file, fsync, rename):
    /// two trusts at once both land, and a crash leaves the old file or the new one, never a known host
    /// turned unknown.
    fn rewrite(&self, change: impl FnOnce(&mut Vec<String>)) -> Result<()> {
        static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = WRITING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(err) => return Err(AppError::internal(format!("{}: {err}", self.path.display()))),
        };
        let mut lines: Vec<String> =
            text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect();
        change(&mut lines);
        if let Some(dir) = self.path.parent() {
            crate::fsutil::create_private_dir(dir)?;
        }
        let mut out = lines.join("\n");
        if !out.is_empty() {
            out.push('\n');
        }
        crate::fsutil::write_private(&self.path, out.as_bytes())
    }

    /// Records `public_openssh` (`ssh-ed25519 AAAA… comment`) as the only key of host:port, replacing
    /// any older entry: a VM VMDeck made itself, whose host key it generated.
    pub fn pin(&self, host: &str, port: u16, public_openssh: &str) -> Result<()> {
        let mut parts = public_openssh.split_whitespace();
        let (Some(kind), Some(key)) = (parts.next(), parts.next()) else {
            return Err(AppError::internal("Not an OpenSSH public key."));
        };
        let entry = host_entry(host, port);
        let pinned = format!("{entry} {kind} {key} pinned by VMDeck for a VM it created");
        self.rewrite(|lines| {
            lines.retain(|line| !names_entry(line, &entry));
            lines.push(pinned);
        })
    }

    /// Removes every entry of a host from VMDeck's own file (after a VM was rebuilt, say).
    pub fn forget(&self, host: &str, port: u16) -> Result<usize> {
        if !self.path.exists() {
            return Ok(0);
        }
        let entry = host_entry(host, port);
        let mut gone = 0;
        self.rewrite(|lines| {
            let before = lines.len();
            lines.retain(|line| !names_entry(line, &entry));
            gone = before - lines.len();
        })?;
        Ok(gone)
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

#[cfg(test)]
mod marker_tests {
    #[test]
    fn revoked_and_cert_authority_lines_are_kept_apart_from_plain_ones() {
        let text = "# comment\n\n\
            @revoked * ssh-ed25519 AAAArevoked old laptop\n\
            @cert-authority *.lab.example,10.0.0.* ssh-ed25519 AAAAca lab CA\n\
            @future-marker host ssh-ed25519 AAAAx\n\
            [127.0.0.1]:2222 ssh-ed25519 AAAAplain\n";
        let (plain, markers) = super::split_markers(text);
        assert_eq!(plain, ["[127.0.0.1]:2222 ssh-ed25519 AAAAplain"]);
        assert_eq!(markers.revoked, ["AAAArevoked"]);
        assert_eq!(markers.cert_authority_hosts, ["*.lab.example", "10.0.0.*"]);
    }
}

#[cfg(test)]
mod tests {
    use super::KnownHosts;

    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIC3NhM0x6gM1bE5JdGQ0oHqRn0AZ4Xn5Bq1V3mWm6oJ7";

    #[test]
    fn concurrent_pins_all_land_and_forget_removes_only_its_host() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        std::thread::scope(|scope| {
            for t in 0..4u16 {
                let path = path.clone();
                scope.spawn(move || {
                    let known = KnownHosts::new(path);
                    for i in 0..25u16 {
                        known
                            .pin("127.0.0.1", 10_000 + t * 100 + i, &format!("ssh-ed25519 {KEY} c"))
                            .unwrap();
                    }
                });
            }
        });
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 100, "every pin from every thread");
        let known = KnownHosts::new(&path);
        assert_eq!(known.forget("127.0.0.1", 10_005).unwrap(), 1);
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 99);
        assert!(!std::fs::read_to_string(&path).unwrap().contains("[127.0.0.1]:10005 "));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
