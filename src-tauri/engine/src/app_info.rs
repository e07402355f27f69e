//! What the Settings/About page shows: version, where data and logs live, which keychain is in use.

use crate::keychain::{Keychain, KeychainStatus};
use serde::Serialize;
use std::path::PathBuf;
use ts_rs::TS;

/// Directories the shell resolved for this platform (Tauri's path resolver).
#[derive(Debug, Clone)]
pub struct AppDirs {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub identifier: String,
    pub data_dir: String,
    pub log_dir: String,
    pub os: String,
    pub arch: String,
    pub keychain: KeychainStatus,
}

impl AppInfo {
    /// Collects the facts; probing the keychain talks to the OS store, so call it off the UI thread.
    pub fn gather(name: &str, version: &str, dirs: &AppDirs, keychain: &Keychain) -> Self {
        Self {
            name: name.to_owned(),
            version: version.to_owned(),
            identifier: keychain.service().to_owned(),
            data_dir: dirs.data_dir.display().to_string(),
            log_dir: dirs.log_dir.display().to_string(),
            os: std::env::consts::OS.to_owned(),
            arch: std::env::consts::ARCH.to_owned(),
            keychain: keychain.probe(),
        }
    }
}
