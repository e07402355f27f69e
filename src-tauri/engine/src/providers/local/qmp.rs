//! QEMU's machine protocol (QMP) through the `qapi` crate: typed commands over the VM's socket.

use crate::error::{AppError, ErrorCode, Result};
use qapi::qmp;
use std::io::ErrorKind;
use std::path::Path;
use std::time::Duration;

/// How long one QMP exchange may take: QEMU answers in milliseconds unless it is wedged.
const QMP_TIMEOUT: Duration = Duration::from_secs(5);

/// QEMU's run state as VMDeck needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Running,
    Paused,
    /// The guest powered off but QEMU still runs (it exits right after without `-no-shutdown`).
    Shutdown,
    /// Anything else QEMU reports (an I/O error, a crashed guest): the name as QEMU gives it.
    Other(&'static str),
}

fn qmp_error(socket: &Path, err: impl std::fmt::Display) -> AppError {
    AppError::new(
        ErrorCode::ProviderError,
        format!("QEMU's control socket did not answer as expected: {err}"),
    )
    .with_detail("socket", socket.display().to_string())
}

/// Connects, negotiates and runs `work` on the service, all within `QMP_TIMEOUT`. Err(NotFound) when
/// nothing listens on the socket (QEMU is not running).
async fn with_qmp<T, F, Fut>(socket: &Path, work: F) -> Result<T>
where
    F: FnOnce(Service) -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let run = async {
        let mut attempts = 0;
        let negotiation = loop {
            match open(socket).await {
                Ok(negotiation) => break negotiation,
                Err(err) if matches!(err.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused) => {
                    return Err(AppError::new(ErrorCode::NotFound, format!("QEMU is not running: {err}"))
                        .with_detail("socket", socket.display().to_string()));
                }
                // QEMU can flush an event queued for the previous client (a VNC client that just left)
                // to the next one before its greeting (seen in CI: "missing field `QMP`"); a fresh
                // connection gets a clean greeting.
                Err(err) if attempts < 3 => {
                    attempts += 1;
                    tracing::debug!("QMP greeting unreadable, connecting again: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => return Err(qmp_error(socket, err)),
            }
        };
        let stream = negotiation.negotiate().await.map_err(|err| qmp_error(socket, err))?;
        let (service, events) = stream.spawn_tokio();
        let out = work(service).await;
        events.abort();
        out
    };
    tokio::time::timeout(QMP_TIMEOUT, run).await.map_err(|_| {
        AppError::new(ErrorCode::Timeout, "QEMU's control socket did not answer within 5 s.")
            .with_detail("socket", socket.display().to_string())
    })?
}

#[cfg(unix)]
type Service =
    qapi::futures::QapiService<qapi::futures::QmpStreamTokio<tokio::io::WriteHalf<tokio::net::UnixStream>>>;
#[cfg(unix)]
async fn open(
    socket: &Path,
) -> std::io::Result<
    qapi::futures::QmpStreamNegotiation<
        qapi::futures::QmpStreamTokio<tokio::io::ReadHalf<tokio::net::UnixStream>>,
        qapi::futures::QmpStreamTokio<tokio::io::WriteHalf<tokio::net::UnixStream>>,
    >,
> {
    qapi::futures::QmpStreamTokio::open_uds(socket).await
}

// Windows: the "socket" file holds the loopback TCP port QEMU's QMP server listens on.
#[cfg(not(unix))]
type Service =
    qapi::futures::QapiService<qapi::futures::QmpStreamTokio<tokio::io::WriteHalf<tokio::net::TcpStream>>>;
#[cfg(not(unix))]
async fn open(
    socket: &Path,
) -> std::io::Result<
    qapi::futures::QmpStreamNegotiation<
        qapi::futures::QmpStreamTokio<tokio::io::ReadHalf<tokio::net::TcpStream>>,
        qapi::futures::QmpStreamTokio<tokio::io::WriteHalf<tokio::net::TcpStream>>,
    >,
> {
    let port = std::fs::read_to_string(socket)?;
    qapi::futures::QmpStreamTokio::open_tcp(("127.0.0.1", port.trim().parse::<u16>().unwrap_or(0))).await
}

pub async fn status(socket: &Path) -> Result<RunState> {
    with_qmp(socket, |service| async move {
        let info = service.execute(qmp::query_status {}).await.map_err(|err| qmp_error(socket, err))?;
        Ok(match info.status {
            qmp::RunState::running => RunState::Running,
            qmp::RunState::paused | qmp::RunState::suspended => RunState::Paused,
            qmp::RunState::shutdown => RunState::Shutdown,
            other => RunState::Other(run_state_name(other)),
        })
    })
    .await
}

fn run_state_name(state: qmp::RunState) -> &'static str {
    match state {
        qmp::RunState::internal_error => "internal-error",
        qmp::RunState::io_error => "io-error",
        qmp::RunState::guest_panicked => "guest-panicked",
        qmp::RunState::inmigrate | qmp::RunState::postmigrate | qmp::RunState::finish_migrate => "migrating",
        qmp::RunState::prelaunch => "prelaunch",
        _ => "other",
    }
}

