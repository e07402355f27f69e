//! A WebSocket ↔ TCP bridge for one VNC console: noVNC in the webview speaks WebSocket, a VNC server
//! speaks plain TCP. One bridge per console on a one-time local socket (`crate::local_socket`): everything
//! but the one WebSocket with its token is refused with 403. A client that connects and says nothing is
//! dropped after a few seconds without holding up the console, and at most `MAX_BRIDGES` are open.

use super::auth;
use crate::error::{AppError, ErrorCode, Result};
use crate::local_socket::OneTimeSocket;
use crate::secret::Secret;
use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// How long a VNC server may take to accept the TCP connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the bridge waits for the webview's WebSocket before it gives up and frees its port.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the VNC login the bridge does may take.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(10);
/// The most consoles open at once: each holds a port and a connection to a VNC server.
pub const MAX_BRIDGES: usize = 16;

static OPEN_BRIDGES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Counts one open bridge for as long as it lives.
struct Slot;

impl Slot {
    fn take() -> Result<Self> {
        let taken = OPEN_BRIDGES.fetch_add(1, Ordering::SeqCst);
        if taken >= MAX_BRIDGES {
            OPEN_BRIDGES.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("{MAX_BRIDGES} consoles are open already: close one first."),
            ));
        }
        Ok(Slot)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        OPEN_BRIDGES.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The most bytes read from the VNC server per WebSocket message.
const CHUNK: usize = 64 * 1024;

/// A running bridge. Dropping it (or `close`) ends the console and frees the port.
pub struct VncBridge {
    port: u16,
    url: String,
    stop: Option<oneshot::Sender<()>>,
    finished: Option<oneshot::Receiver<()>>,
}

impl VncBridge {
    /// Connects to the VNC server first, so an unreachable console fails here with a coded error, then
    /// listens for the webview. The page does the VNC login itself (it asks the user).
    pub async fn start(host: &str, port: u16) -> Result<Self> {
        Self::start_with(host, port, None).await
    }

    /// As `start`; with a password the bridge logs in to the server now (a refused password is this
    /// call's error) and the page is offered no login, so the password never reaches the webview.
    pub async fn start_with(host: &str, port: u16, password: Option<Secret>) -> Result<Self> {
        let slot = Slot::take()?;
        let mut server = connect(host, port).await?;
        let logged_in = match password {
            Some(password) => Some(
                tokio::time::timeout(LOGIN_TIMEOUT, auth::login_server(&mut server, &password))
                    .await
                    .map_err(|_| {
                        AppError::new(ErrorCode::Timeout, "The VNC server did not finish the login in time.")
                    })??,
            ),
            None => None,
        };
        let socket = OneTimeSocket::bind().await?;
        let (port, url) = (socket.port, socket.url("vnc"));
        let (stop, stopped) = oneshot::channel();
        let (done, finished) = oneshot::channel();
        tokio::spawn(serve(socket, server, logged_in, stopped, done, slot));
        tracing::info!(port, "VNC bridge listening");
        Ok(Self { port, url, stop: Some(stop), finished: Some(finished) })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL noVNC opens; the token in it works once.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Ends the console and waits until the port is free again.
    pub async fn close(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(finished) = self.finished.take() {
            let _ = finished.await;
        }
    }
}

impl Drop for VncBridge {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn connect(host: &str, port: u16) -> Result<TcpStream> {
    let where_ = format!("{host}:{port}");
    match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, port))).await {
        Err(_) => Err(AppError::new(
            ErrorCode::Timeout,
            format!("The VNC server at {where_} did not answer in time."),
        )
        .with_detail("target", where_)),
        Ok(Err(err)) => Err(AppError::new(
            ErrorCode::Unreachable,
            format!("The VNC server at {where_} could not be reached: {err}."),
        )
        .with_detail("target", where_)),
        Ok(Ok(stream)) => {
            stream.set_nodelay(true).ok();
            Ok(stream)
        }
    }
}

