//! VMDeck's engine: everything the desktop app does that does not need a webview.
//!
//! The Tauri shell (`src-tauri/`) adapts these types and functions to commands, state and events;
//! nothing here depends on Tauri, so the engine builds and tests on a machine without WebKit.

pub mod accounts;
pub mod app_info;
pub mod audit;
pub mod create;
pub mod error;
pub mod fleet;
pub mod fsutil;
pub mod keychain;
pub mod local_socket;
pub mod logging;
pub mod model;
pub mod opener;
pub mod process;
pub mod providers;
pub mod secret;
pub mod ssh;
pub mod targets;
pub mod templates;
pub mod updates;
pub mod vault;
pub mod vnc;

#[cfg(test)]
mod bindings;
#[cfg(test)]
mod parser_properties;

pub use error::{AppError, ErrorCode};
pub use secret::Secret;
