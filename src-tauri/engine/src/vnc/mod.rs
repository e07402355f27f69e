//! In-app VNC consoles: the WebSocket bridge noVNC connects through, and where a console's password comes
//! from. Provider console URLs (Lunanode `vm/vnc`, Hyperstack's console link) need no bridge: the shell
//! opens them in a separate window.

mod auth;
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

/// Whether a console may connect to `host`: only an address of the VM it is opened for, or the endpoint
/// its provider gave for its console. A webview that was tricked cannot turn the bridge into a way to any
/// host the computer reaches.
pub fn target_allowed(
    vm: &crate::model::Vm,
    console: Option<&crate::model::ConsoleTarget>,
    host: &str,
) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    let of_console = matches!(console, Some(crate::model::ConsoleTarget::Vnc { host: h, .. }) if h == host);
    of_console || vm.addresses.iter().any(|a| a.ip == host)
}

#[cfg(test)]
mod target_tests {
    use crate::model::{Address, ConsoleTarget, Vm};

    fn vm(ips: &[&str]) -> Vm {
        Vm { addresses: ips.iter().map(|ip| Address::new(ip, true)).collect(), ..Vm::for_tests("v", "web") }
    }

    #[test]
    fn only_the_vms_addresses_and_its_console_endpoint() {
        let web = vm(&["203.0.113.5", "2001:db8::5"]);
        assert!(super::target_allowed(&web, None, "203.0.113.5"));
        assert!(super::target_allowed(&web, None, "[2001:db8::5]"));
        assert!(!super::target_allowed(&web, None, "169.254.169.254"));
        assert!(!super::target_allowed(&web, None, "127.0.0.1"));
        let console = ConsoleTarget::Vnc { host: "127.0.0.1".into(), port: 5901 };
        assert!(super::target_allowed(&web, Some(&console), "127.0.0.1"));
    }
}

/// An open console: noVNC connects to `url` once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct VncOpened {
    #[ts(type = "number")]
    pub id: u64,
    pub url: String,
}
