//! Logs go to a daily file in the platform log dir; the level comes from `RUST_LOG` (default `info`).

use std::path::Path;
pub use tracing_appender::non_blocking::WorkerGuard as LogGuard;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub const LOG_FILE_PREFIX: &str = "vmdeck.log";

/// Installs the global subscriber. Keep the guard alive for the life of the app: dropping it flushes
/// and stops the writer thread.
pub fn init(log_dir: &Path) -> std::io::Result<LogGuard> {
    // Logs name accounts, hosts and paths: the folder is the user's alone (0700 on Unix).
    crate::fsutil::create_private_dir(log_dir).map_err(|err| std::io::Error::other(err.message))?;
    let (writer, guard) =
        tracing_appender::non_blocking(tracing_appender::rolling::daily(log_dir, LOG_FILE_PREFIX));
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(writer).with_ansi(false))
        .with(fmt::layer().with_writer(std::io::stderr))
        .try_init()
        .map_err(std::io::Error::other)?;
    Ok(guard)
}
