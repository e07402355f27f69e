//! Saved cloud accounts: settings in the app's store, secrets in the OS keychain, never one without the
//! other. Every change goes through a journal state in the store (`adding`, `removing`) so that a crash
//! between the two writes is finished or undone at the next start (`recover`).

mod model;
mod service;
mod store;

pub use model::*;
pub use service::{
    build_provider, enclaive_projects, test_connection, AccountService, AccountView, ConnectionReport,
    ProjectChoice,
};
pub use store::{
    replace_by_name, AccountStore, JsonFileStore, JsonSettings, KeychainSecrets, MemorySecrets,
    MemorySettings, SecretStore,
};
