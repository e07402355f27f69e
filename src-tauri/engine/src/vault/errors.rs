//! vaultrs errors as the stable codes the UI explains: sealed, denied, not found, TLS, unreachable.

use crate::error::{cause_chain, is_tls_failure, AppError, ErrorCode};
use vaultrs::error::ClientError;

pub fn map_vault_error(err: ClientError, address: &str, path: Option<&str>) -> AppError {
    let err = with_status(err);
    let at = path.map(|p| format!(" at \u{201c}{p}\u{201d}")).unwrap_or_default();
    let error = match &err {
        ClientError::APIError { code: 503, errors } => AppError::new(
            ErrorCode::VaultSealed,
            "Vault is sealed (or in maintenance). Unseal it, e.g. with `vault operator unseal`, and try again.",
        )
        .with_detail("vault_errors", errors.clone()),
        ClientError::APIError { code: 403, errors } => AppError::new(
            ErrorCode::VaultDenied,
            format!("Vault denied access{at}: permission denied. Ask for a policy that allows reading it, or check the token."),
        )
        .with_detail("vault_errors", errors.clone()),
        ClientError::APIError { code: 404, .. } => {
            AppError::new(ErrorCode::NotFound, format!("Vault has no secret{at}. Check the path (and its version)."))
        }
        ClientError::APIError { code: 300..=399, .. } => AppError::new(
            ErrorCode::ProviderError,
            format!("Vault at {address} redirected this request to another address; VMDeck does not follow it there, so the token stays where you confirmed it. Check the Vault address."),
        ),
        ClientError::APIError { code, errors } => AppError::new(
            ErrorCode::ProviderError,
            format!("Vault answered HTTP {code}{at}: {}", errors.join("; ")),
        )
        .with_detail("status", *code),
        ClientError::RestClientError {
            source:
                rustify::errors::ClientError::ResponseParseError { .. }
                | rustify::errors::ClientError::ResponseConversionError { .. },
        } => AppError::new(
            ErrorCode::MalformedResponse,
            format!("The answer from {address}{at} is not Vault's: {}", cause_chain(&err)),
        ),
        ClientError::RestClientError { .. } | ClientError::RestClientBuildError { .. } => {
            let cause = cause_chain(&err);
            let lower = cause.to_lowercase();
            if is_tls_failure(&cause) {
                AppError::new(ErrorCode::TlsFailure, format!("The TLS connection to Vault at {address} failed: {cause}"))
            } else if lower.contains("timed out") || lower.contains("timeout") {
                AppError::new(ErrorCode::Timeout, format!("Vault at {address} did not answer in time."))
            } else {
                AppError::new(ErrorCode::Unreachable, format!("Could not reach Vault at {address}. Is it running, and is the address right?"))
                    .with_detail("cause", cause)
            }
        }
        ClientError::JsonParseError { .. } | ClientError::ResponseEmptyError | ClientError::ResponseDataEmptyError => {
            AppError::new(ErrorCode::MalformedResponse, format!("Vault's answer{at} could not be read: {err}"))
        }
        _ => AppError::new(ErrorCode::Internal, format!("Vault request failed: {err}")),
    };
    error.with_detail("vault", address)
}

/// vaultrs reads an error answer only when it has an `errors` list; real servers also answer a status
/// with other bodies (a KV v1 read on a KV v2 mount is a 404 with only `warnings`). Such an answer is
/// an API error with that status, not a failure to reach the server.
fn with_status(err: ClientError) -> ClientError {
    match err {
        ClientError::RestClientError {
            source: rustify::errors::ClientError::ServerResponseError { code, content },
        } => {
            let body: serde_json::Value =
                content.as_deref().and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
            let texts = |key: &str| -> Vec<String> {
                body[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            };
            let mut errors = texts("errors");
            errors.extend(texts("warnings"));
            if errors.is_empty() {
                errors
                    .extend(content.filter(|c| !c.trim().is_empty()).map(|c| c.chars().take(200).collect()));
            }
            ClientError::APIError { code, errors }
        }
        other => other,
    }
}

/// A refused login (400/403 on the login path) means the credentials are wrong.
pub fn login_error(err: ClientError, address: &str) -> AppError {
    let err = with_status(err);
    match &err {
        ClientError::APIError { code: 400 | 401 | 403, errors } => AppError::new(
            ErrorCode::AuthFailed,
            format!(
                "Vault rejected the sign-in: {}",
                errors.first().map_or("invalid credentials", String::as_str)
            ),
        )
        .with_detail("vault", address),
        _ => map_vault_error(err, address, None),
    }
}

/// lookup-self refused: the token is unknown, revoked or expired.
pub fn token_error(err: ClientError, address: &str) -> AppError {
    let err = with_status(err);
    match &err {
        ClientError::APIError { code: 403, .. } => AppError::new(
            ErrorCode::AuthFailed,
            "Vault does not accept this token: it is wrong, revoked or expired. Enter a new one in Settings.",
        )
        .with_detail("vault", address),
        _ => map_vault_error(err, address, None),
    }
}
