// Generated from the Rust types of src-tauri/engine by `UPDATE_BINDINGS=1 cargo test -p vmdeck-engine bindings`.
// Do not edit by hand.

export type ErrorCode = "internal" | "invalid_input" | "auth_failed" | "permission_denied" | "not_found" | "conflict" | "rate_limited" | "timeout" | "unreachable" | "tls_failure" | "malformed_response" | "provider_error" | "keychain_unavailable" | "keychain_locked" | "vault_sealed" | "vault_denied" | "host_key_changed" | "host_key_unknown" | "cancelled";

export type AppError = { code: ErrorCode, 
/**
 * One or two sentences a user can act on.
 */
message: string, 
/**
 * Structured context (field names, HTTP status, the provider's own message); never secrets.
 */
details: Record<string, unknown> | null, };

export type KeychainStatus = { 
/**
 * Human name of the platform store, e.g. "Secret Service (D-Bus)".
 */
backend: string, available: boolean, 
/**
 * Why it cannot be used, when it cannot.
 */
problem: AppError | null, };

export type AppInfo = { name: string, version: string, identifier: string, data_dir: string, log_dir: string, os: string, arch: string, keychain: KeychainStatus, };
