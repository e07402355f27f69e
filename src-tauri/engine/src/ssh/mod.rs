//! SSH logins with `ssh2`: host keys checked against an OpenSSH known_hosts file (an unknown key needs
//! the user's decision, a changed key is refused), password / key / agent authentication, and an
//! interactive shell on its own thread that streams output in order and takes input, resizes and close.

mod connect;
pub(crate) mod host_keys;
pub mod openssh_config;
mod shell;
pub mod socket;
pub mod stored_keys;
pub mod system_terminal;

use crate::secret::Secret;
use serde::Deserialize;
use ts_rs::TS;

/// How the SSH dialog asks to log in; turned into an `SshAuth` (Vault paths are read first).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SshCredential {
    Password {
        #[ts(type = "string")]
        password: Secret,
    },
    KeyFile {
        path: String,
        #[ts(type = "string | null")]
        passphrase: Option<Secret>,
    },
    Agent,
    /// A Vault path whose secret holds the user and a password or private key; read with the Vault of
    /// `account_id` when that account has its own, else the app's.
    Vault {
        path: String,
        #[serde(default)]
        account_id: Option<String>,
        /// The VM this login is for: a login VMDeck fetches goes only to one of its hosts.
        #[serde(default)]
        vm_id: Option<String>,
    },
    /// The password the provider reports for the VM (Lunanode's `login_details`).
    ProviderPassword {
        account_id: String,
        vm_id: String,
    },
    /// A private key kept in the OS keychain under this name (see `stored_keys`).
    StoredKey {
        name: String,
        #[ts(type = "string | null")]
        passphrase: Option<Secret>,
    },
}

pub use connect::{connect, HostKeyDecision, SshAuth, SshLogin};
pub use host_keys::{fingerprint_sha256, KnownHosts};
pub use shell::{ShellEvent, ShellHandle, ShellInput};
pub use socket::ShellSocket;

/// How a terminal ended, the last message on its socket (`socket`): the exit status when the server
/// sent one, or why the link broke.
#[derive(Debug, Clone, serde::Serialize, TS)]
pub struct SshClosed {
    pub exit_status: Option<i32>,
    pub error: Option<crate::AppError>,
}

/// An opened terminal: its id for resize and close, the user it logged in as (Vault may name another
/// than the dialog's), and the one-time socket its page opens for the terminal's bytes (`socket`).
#[derive(Debug, Clone, serde::Serialize, TS)]
pub struct SshOpened {
    #[ts(type = "number")]
    pub id: u64,
    pub user: String,
    pub url: String,
}
