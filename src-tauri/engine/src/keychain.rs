//! The OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret Service) through `keyring`.
//!
//! Every entry is namespaced by the app identifier as the keyring "service", so VMDeck never reads or
//! overwrites another program's entries. Errors become stable codes the UI can explain.

use crate::error::{AppError, ErrorCode};
use serde::Serialize;
use ts_rs::TS;

/// The account name of the probe entry: looked up, never written.
const PROBE_USER: &str = "vmdeck-keychain-probe";

/// Set once the process has switched to the Linux kernel keyring (see `fall_back_if_unavailable`).
static KERNEL_FALLBACK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

const FALLBACK_NOTE: &str = "No Secret Service is running, so secrets are kept in the Linux kernel keyring: \
they last until you log out, and VMDeck asks for them again after that. Install GNOME Keyring or KeePassXC \
(with its Secret Service enabled) to keep them.";

/// Whether the keychain can be used right now, as shown on the Settings page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct KeychainStatus {
    /// Human name of the platform store, e.g. "Secret Service (D-Bus)".
    pub backend: String,
    pub available: bool,
    /// Why it cannot be used, when it cannot.
    pub problem: Option<AppError>,
    /// What the user should know although it works (the kernel-keyring fallback).
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// `service` is the app identifier; every entry of the app lives under it.
    pub fn new(service: impl Into<String>) -> Self {
        Self { service: service.into() }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// The name of the store `keyring` uses on this platform.
    pub fn backend_name() -> &'static str {
        if KERNEL_FALLBACK.load(std::sync::atomic::Ordering::SeqCst) {
            "Linux kernel keyring (fallback)"
        } else if cfg!(target_os = "macos") {
            "macOS Keychain"
        } else if cfg!(target_os = "windows") {
            "Windows Credential Manager"
        } else {
            "Secret Service (D-Bus)"
        }
    }

    /// Asks the store for an entry that does not exist: "no entry" proves the store answers,
    /// without writing anything or prompting the user.
    pub fn probe(&self) -> KeychainStatus {
        let result = keyring::Entry::new(&self.service, PROBE_USER).and_then(|entry| entry.get_password());
        let problem = match result {
            Ok(_) | Err(keyring::Error::NoEntry) => None,
            Err(err) => Some(map_keyring_error(err)),
        };
        let note =
            KERNEL_FALLBACK.load(std::sync::atomic::Ordering::SeqCst).then(|| FALLBACK_NOTE.to_owned());
        KeychainStatus {
            backend: Self::backend_name().to_owned(),
            available: problem.is_none(),
            problem,
            note,
        }
    }

    /// On Linux without a reachable Secret Service, switches this process to the kernel keyring, the
    /// documented fallback: it works without a desktop session but forgets secrets at logout. Elsewhere,
    /// or when the store is merely locked, nothing changes. Call once at start-up.
    pub fn fall_back_if_unavailable(&self) -> KeychainStatus {
        let status = self.probe();
        #[cfg(target_os = "linux")]
        if status.problem.as_ref().is_some_and(|p| p.code == ErrorCode::KeychainUnavailable) {
            keyring::set_default_credential_builder(keyring::keyutils::default_credential_builder());
            KERNEL_FALLBACK.store(true, std::sync::atomic::Ordering::SeqCst);
            tracing::warn!("no Secret Service: using the kernel keyring");
            return self.probe();
        }
        status
    }
}

/// Maps a `keyring` failure to a coded error whose message says what the user can do.
pub fn map_keyring_error(err: keyring::Error) -> AppError {
    let cause = err.to_string();
    let (code, message) = match &err {
        keyring::Error::NoStorageAccess(_) => (
            ErrorCode::KeychainLocked,
            format!("The {} is locked or refused access. Unlock it and try again.", Keychain::backend_name()),
        ),
        keyring::Error::NoEntry => (ErrorCode::NotFound, "No such entry in the keychain.".to_owned()),
        keyring::Error::PlatformFailure(_) => (ErrorCode::KeychainUnavailable, unavailable_message()),
        _ => (ErrorCode::Internal, format!("The keychain rejected the request: {cause}")),
    };
    AppError::new(code, message).with_detail("cause", cause)
}

fn unavailable_message() -> String {
    if cfg!(target_os = "linux") {
        "No keychain is available. Install and start a Secret Service provider (GNOME Keyring or KeePassXC \
         with Secret Service enabled) and log in to a desktop session."
            .to_owned()
    } else {
        format!("The {} could not be used.", Keychain::backend_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_failure_means_unavailable_with_advice() {
        let err = map_keyring_error(keyring::Error::PlatformFailure("no dbus".into()));
        assert_eq!(err.code, ErrorCode::KeychainUnavailable);
        assert!(err.message.contains("Secret Service") || !cfg!(target_os = "linux"), "{}", err.message);
        assert_eq!(
            err.details.unwrap()["cause"],
            serde_json::json!("Platform secure storage failure: no dbus")
        );
    }

    #[test]
    fn no_storage_access_means_locked() {
        let err = map_keyring_error(keyring::Error::NoStorageAccess("locked".into()));
        assert_eq!(err.code, ErrorCode::KeychainLocked);
        assert!(err.message.contains("Unlock"), "{}", err.message);
    }
}
