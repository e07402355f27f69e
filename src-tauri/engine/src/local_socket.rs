//! One-time local WebSockets between the app's own page and the engine (VNC consoles, SSH terminals):
//! bound to 127.0.0.1 on a port the OS picks, opened by exactly one WebSocket that presents a random
//! token from the app's own page (a web page elsewhere sends its own `Origin`); every other attempt is
//! refused with 403. The bytes of a console never pass the app's main thread this way.

use crate::error::{AppError, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::server::{Callback, ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::WebSocketStream;

/// How long a connected client may take to finish the WebSocket handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// The origins of VMDeck's own page (Linux and macOS, then Windows' WebView2).
const APP_ORIGINS: [&str; 3] = ["tauri://localhost", "http://tauri.localhost", "https://tauri.localhost"];

/// A listening port with its one-time token.
pub struct OneTimeSocket {
    listener: TcpListener,
    pub port: u16,
    pub token: String,
    used: Arc<AtomicBool>,
}

impl OneTimeSocket {
    pub async fn bind() -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|err| {
            AppError::internal(format!("Could not open a local port for the console: {err}"))
        })?;
        let port = listener.local_addr().map_err(|err| AppError::internal(err.to_string()))?.port();
        Ok(Self { listener, port, token: one_time_token()?, used: Arc::new(AtomicBool::new(false)) })
    }

    /// The URL the page opens; `path` says what it is for (the token works once either way).
    pub fn url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}/{path}?token={}", self.port, self.token)
    }

    /// The handshake check for a connection to this socket: the app's origin, the token, the first time.
    /// `subprotocol` is answered when the page offers it (noVNC offers "binary").
    fn check(&self, subprotocol: Option<&'static str>) -> impl Callback + Send + Unpin + 'static {
        let token = self.token.clone();
        let used = self.used.clone();
        // tungstenite's handshake callback type fixes the error as a whole HTTP response.
        #[allow(clippy::result_large_err)]
        move |request: &Request, mut response: Response| {
            if !origin_allowed(request) || !same(&token_of(request).unwrap_or_default(), &token) {
                return Err(refuse(StatusCode::FORBIDDEN));
            }
            if used.swap(true, Ordering::SeqCst) {
                return Err(refuse(StatusCode::FORBIDDEN));
            }
            if let Some(wanted) = subprotocol {
                let offered = request.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok());
                if offered.is_some_and(|list| list.split(',').any(|p| p.trim() == wanted)) {
                    let value = tokio_tungstenite::tungstenite::http::HeaderValue::from_static(wanted);
                    response.headers_mut().insert("sec-websocket-protocol", value);
                }
            }
            Ok(response)
        }
    }

    /// Starts taking connections: each runs its handshake on its own task, so a local process that
    /// connects and says nothing (allowed `HANDSHAKE_TIMEOUT`) holds up nobody; those with the token
    /// come out of `Clients::next`, the rest are refused. `subprotocol`: see `check`.
    pub fn accept(self, subprotocol: Option<&'static str>) -> Clients {
        let (handshaken, sockets) = mpsc::channel(4);
        let accepting = tokio::spawn(async move {
            loop {
                match self.listener.accept().await {
                    Ok((stream, _)) => {
                        let check = self.check(subprotocol);
                        let handshaken = handshaken.clone();
                        tokio::spawn(async move {
                            if let Some(socket) = handshake(stream, check).await {
                                let _ = handshaken.send(socket).await;
                            }
                        });
                    }
                    // Out of file descriptors, say: try again soon rather than spin.
                    Err(err) => {
                        tracing::warn!("local socket could not accept a connection: {err}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
        Clients { sockets, accepting: Some(accepting) }
    }

    /// Waits up to `wait` for the one client and closes the port. None when nobody presented the
    /// token in time.
    pub async fn accept_one(self, wait: Duration) -> Option<WebSocketStream<TcpStream>> {
        let mut clients = self.accept(None);
        let page = tokio::time::timeout(wait, clients.next()).await.ok().flatten();
        clients.close().await;
        page
    }
}

/// The connections of a `OneTimeSocket` that passed its check; the port takes connections (and
/// refuses the wrong ones) until this is closed or dropped.
pub struct Clients {
    sockets: mpsc::Receiver<WebSocketStream<TcpStream>>,
    /// The accept loop; it owns the listener, so the port closes when it ends.
    accepting: Option<JoinHandle<()>>,
}

impl Clients {
    /// The next client that finished its handshake with the token.
    pub async fn next(&mut self) -> Option<WebSocketStream<TcpStream>> {
        self.sockets.recv().await
    }

    /// Stops taking connections and waits until the port is free.
    pub async fn close(mut self) {
        if let Some(accepting) = self.accepting.take() {
            accepting.abort();
            let _ = accepting.await;
        }
    }
}

impl Drop for Clients {
    fn drop(&mut self) {
        if let Some(accepting) = &self.accepting {
            accepting.abort();
        }
    }
}

/// Turns an accepted connection into a WebSocket when `check` lets it in and it finishes the handshake
/// within `HANDSHAKE_TIMEOUT`; None (logged) otherwise.
async fn handshake(stream: TcpStream, check: impl Callback + Unpin) -> Option<WebSocketStream<TcpStream>> {
    stream.set_nodelay(true).ok();
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, tokio_tungstenite::accept_hdr_async(stream, check)).await {
        Ok(Ok(socket)) => Some(socket),
        Ok(Err(err)) => {
            tracing::info!("local socket refused a connection: {err}");
            None
        }
        Err(_) => {
            tracing::info!("local socket dropped a client that did not finish its handshake");
            None
        }
    }
}

/// No `Origin` is a native client (it still needs the token); a browser page always sends its own.
fn origin_allowed(request: &Request) -> bool {
    match request.headers().get("origin").and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => APP_ORIGINS.contains(&origin.trim_end_matches('/')),
    }
}

fn one_time_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|err| AppError::internal(format!("No randomness for a console token: {err}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares without an early exit, so the time taken says nothing about how much of a guess was right.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn token_of(request: &Request) -> Option<String> {
    request.uri().query()?.split('&').find_map(|pair| pair.strip_prefix("token=")).map(str::to_owned)
}

fn refuse(status: StatusCode) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some("This console link is not valid (any more).".into()));
    *response.status_mut() = status;
    response
}
