//! SSH logins with `ssh2`: host keys checked against an OpenSSH known_hosts file (an unknown key needs
//! the user's decision, a changed key is refused), password / key / agent authentication, and an
//! interactive shell on its own thread that streams output in order and takes input, resizes and close.

mod connect;
mod host_keys;
mod shell;

pub use connect::{connect, HostKeyDecision, SshAuth, SshLogin};
pub use host_keys::{fingerprint_sha256, KnownHosts};
pub use shell::{ShellEvent, ShellHandle};
