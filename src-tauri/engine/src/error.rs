//! The one error type the UI sees: `{code, message, details}` with a stable, machine-readable code.
//!
//! The UI branches on `code` and shows `message`; it never parses text. Codes are part of the
//! contract with the UI (and the generated bindings): rename one only together with the UI.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Stable error classes. Serialised in snake_case, e.g. `"keychain_unavailable"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A bug or an unexpected state of ours; the message says what happened.
    Internal,
    /// The user's input fails validation; `details` may name the field.
    InvalidInput,
    /// The provider or Vault rejected the credentials (wrong key, expired token).
    AuthFailed,
    /// Authenticated, but not allowed to do this.
    PermissionDenied,
    /// The thing asked for does not exist (any more).
    NotFound,
    /// The request conflicts with the current state (e.g. stop a stopped VM, duplicate name).
    Conflict,
    /// The provider asked us to slow down; `details.retry_after_secs` when it said how long.
    RateLimited,
    /// The peer did not answer in time.
    Timeout,
    /// The peer could not be reached at all (DNS, refused connection, no route).
    Unreachable,
    /// TLS handshake or certificate verification failed.
    TlsFailure,
    /// The peer answered with something we could not understand (malformed JSON, an HTML page).
    MalformedResponse,
    /// The provider reported a failure of its own (5xx or an error body).
    ProviderError,
    /// No OS keychain could be used (e.g. no Secret Service running on Linux).
    KeychainUnavailable,
    /// The OS keychain exists but is locked, or access was refused by the user.
    KeychainLocked,
    /// Vault is sealed.
    VaultSealed,
    /// Vault denied access to the path (policy).
    VaultDenied,
    /// An SSH host presented a key different from the one we trusted before.
    HostKeyChanged,
    /// An SSH host key is not known yet and needs the user's decision.
    HostKeyUnknown,
    /// An SSH host key is marked `@revoked` in a known_hosts file: never accepted.
    HostKeyRevoked,
    /// A downloaded update failed its signature check or is not a package this installation can install.
    UpdateRejected,
    /// The user cancelled the operation.
    Cancelled,
    /// The backend has no such operation (e.g. reboot on the Cloud VM API).
    Unsupported,
}

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Serialize, TS, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct AppError {
    pub code: ErrorCode,
    /// One or two sentences a user can act on.
    pub message: String,
    /// Structured context (field names, HTTP status, the provider's own message); never secrets.
    #[ts(type = "Record<string, unknown> | null")]
    pub details: Option<serde_json::Value>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), details: None }
    }

    /// Adds one `key: value` pair to `details`, creating the object on first use.
    pub fn with_detail(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        let details = self.details.get_or_insert_with(|| serde_json::Value::Object(Default::default()));
        if let serde_json::Value::Object(map) = details {
            map.insert(key.to_owned(), value.into());
        }
        self
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    pub fn invalid_input(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message).with_detail("field", field)
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Whether a transport error's cause chain says the TLS handshake or certificate check failed (rustls and
/// native TLS word it differently; speaking TLS to a plain-HTTP port shows as a "corrupt message").
pub fn is_tls_failure(cause: &str) -> bool {
    let lower = cause.to_lowercase();
    ["certificate", "tls", "handshake", "ssl", "corrupt message", "invalidcontenttype"]
        .iter()
        .any(|w| lower.contains(w))
}

/// An error and its sources, joined with ": ", for `details.cause` (transport errors hide the useful
/// part, e.g. "connection refused", in a source).
pub fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    without_userinfo(&parts.join(": "))
}

/// `scheme://user:password@host` → `scheme://host` everywhere in a text: an error that names a proxy or
/// a URL must not carry its credentials to the UI or the log.
pub fn without_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        // The authority ends at the first '/', '?', '#', whitespace or quote; userinfo ends at its last '@'.
        let end = after
            .find(|c: char| matches!(c, '/' | '?' | '#' | ')' | '"' | '\'') || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(user_end) => out.push_str(&authority[user_end + 1..]),
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn userinfo_is_taken_out_of_urls_in_error_texts() {
        assert_eq!(
            without_userinfo("error sending request for url (https://api.example/v1): proxy http://alice:s3cret@proxy.lan:3128 refused"),
            "error sending request for url (https://api.example/v1): proxy http://proxy.lan:3128 refused"
        );
        assert_eq!(
            without_userinfo("http://tok@host/x?a=b@c"),
            "http://host/x?a=b@c",
            "an @ after the path stays"
        );
        assert_eq!(without_userinfo("no url here"), "no url here");
    }

    #[test]
    fn serialises_as_code_message_details() {
        let err = AppError::invalid_input("name", "A name is required.").with_detail("max_len", 50);
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            json!({
                "code": "invalid_input",
                "message": "A name is required.",
                "details": {"field": "name", "max_len": 50}
            })
        );
    }

    #[test]
    fn details_are_null_when_absent() {
        let err = AppError::new(ErrorCode::KeychainUnavailable, "No keychain.");
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            json!({"code": "keychain_unavailable", "message": "No keychain.", "details": null})
        );
    }
}
