//! One-time local WebSockets between the app's own page and the engine (VNC consoles, SSH terminals):
//! bound to 127.0.0.1 on a port the OS picks, opened by exactly one WebSocket that presents a random
//! token from the app's own page (a web page elsewhere sends its own `Origin`); every other attempt is
//! refused with 403. The bytes of a console never pass the app's main thread this way.

use crate::error::{AppError, Result};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{Callback, ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::WebSocketStream;

/// How long a connected client may take to finish the WebSocket handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// The origins of VMDeck's own page (Linux and macOS, then Windows' WebView2).
const APP_ORIGINS: [&str; 3] = ["tauri://localhost", "http://tauri.localhost", "https://tauri.localhost"];

/// A listening port with its one-time token.
pub struct OneTimeSocket {
    pub listener: TcpListener,
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
    pub fn check(&self, subprotocol: Option<&'static str>) -> impl Callback + Send + Unpin + 'static {
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

    /// Waits up to `wait` for the one client, refusing the others (wrong token or origin) on the way.
    /// None when nobody presented the token in time.
    ///
    /// Each handshake runs on its own task: a local process that connects and says nothing (allowed
    /// `HANDSHAKE_TIMEOUT`) does not hold up the page's own connection behind it.
    pub async fn accept_one(self, wait: Duration) -> Option<WebSocketStream<TcpStream>> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut handshakes = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = tokio::time::timeout_at(deadline, self.listener.accept()) => match accepted {
                    Ok(Ok((stream, _))) => {
                        handshakes.spawn(handshake(stream, self.check(None)));
                    }
                    // Out of time (or the listener failed): a handshake already under way may still finish.
                    _ => {
                        while let Some(done) = handshakes.join_next().await {
                            if let Ok(Some(socket)) = done {
                                return Some(socket);
                            }
                        }
                        return None;
                    }
                },
                Some(done) = handshakes.join_next() => {
                    if let Ok(Some(socket)) = done {
                        return Some(socket);
                    }
                }
            }
        }
    }
}

/// Turns an accepted connection into a WebSocket when `check` lets it in and it finishes the handshake
/// within `HANDSHAKE_TIMEOUT`; None (logged) otherwise.
pub async fn handshake(
    stream: TcpStream,
    check: impl Callback + Unpin,
) -> Option<WebSocketStream<TcpStream>> {
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
