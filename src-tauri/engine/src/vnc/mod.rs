//! In-app VNC consoles: the WebSocket bridge noVNC connects through, and where a console's password comes
//! from. Provider console URLs (Lunanode `vm/vnc`, Hyperstack's console link) need no bridge: the shell
//! opens them in a separate window.

pub mod bridge;

pub use bridge::VncBridge;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where the VNC password comes from when noVNC asks for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VncCredential {
    /// The `vnc_password` field (per the field mapping) of the Vault secret at this path, read with the
    /// Vault of `account_id` when that account has its own.
    Vault {
        path: String,
        #[serde(default)]
        account_id: Option<String>,
    },
    /// The password the provider set on its own VNC server (a local VM's QEMU), asked of the provider.
    Provider { account_id: String, vm_id: String },
    /// The user types it when the server asks; nothing is fetched.
    Prompt,
    /// The server asks for no password.
    None,
}

/// An open console: noVNC connects to `url` once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct VncOpened {
    #[ts(type = "number")]
    pub id: u64,
    pub url: String,
}