/// Accepts the one WebSocket with the token, bridges it to the VNC server, and refuses every other
/// attempt until the console ends.
async fn serve(
    socket: OneTimeSocket,
    server: TcpStream,
    logged_in: Option<u32>,
    mut stopped: oneshot::Receiver<()>,
    _done: oneshot::Sender<()>,
    _slot: Slot,
) {
    // A client that says nothing holds up neither the console nor `close` (see `OneTimeSocket::accept`);
    // the port keeps refusing others while the console is open.
    let mut clients = socket.accept(Some("binary"));
    let mut server = Some(server);
    let mut session: Option<tokio::task::JoinHandle<()>> = None;
    let (ended, mut session_ended) = tokio::sync::mpsc::channel::<()>(1);
    let deadline = tokio::time::sleep(CLIENT_TIMEOUT);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            _ = &mut deadline, if session.is_none() => {
                tracing::info!("VNC bridge: no client came; closing");
                break;
            }
            _ = session_ended.recv() => break,
            Some(page) = clients.next() => match server.take() {
                Some(tcp) => {
                    let ended = ended.clone();
                    session = Some(tokio::spawn(async move {
                        pump(page, tcp, logged_in).await;
                        let _ = ended.send(()).await;
                    }));
                }
                None => drop(page),
            },
        }
    }
    clients.close().await;
    if let Some(session) = session {
        session.abort();
        let _ = session.await;
    }
    tracing::info!("VNC bridge closed");
}

/// Forwards binary frames both ways; when the bridge logged in already (protocol version `logged_in`),
/// it first greets the page in the server's place. Each direction awaits its write before reading more,
/// so a slow side slows the other instead of filling memory.
async fn pump(socket: tokio_tungstenite::WebSocketStream<TcpStream>, tcp: TcpStream, logged_in: Option<u32>) {
    let (mut to_browser, from_browser) = socket.split();
    let mut from_browser = auth::PageReader { stream: from_browser, buffered: Vec::new() };
    if let Some(minor) = logged_in {
        let greeting = auth::greet_page(&mut to_browser, &mut from_browser, minor);
        let failed = match tokio::time::timeout(LOGIN_TIMEOUT, greeting).await {
            Ok(Ok(())) => None,
            Ok(Err(reason)) => Some(reason),
            Err(_) => Some("The console page did not finish the login in time.".to_owned()),
        };
        if let Some(reason) = failed {
            tracing::info!("VNC bridge: the page's login failed: {reason}");
            let frame = CloseFrame { code: CloseCode::Policy, reason: reason.into() };
            let _ = to_browser.send(Message::Close(Some(frame))).await;
            return;
        }
    }
    let (mut from_server, mut to_server) = tcp.into_split();
    let upstream = async {
        // What the page sent along with its last login message belongs to the server first.
        let early = std::mem::take(&mut from_browser.buffered);
        if !early.is_empty() && to_server.write_all(&early).await.is_err() {
            return;
        }
        while let Some(message) = from_browser.stream.next().await {
            match message {
                Ok(Message::Binary(data)) => {
                    if to_server.write_all(&data).await.is_err() {
                        break;
                    }
                }
                Ok(Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let _ = to_server.shutdown().await;
    };
    let downstream = async {
        let mut buffer = vec![0u8; CHUNK];
        let reason = loop {
            match from_server.read(&mut buffer).await {
                Ok(0) => break "The VNC server closed the connection.",
                Ok(n) => {
                    if to_browser.send(Message::Binary(buffer[..n].to_vec().into())).await.is_err() {
                        return;
                    }
                }
                Err(_) => break "The connection to the VNC server broke.",
            }
        };
        let frame = CloseFrame { code: CloseCode::Away, reason: reason.into() };
        let _ = to_browser.send(Message::Close(Some(frame))).await;
    };
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn at_most_max_bridges_are_open_and_closing_one_frees_a_place() {
        let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = server.local_addr().unwrap().port();
        let mut open = Vec::new();
        for _ in 0..MAX_BRIDGES {
            open.push(VncBridge::start("127.0.0.1", port).await.unwrap());
        }
        let err = VncBridge::start("127.0.0.1", port).await.err().expect("one too many");
        assert_eq!(err.code, ErrorCode::Conflict);
        open.pop().unwrap().close().await;
        open.push(VncBridge::start("127.0.0.1", port).await.unwrap());
        for bridge in open {
            bridge.close().await;
        }
        drop(server);
    }
}
