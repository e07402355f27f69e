//! OpenSSH client configuration for VMs (issue 18): one `Host` entry per VM ("Copy as ~/.ssh/config
//! entry"), and the opt-in managed file (`~/.ssh/config.d/vmdeck`) that lists every VM with an address and is
//! kept current as VMs come and go, so `ssh web-1` works in any terminal, checked against VMDeck's own
//! known_hosts (the keys the user trusted in the app) and then the user's.
//!
//! Format: ssh_config(5). Only `Host`, `HostName`, `User`, `Port` and `UserKnownHostsFile` are written;
//! VMDeck never touches `~/.ssh/config` itself: the user adds the one `Include` line.

use crate::accounts::{Account, JsonSettings};
use crate::error::{AppError, ErrorCode, Result};
use crate::fsutil;
use crate::model::Vm;
use crate::targets::{self, saved::SavedSshTarget};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use ts_rs::TS;

/// Where and as whom `ssh <alias>` logs in to one VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEntry {
    pub alias: String,
    pub host: String,
    pub port: u16,
    pub user: String,
}

/// A `Host` alias from a VM name: OpenSSH reads whitespace, `*`, `?`, `!`, `,`, quotes and `#` in a Host
/// line as separators, patterns or comments, so everything but letters, digits, `.`, `-` and `_` becomes `-`.
pub fn alias_of(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '-' })
        .collect();
    let trimmed = mapped.trim_matches('-');
    if trimmed.is_empty() {
        "vm".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A value as ssh_config reads it back: in double quotes when it holds whitespace. A value with a double
/// quote or a line break cannot be written at all (ssh_config has no escape for them).
fn value(text: &str) -> Result<String> {
    if text.contains('"') || text.contains('\n') || text.contains('\r') {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "“{text}” cannot be written into an OpenSSH config file (it holds a quote or a line break)."
            ),
        ));
    }
    Ok(if text.chars().any(char::is_whitespace) { format!("\"{text}\"") } else { text.to_owned() })
}

/// A host or user ssh_config cannot carry as one word.
fn unusable(text: &str) -> bool {
    text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '#')
}

/// One `Host` block; `known_hosts` is VMDeck's file, read before the user's own.
pub fn render_entry(entry: &HostEntry, known_hosts: &Path) -> Result<String> {
    for (field, text) in [("host", &entry.host), ("user", &entry.user)] {
        if unusable(text) {
            return Err(AppError::invalid_input(field, format!("“{text}” is not a usable SSH {field}.")));
        }
    }
    Ok(format!(
        "Host {alias}\n  HostName {host}\n  User {user}\n  Port {port}\n  UserKnownHostsFile {known} ~/.ssh/known_hosts\n",
        alias = entry.alias,
        host = entry.host,
        user = entry.user,
        port = entry.port,
        known = value(&known_hosts.display().to_string())?,
    ))
}

/// Gives every entry its own alias: the first VM of a name keeps it, a later one gets the account's alias
/// appended, then a number (`web-1`, `web-1-lab`, `web-1-lab-2`). Entries come as (account label, entry).
pub fn unique_aliases(entries: Vec<(String, HostEntry)>) -> Vec<HostEntry> {
    let mut taken = BTreeSet::new();
    entries
        .into_iter()
        .map(|(account, mut entry)| {
            let base = entry.alias.clone();
            let mut alias = base.clone();
            if taken.contains(&alias) {
                alias = format!("{base}-{}", alias_of(&account));
                let first = alias.clone();
                let mut n = 2;
                while taken.contains(&alias) {
                    alias = format!("{first}-{n}");
                    n += 1;
                }
            }
            taken.insert(alias.clone());
            entry.alias = alias;
            entry
        })
        .collect()
}

/// The entry of every listed VM with an address: the target the in-app SSH dialog starts from (the host,
/// port and user saved for the VM first), under its name's alias, unique across accounts. `saved` looks up
/// what the user saved by account and VM id.
pub fn entries_for(
    listed: &[(Account, Vec<Vm>)],
    saved: &dyn Fn(&str, &str) -> Option<SavedSshTarget>,
) -> Vec<HostEntry> {
    let mut all = Vec::new();
    for (account, vms) in listed {
        for vm in vms {
            let target = targets::for_account(account, vm, saved(&account.id, &vm.id));
            if !target.host.is_empty() {
                let entry = HostEntry {
                    alias: alias_of(&vm.name),
                    host: target.host,
                    port: target.port,
                    user: target.user,
                };
                all.push((account.draft.label.clone(), entry));
            }
        }
    }
    unique_aliases(all)
}

