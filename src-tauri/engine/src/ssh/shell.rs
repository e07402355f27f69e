//! An interactive shell on its own thread: the async runtime never blocks on SSH. Output is delivered in
//! order through a callback; input, resize and close arrive over a channel.

use crate::error::{AppError, ErrorCode, Result};
use ssh2::{Channel, Session};
use std::io::{ErrorKind, Read, Write};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub enum ShellEvent {
    Output(Vec<u8>),
    /// The shell ended: its exit status when the server sent one, or why the link broke.
    Closed {
        exit_status: Option<i32>,
        error: Option<AppError>,
    },
}

enum Command {
    Input(Vec<u8>),
    Resize { cols: u32, rows: u32 },
    Close,
}

pub struct ShellHandle {
    commands: Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl ShellHandle {
    /// Opens a PTY of `cols`×`rows` and a login shell, then pumps it on a new thread.
    pub fn start(
        session: Session,
        cols: u32,
        rows: u32,
        mut on_event: impl FnMut(ShellEvent) + Send + 'static,
    ) -> Result<Self> {
        let fail = |what: &str, err: ssh2::Error| {
            AppError::new(ErrorCode::ProviderError, format!("SSH {what}: {err}"))
        };
        let mut channel = session.channel_session().map_err(|e| fail("channel", e))?;
        channel.request_pty("xterm-256color", None, Some((cols, rows, 0, 0))).map_err(|e| fail("pty", e))?;
        channel.shell().map_err(|e| fail("shell", e))?;
        session.set_blocking(false);
        let (commands, inbox) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("ssh-shell".into())
            .spawn(move || pump(session, channel, inbox, &mut on_event))
            .map_err(|err| AppError::internal(format!("Could not start the SSH thread: {err}")))?;
        Ok(Self { commands, thread: Some(thread) })
    }

    pub fn input(&self, bytes: Vec<u8>) {
        let _ = self.commands.send(Command::Input(bytes));
    }

    /// A handle that only types and closes, for whatever carries the keystrokes (the terminal's socket).
    pub fn input_handle(&self) -> ShellInput {
        ShellInput { commands: self.commands.clone() }
    }

    pub fn resize(&self, cols: u32, rows: u32) {
        let _ = self.commands.send(Command::Resize { cols, rows });
    }

    /// Ends the shell and waits for its thread.
    pub fn close(mut self) {
        let _ = self.commands.send(Command::Close);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Types into a shell, or ends it; cloned from its `ShellHandle`.
#[derive(Clone)]
pub struct ShellInput {
    commands: Sender<Command>,
}

impl ShellInput {
    pub fn input(&self, bytes: Vec<u8>) {
        let _ = self.commands.send(Command::Input(bytes));
    }

    pub fn close(&self) {
        let _ = self.commands.send(Command::Close);
    }
}

impl Drop for ShellHandle {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Close);
    }
}

fn would_block(err: &std::io::Error) -> bool {
    err.kind() == ErrorKind::WouldBlock
}

/// Writes all of `bytes` on a non-blocking channel, waiting briefly whenever the window is full.
///
/// Never `flush()` a channel: `Write::flush` is libssh2's `libssh2_channel_flush`, which *discards* what the
/// server already sent and we have not read (its man page: "Flush the read buffer"). Called after each
/// keystroke, it threw away the echo of a character now and then. A written packet is already on its way.
fn write_all(channel: &mut Channel, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match channel.write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(err) if would_block(&err) => std::thread::sleep(Duration::from_millis(1)),
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// How long the pump polls closely after the last activity: keystroke echoes arrive within this.
const LIVELY: Duration = Duration::from_millis(200);
const LIVELY_POLL: Duration = Duration::from_micros(100);
const IDLE_POLL: Duration = Duration::from_millis(5);

fn pump(
    session: Session,
    mut channel: Channel,
    inbox: Receiver<Command>,
    on_event: &mut dyn FnMut(ShellEvent),
) {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut last_keepalive = Instant::now();
    let mut last_activity = Instant::now();
    // A command that arrived while waiting, handled first in the next round.
    let mut next: Option<Command> = None;
    let broken = |err: std::io::Error| {
        Some(AppError::new(ErrorCode::Unreachable, format!("The SSH connection broke: {err}")))
    };
    let error = 'pump: loop {
        let mut busy = false;
        // Everything the server has for us, in order.
        loop {
            match channel.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    busy = true;
                    on_event(ShellEvent::Output(buffer[..n].to_vec()));
                }
                Err(err) if would_block(&err) => break,
                Err(err) => break 'pump broken(err),
            }
        }
        if channel.eof() {
            break None;
        }
        loop {
            let command = match next.take() {
                Some(command) => Ok(command),
                None => inbox.try_recv(),
            };
            match command {
                Ok(Command::Input(bytes)) => {
                    busy = true;
                    if let Err(err) = write_all(&mut channel, &bytes) {
                        break 'pump broken(err);
                    }
                }
                Ok(Command::Resize { cols, rows }) => {
                    // Retried while the session would block, so a resize is never lost.
                    while let Err(err) = channel.request_pty_size(cols, rows, None, None) {
                        if err.code() != ssh2::ErrorCode::Session(-37) {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                Ok(Command::Close) | Err(TryRecvError::Disconnected) => {
                    session.set_blocking(true);
                    let _ = channel.close();
                    break 'pump None;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        if last_keepalive.elapsed() > Duration::from_secs(15) {
            let _ = session.keepalive_send();
            last_keepalive = Instant::now();
        }
        if busy {
            last_activity = Instant::now();
        } else {
            // Wake at once for input; poll the server closely for a moment after activity (echoes),
            // lazily when the session is idle.
            let wait = if last_activity.elapsed() < LIVELY { LIVELY_POLL } else { IDLE_POLL };
            match inbox.recv_timeout(wait) {
                Ok(command) => next = Some(command),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => next = Some(Command::Close),
            }
        }
    };
    session.set_blocking(true);
    let _ = channel.wait_close();
    let exit_status = channel.exit_status().ok();
    on_event(ShellEvent::Closed { exit_status, error });
}
