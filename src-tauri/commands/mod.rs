//! Thin command adapters, one file per domain. Each one unpacks state, calls the engine and returns
//! `Result<T, AppError>`, which reaches the UI as `{code, message, details}`.

pub mod accounts;
pub mod app;
pub mod machines;
pub mod ssh;
pub mod vault;

use vmdeck_engine::AppError;

/// Runs blocking engine work (keychain, store files) off the async runtime.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| AppError::internal(format!("A background task failed: {err}")))?
}
