//! Updates: what the UI is told about a newer release and what a failed check or install means to a user.
//!
//! The shell runs `tauri-plugin-updater` (it needs the app handle); this module holds the shapes the UI
//! sees and turns each way an update can fail into a stable code and a sentence the user can act on.
//! Nothing is installed unless its minisign signature checks out against the public key built into the app.

use crate::error::{AppError, ErrorCode};
use serde::Serialize;
use ts_rs::TS;

/// A newer release the update server offers.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct UpdateOffer {
    pub version: String,
    pub current_version: String,
    /// Release notes as the release published them (plain text or Markdown, shown as text).
    pub notes: Option<String>,
    /// Publication date, RFC 3339, when the release names one.
    pub date: Option<String>,
}

/// Download progress of an update, sent while it downloads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
pub struct UpdateProgress {
    #[ts(type = "number")]
    pub downloaded: u64,
    /// The size the server announced, when it did.
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

/// Why a check or an install failed, as far as the user needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateFailure {
    /// The update server could not be reached or did not answer in time.
    Unreachable(String),
    /// The server's answer is not an update manifest, or names no build for this platform.
    BadManifest(String),
    /// The download does not match its signature, or the signature is not one of ours.
    BadSignature(String),
    /// The signed build is not a package this installation can install (e.g. an .rpm for a .deb install).
    WrongPackage,
    /// The package manager refused or the user declined the administrator prompt.
    InstallRefused(String),
    Other(String),
}

/// The refusal for a copy built from source.
pub fn from_source_error() -> AppError {
    AppError::new(
        ErrorCode::Unsupported,
        "This copy of VMDeck was built from source, so it cannot update itself: pull and build again, or install a \
         release package.",
    )
}

impl UpdateFailure {
    /// The error the UI shows. Every refusal says the running version is untouched, because it is.
    pub fn into_error(self) -> AppError {
        const UNTOUCHED: &str = "Nothing was installed; this version keeps running.";
        let (code, message, cause) = match self {
            UpdateFailure::Unreachable(cause) => (
                ErrorCode::Unreachable,
                "Could not reach the update server. Check the network and try again.".to_owned(),
                cause,
            ),
            UpdateFailure::BadManifest(cause) => (
                ErrorCode::MalformedResponse,
                "The update server's answer is not a valid update for this platform.".to_owned(),
                cause,
            ),
            UpdateFailure::BadSignature(cause) => (
                ErrorCode::UpdateRejected,
                format!("The downloaded update failed its signature check and was refused. {UNTOUCHED}"),
                cause,
            ),
            UpdateFailure::WrongPackage => (
                ErrorCode::UpdateRejected,
                format!("The downloaded update is not a package this installation can install. {UNTOUCHED}"),
                String::new(),
            ),
            UpdateFailure::InstallRefused(cause) => (
                ErrorCode::PermissionDenied,
                format!("The package manager did not install the update (was the administrator prompt declined?). {UNTOUCHED}"),
                cause,
            ),
            UpdateFailure::Other(cause) => {
                (ErrorCode::Internal, format!("The update failed. {UNTOUCHED}"), cause)
            }
        };
        let error = AppError::new(code, message);
        if cause.is_empty() {
            error
        } else {
            error.with_detail("cause", crate::error::without_userinfo(&cause))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_signature_is_refused_with_its_own_code_and_says_nothing_changed() {
        let err = UpdateFailure::BadSignature("Signature verification failed".into()).into_error();
        assert_eq!(err.code, ErrorCode::UpdateRejected);
        assert!(err.message.contains("signature"), "{}", err.message);
        assert!(err.message.contains("this version keeps running"), "{}", err.message);
        assert_eq!(err.details.unwrap()["cause"], "Signature verification failed");
    }

    #[test]
    fn failures_map_to_the_codes_the_ui_branches_on() {
        let codes = [
            (UpdateFailure::Unreachable("x".into()), ErrorCode::Unreachable),
            (UpdateFailure::BadManifest("x".into()), ErrorCode::MalformedResponse),
            (UpdateFailure::WrongPackage, ErrorCode::UpdateRejected),
            (UpdateFailure::InstallRefused("x".into()), ErrorCode::PermissionDenied),
            (UpdateFailure::Other("x".into()), ErrorCode::Internal),
        ];
        for (failure, code) in codes {
            assert_eq!(failure.into_error().code, code);
        }
    }

    #[test]
    fn a_cause_naming_a_url_with_a_login_loses_the_login() {
        let err = UpdateFailure::Unreachable(
            "error sending request for url (https://me:pw@updates.example/x)".into(),
        )
        .into_error();
        let cause = err.details.unwrap()["cause"].as_str().unwrap().to_owned();
        assert!(!cause.contains("pw"), "{cause}");
    }

    #[test]
    fn a_copy_built_from_source_is_told_how_to_update() {
        let err = from_source_error();
        assert_eq!(err.code, ErrorCode::Unsupported);
        assert!(err.message.contains("built from source"));
    }
}
