//! An SSH terminal's bytes on a one-time local WebSocket (`crate::local_socket`): keystrokes in and the
//! shell's output out go straight between the page and the shell's thread. Through the app's IPC each
//! keystroke crossed the main thread twice, which was most of the echo time the window added (issue 17).
//!
//! The page receives, in order: output as binary messages, then one text message, the JSON of
//! `SshClosed`. It sends keystrokes as binary (or text) messages. A page that goes away ends the shell.

use super::shell::{ShellEvent, ShellHandle, ShellInput};
use super::SshClosed;
use crate::error::{AppError, Result};
use crate::local_socket::OneTimeSocket;
use futures_util::{SinkExt, StreamExt};
use ssh2::Session;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// How long the shell waits for its page before it closes.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);
/// Output chunks (of up to 64 KiB) held for a page that reads slower than the server writes; beyond
/// this the shell's thread waits, and so does the server.
const QUEUED_CHUNKS: usize = 64;

/// A running shell and the socket its page talks to. Dropping it (or `close`) ends both.
pub struct ShellSocket {
    shell: Option<ShellHandle>,
    task: tokio::task::JoinHandle<()>,
    url: String,
}

impl ShellSocket {
    /// Opens a PTY of `cols`×`rows` and a login shell on `session`, and serves it on a new local socket.
    /// `on_closed` runs once, on the shell's thread, when the shell has ended.
    pub async fn start(
        session: Session,
        cols: u32,
        rows: u32,
        on_closed: impl FnOnce() + Send + 'static,
    ) -> Result<Self> {
        let socket = OneTimeSocket::bind().await?;
        let url = socket.url("ssh");
        let (events, queued) = mpsc::channel(QUEUED_CHUNKS);
        let mut on_closed = Some(on_closed);
        let shell = tokio::task::spawn_blocking(move || {
            ShellHandle::start(session, cols, rows, move |event| {
                let closed = matches!(event, ShellEvent::Closed { .. });
                // The shell's own thread, never the runtime's: waiting here is the back-pressure.
                let _ = events.blocking_send(event);
                if closed {
                    if let Some(closed) = on_closed.take() {
                        closed();
                    }
                }
            })
        })
        .await
        .map_err(|err| AppError::internal(format!("The SSH set-up stopped: {err}")))??;
        let task = tokio::spawn(serve(socket, shell.input_handle(), queued));
        Ok(Self { shell: Some(shell), task, url })
    }

    /// The URL the page opens once; its token works once.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn resize(&self, cols: u32, rows: u32) {
        if let Some(shell) = &self.shell {
            shell.resize(cols, rows);
        }
    }

    /// Ends the shell and waits for its thread (blocking: call it off the async runtime).
    pub fn close(mut self) {
        // The socket first: a shell waiting to hand output to a page that reads no more is let go.
        self.task.abort();
        if let Some(shell) = self.shell.take() {
            shell.close();
        }
    }
}

impl Drop for ShellSocket {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Waits for the page, then carries keystrokes to the shell and output, then the close, to the page.
async fn serve(socket: OneTimeSocket, input: ShellInput, mut queued: mpsc::Receiver<ShellEvent>) {
    let Some(page) = socket.accept_one(CLIENT_TIMEOUT).await else {
        tracing::info!("SSH terminal: its page did not connect; closing the shell");
        input.close();
        return;
    };
    let (mut to_page, mut from_page) = page.split();
    let downstream = async {
        while let Some(event) = queued.recv().await {
            let message = match event {
                ShellEvent::Output(bytes) => Message::Binary(bytes.into()),
                ShellEvent::Closed { exit_status, error } => {
                    let closed = SshClosed { exit_status, error };
                    let text = serde_json::to_string(&closed).unwrap_or_else(|_| "{}".into());
                    let _ = to_page.send(Message::Text(text.into())).await;
                    let _ = to_page.close().await;
                    return;
                }
            };
            if to_page.send(message).await.is_err() {
                return;
            }
        }
    };
    let upstream = async {
        while let Some(message) = from_page.next().await {
            match message {
                Ok(Message::Binary(bytes)) => input.input(bytes.to_vec()),
                Ok(Message::Text(text)) => input.input(text.as_bytes().to_vec()),
                Ok(Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    tokio::select! {
        _ = downstream => {}
        _ = upstream => tracing::info!("SSH terminal: its page went away; closing the shell"),
    }
    input.close();
}
