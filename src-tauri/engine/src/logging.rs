//! Logs go to a daily file in the platform log dir; the level comes from `RUST_LOG` (default `info`).

use std::path::Path;
pub use tracing_appender::non_blocking::WorkerGuard as LogGuard;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub const LOG_FILE_PREFIX: &str = "vmdeck.log";
const KEEP_LOG_FILES: usize = 14;
/// Lines the log writer's queue holds (see `init`).
const LOG_QUEUE_LINES: usize = 4096;
/// How many distinct keys `first_time` remembers; past that it stays quiet rather than grow.
const FIRST_TIME_KEYS: usize = 10_000;

/// True the first time `key` is seen in this process. For warnings about a record that every listing
/// would repeat: with a listing every few seconds, one line per VM per listing buried the log.
pub fn first_time(key: impl Into<String>) -> bool {
    static SEEN: std::sync::Mutex<Option<std::collections::HashSet<String>>> = std::sync::Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let seen = seen.get_or_insert_with(Default::default);
    seen.len() < FIRST_TIME_KEYS && seen.insert(key.into())
}

/// Installs the global subscriber. Keep the guard alive for the life of the app: dropping it flushes
/// and stops the writer thread.
pub fn init(log_dir: &Path) -> std::io::Result<LogGuard> {
    // Logs name accounts, hosts and paths: the folder is the user's alone (0700 on Unix).
    crate::fsutil::create_private_dir(log_dir).map_err(|err| std::io::Error::other(err.message))?;
    // A file a day, the last two weeks kept: an app left open for months must not fill the disk.
    let files = tracing_appender::rolling::RollingFileAppender::builder()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(LOG_FILE_PREFIX)
        .max_log_files(KEEP_LOG_FILES)
        .build(log_dir)
        .map_err(std::io::Error::other)?;
    // The writer's queue is allocated and touched whole at start: the default (128,000 lines) was 4 MiB of the
    // app's resident memory (heaptrack, issue 17). A log line is written within microseconds of being queued,
    // so a few thousand lines of room only fill under a burst, and then lines are dropped, never waited for.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .finish(files);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(writer).with_ansi(false))
        .with(fmt::layer().with_writer(std::io::stderr))
        .try_init()
        .map_err(std::io::Error::other)?;
    Ok(guard)
}

#[cfg(test)]
mod tests {
    use super::first_time;

    #[test]
    fn first_time_is_true_once_per_key() {
        assert!(first_time("logging-test:a"));
        assert!(!first_time("logging-test:a"));
        assert!(first_time("logging-test:b"));
    }
}
