//! Thin command adapters, one file per domain. Each one unpacks state, calls the engine and returns
//! `Result<T, AppError>`, which reaches the UI as `{code, message, details}`.

pub mod app;
