//! The audit log (issue 18): every create, start, stop, reboot, delete, SSH and console open, Vault read and
//! account change, kept on this computer with its time, account, VM, result and error code. An entry has no
//! field that could hold a secret (ids, an action name, a stable error code), so none can be written.
//!
//! One JSON object per line in `audit.jsonl`; past `max_bytes` the file becomes `audit.1.jsonl` (the older
//! ones shift up to `audit.<keep>.jsonl`, the oldest is dropped): bounded, and a crash mid-write costs at
//! most the one line, which the reader skips.

use crate::error::{AppError, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AuditEntry {
    /// Milliseconds since the epoch.
    #[ts(type = "number")]
    pub at_ms: u64,
    /// What was done: `create`, `start`, `stop`, `reboot`, `hibernate`, `restore`, `delete`, `public_ip`,
    /// `ssh_open`, `console_open`, `vault_read`, `account_add`, `account_update`, `account_remove`.
    pub action: String,
    pub account_id: Option<String>,
    pub vm_id: Option<String>,
    /// The VM's name when the action was done (it outlives the VM).
    pub vm_name: Option<String>,
    /// Where, when it is not a VM of an account: `host:port` of an SSH login, a Vault path, a new VM's name.
    pub target: Option<String>,
    pub ok: bool,
    /// The stable code of the failure (never its message, which may quote a provider's answer).
    pub error_code: Option<ErrorCode>,
}

impl AuditEntry {
    /// An entry for `action`, now; the builder methods add what it was done to, `outcome` how it ended.
    pub fn new(action: &str) -> Self {
        Self {
            at_ms: now_ms(),
            action: action.to_owned(),
            account_id: None,
            vm_id: None,
            vm_name: None,
            target: None,
            ok: true,
            error_code: None,
        }
    }

    pub fn account(mut self, id: &str) -> Self {
        self.account_id = Some(id.to_owned());
        self
    }

    pub fn vm(mut self, id: &str) -> Self {
        self.vm_id = Some(id.to_owned());
        self
    }

    pub fn vm_name(mut self, name: Option<String>) -> Self {
        self.vm_name = name;
        self
    }

    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    pub fn outcome<T>(mut self, result: &Result<T>) -> Self {
        self.ok = result.is_ok();
        self.error_code = result.as_ref().err().map(|e| e.code);
        self
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub struct AuditLog {
    dir: PathBuf,
    max_bytes: u64,
    keep: usize,
    /// One writer at a time: lines never interleave, rotation never races an append.
    writing: Mutex<()>,
}

impl AuditLog {
    /// 1 MiB per file, three old files: about 20,000 entries in all.
    pub fn new(dir: &Path) -> Self {
        Self::with_limits(dir, 1024 * 1024, 3)
    }

    pub fn with_limits(dir: &Path, max_bytes: u64, keep: usize) -> Self {
        Self { dir: dir.to_owned(), max_bytes, keep, writing: Mutex::new(()) }
    }

    fn file(&self, n: usize) -> PathBuf {
        if n == 0 {
            self.dir.join("audit.jsonl")
        } else {
            self.dir.join(format!("audit.{n}.jsonl"))
        }
    }

    /// Appends one entry; a log that cannot be written is reported to the caller, who logs it and goes on
    /// (the action itself has happened).
    pub fn record(&self, entry: &AuditEntry) -> Result<()> {
        let _guard = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.file(0);
        if std::fs::metadata(&current).is_ok_and(|m| m.len() >= self.max_bytes) {
            self.rotate()?;
        }
        let mut line = serde_json::to_vec(entry).map_err(|e| AppError::internal(e.to_string()))?;
        line.push(b'\n');
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&current).map_err(|e| io(&current, e))?;
        // A line a crash cut short gets its end first, so this entry is not glued to it.
        if !ends_with_newline(&current)? {
            line.insert(0, b'\n');
        }
        // One write call per line: with O_APPEND, a line is never split by another writer.
        file.write_all(&line).map_err(|e| io(&current, e))?;
        Ok(())
    }

    fn rotate(&self) -> Result<()> {
        let oldest = self.file(self.keep);
        if oldest.exists() {
            std::fs::remove_file(&oldest).map_err(|e| io(&oldest, e))?;
        }
        for n in (0..self.keep).rev() {
            let from = self.file(n);
            if from.exists() {
                let to = self.file(n + 1);
                std::fs::rename(&from, &to).map_err(|e| io(&from, e))?;
            }
        }
        Ok(())
    }

    /// Every entry kept, newest first. A line that does not parse (cut by a crash) is skipped.
    pub fn read(&self) -> Result<Vec<AuditEntry>> {
        let mut entries = Vec::new();
        for n in (0..=self.keep).rev() {
            let path = self.file(n);
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(&path, e)),
            };
            entries.extend(text.lines().filter_map(|line| serde_json::from_str::<AuditEntry>(line).ok()));
        }
        entries.reverse();
        Ok(entries)
    }
}

/// True for an empty or missing file too.
fn ends_with_newline(path: &Path) -> Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(io(path, e)),
    };
    if file.metadata().map_err(|e| io(path, e))?.len() == 0 {
        return Ok(true);
    }
    let mut last = [0u8];
    file.seek(SeekFrom::End(-1)).and_then(|_| file.read_exact(&mut last)).map_err(|e| io(path, e))?;
    Ok(last[0] == b'\n')
}

fn io(path: &Path, err: std::io::Error) -> AppError {
    AppError::internal(format!("The audit log {}: {err}", path.display()))
}

#[cfg(test)]
mod tests;
