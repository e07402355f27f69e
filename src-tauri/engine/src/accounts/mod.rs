//! Saved cloud accounts: settings in the app's store, secrets in the OS keychain, never one without the
//! other. Every change goes through a journal state in the store (`adding`, `removing`) so that a crash
//! between the two writes is finished or undone at the next start (`recover`).

mod model;
pub mod proxy_login;
mod service;
mod settings_file;
mod store;
mod transfer;

pub use model::*;
pub use service::{
    build_provider, enclaive_projects, test_connection, AccountService, AccountView, ConnectionReport,
    ProjectChoice,
};
pub use settings_file::JsonFileStore;
pub use store::{
    replace_by_name, AccountStore, JsonSettings, KeychainSecrets, MemorySecrets, MemorySettings, SecretStore,
};
pub use transfer::ImportItem;