/// The managed file and how many hosts it lists: a header saying who writes it, then the entries by alias.
/// An entry that cannot be written (a user name with a space, say) is left out and named in the header, not
/// silently dropped.
pub fn render_file(entries: &[HostEntry], known_hosts: &Path) -> Result<(String, u32)> {
    let mut sorted: Vec<&HostEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.alias.cmp(&b.alias));
    let mut blocks = Vec::new();
    let mut skipped = Vec::new();
    for entry in sorted {
        if unusable(&entry.host) || unusable(&entry.user) {
            skipped.push(entry.alias.clone());
        } else {
            blocks.push(render_entry(entry, known_hosts)?);
        }
    }
    let hosts = blocks.len() as u32;
    let mut text = String::from(
        "# Written by VMDeck: every VM with an address, kept current while VMDeck lists your accounts.\n\
         # Edits here are overwritten; turn this off in VMDeck's Settings to keep the file as it is.\n",
    );
    if !skipped.is_empty() {
        text.push_str(&format!("# Left out (no usable host or user): {}\n", skipped.join(", ")));
    }
    for block in blocks {
        text.push('\n');
        text.push_str(&block);
    }
    Ok((text, hosts))
}

/// Whether the user turned the managed file on, and where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ManagedSshConfig {
    pub enabled: bool,
    pub path: String,
    /// The line the user adds at the top of `~/.ssh/config`.
    pub include_line: String,
    /// Hosts in the file as last written; None before it was written this session.
    pub hosts: Option<u32>,
}

const KEY: &str = "openssh_config";

#[derive(Default, Serialize, Deserialize)]
struct Saved {
    managed: bool,
}

/// The managed file and its setting (kept in the settings file under `openssh_config`).
pub struct ManagedConfigFile {
    settings: Arc<dyn JsonSettings>,
    path: PathBuf,
    /// What was last written, so a listing every few seconds writes only when a VM came, went or moved.
    written: Mutex<Option<(String, u32)>>,
}

impl ManagedConfigFile {
    /// `dir` is `~/.ssh/config.d` on every platform (OpenSSH for Windows reads `%USERPROFILE%\.ssh` too).
    pub fn new(settings: Arc<dyn JsonSettings>, dir: &Path) -> Self {
        Self { settings, path: dir.join("vmdeck"), written: Mutex::new(None) }
    }

    pub fn enabled(&self) -> Result<bool> {
        Ok(match self.settings.get(KEY)? {
            Some(value) => {
                serde_json::from_value::<Saved>(value)
                    .map_err(|err| {
                        AppError::internal(format!("The OpenSSH config setting could not be read: {err}"))
                    })?
                    .managed
            }
            None => false,
        })
    }

    pub fn status(&self) -> Result<ManagedSshConfig> {
        Ok(ManagedSshConfig {
            enabled: self.enabled()?,
            path: self.path.display().to_string(),
            include_line: format!("Include {}", value(&self.path.display().to_string())?),
            hosts: self.written.lock().unwrap().as_ref().map(|(_, n)| *n),
        })
    }

    /// Turns the file on (written at the next `keep`) or off (the file is removed: an `Include` of a missing
    /// file is not an error for OpenSSH).
    pub fn set_enabled(&self, on: bool) -> Result<()> {
        let value =
            serde_json::to_value(Saved { managed: on }).map_err(|err| AppError::internal(err.to_string()))?;
        self.settings.put(KEY, Some(value))?;
        if !on {
            *self.written.lock().unwrap() = None;
            match std::fs::remove_file(&self.path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    return Err(AppError::internal(format!(
                        "{} could not be removed: {err}",
                        self.path.display()
                    )))
                }
            }
        }
        Ok(())
    }

    /// Writes `entries` when the file is on and they changed since the last write; true when it wrote.
    pub fn keep(&self, entries: &[HostEntry], known_hosts: &Path) -> Result<bool> {
        if !self.enabled()? {
            return Ok(false);
        }
        let (text, hosts) = render_file(entries, known_hosts)?;
        let mut written = self.written.lock().unwrap();
        if written.as_ref().is_some_and(|(last, _)| *last == text) && self.path.exists() {
            return Ok(false);
        }
        let dir = self.path.parent().expect("the file is in config.d");
        if !dir.exists() {
            fsutil::create_private_dir(dir)?;
        }
        fsutil::write_private(&self.path, text.as_bytes())?;
        *written = Some((text, hosts));
        Ok(true)
    }
}

#[cfg(test)]
mod tests;
