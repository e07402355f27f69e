//! QEMU's machine protocol (QMP) through the `qapi` crate: typed commands over the VM's socket.

use crate::error::{AppError, ErrorCode, Result};
use qapi::qmp;
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
        let negotiation = open(socket).await.map_err(|err| {
            AppError::new(ErrorCode::NotFound, format!("QEMU is not running: {err}"))
                .with_detail("socket", socket.display().to_string())
        })?;
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