/// Presses the ACPI power button: a graceful shutdown the guest may ignore.
pub async fn power_button(socket: &Path) -> Result<()> {
    run(socket, qmp::system_powerdown {}).await
}

/// A hard reset, like the reset button.
pub async fn reset(socket: &Path) -> Result<()> {
    run(socket, qmp::system_reset {}).await
}

/// Ends QEMU at once (the guest is not asked).
pub async fn quit(socket: &Path) -> Result<()> {
    run(socket, qmp::quit {}).await
}

pub async fn set_vnc_password(socket: &Path, password: &str) -> Result<()> {
    run(socket, qmp::change_vnc_password { password: password.to_owned() }).await
}

async fn run<C>(socket: &Path, command: C) -> Result<()>
where
    C: qmp::QmpCommand + qapi::Command + Send + 'static,
{
    with_qmp(socket, |service| async move {
        service.execute(command).await.map(|_| ()).map_err(|err| qmp_error(socket, err))
    })
    .await
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    const GREETING: &str = r#"{"QMP": {"version": {"qemu": {"micro": 2, "minor": 0, "major": 10}, "package": ""}, "capabilities": []}}"#;
    /// What QEMU sent a client in CI before the greeting: an event meant for the one before.
    const STRAY_EVENT: &str = r#"{"timestamp": {"seconds": 1764700000, "microseconds": 1}, "event": "VNC_DISCONNECTED", "data": {"server": {"auth": "vnc", "family": "ipv4", "service": "5901", "host": "127.0.0.1", "websocket": false}, "client": {"family": "ipv4", "service": "40000", "host": "127.0.0.1", "websocket": false}}}"#;

    /// A QMP server whose first client gets a stray event before the greeting, as QEMU can do.
    async fn qemu_like(socket: std::path::PathBuf) {
        let listener = tokio::net::UnixListener::bind(&socket).unwrap();
        let mut first = true;
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (read, mut write) = tokio::io::split(stream);
            let stray = std::mem::take(&mut first);
            tokio::spawn(async move {
                if stray {
                    write.write_all(format!("{STRAY_EVENT}\r\n").as_bytes()).await.unwrap();
                }
                write.write_all(format!("{GREETING}\r\n").as_bytes()).await.unwrap();
                let mut lines = BufReader::new(read).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let id = serde_json::from_str::<serde_json::Value>(&line).unwrap()["id"].clone();
                    let answer = if line.contains("query-status") {
                        serde_json::json!({"return": {"status": "running", "running": true, "singlestep": false}, "id": id})
                    } else {
                        serde_json::json!({"return": {}, "id": id})
                    };
                    write.write_all(format!("{answer}\r\n").as_bytes()).await.unwrap();
                }
            });
        }
    }

    #[tokio::test]
    async fn a_stray_event_before_the_greeting_is_answered_by_connecting_again() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("qmp.sock");
        tokio::spawn(qemu_like(socket.clone()));
        while !socket.exists() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(status(&socket).await.unwrap(), RunState::Running);
        let missing = status(&dir.path().join("nothing.sock")).await.unwrap_err();
        assert_eq!(missing.code, ErrorCode::NotFound, "{missing:?}");
    }
}
