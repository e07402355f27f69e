//! The OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret Service) through `keyring`.
//!
//! Every entry is namespaced by the app identifier as the keyring "service", so VMDeck never reads or
//! overwrites another program's entries. Errors become stable codes the UI can explain.

use crate::error::{AppError, ErrorCode};
use serde::Serialize;
use ts_rs::TS;

/// The account name of the probe entry: looked up, never written.
const PROBE_USER: &str = "vmdeck-keychain-probe";

/// Whether the keychain can be used right now, as shown on the Settings page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct KeychainStatus {
    /// Human name of the platform store, e.g. "Secret Service (D-Bus)".
    pub backend: String,
    pub available: bool,
    /// Why it cannot be used, when it cannot.
    pub problem: Option<AppError>,
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
        if cfg!(target_os = "macos") {
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
        KeychainStatus { backend: Self::backend_name().to_owned(), available: problem.is_none(), problem }
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
