//! Local fakes of the enclaive Multi-Cloud Platform, Hyperstack (Infrahub), Lunanode, the Cloud VM API
//! and HashiCorp Vault, for VMDeck's tests. Each listens on its own port on 127.0.0.1 and follows the
//! documented wire format (see `docs/providers/`); the documents' example payloads are served from
//! `fixtures/` verbatim. Never a dependency of the app.
//!
//! Every fake also answers a small control API under `/__fake/` (faults, the request log, VM addresses),
//! used by tests in other processes (the E2E suite) and by people trying the app by hand.

// Handlers bail out early with the backend's own error `Response`; boxing it would buy nothing in a fake.
#![allow(clippy::result_large_err)]

pub mod cloudvm;
pub mod control;
pub mod enclaive;
pub mod faults;
pub mod hyperstack;
pub mod images;
pub mod lifecycle;
pub mod lunanode;
pub mod vault;

use axum::Router;
use serde::Serialize;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use control::{Recorded, Shared};
pub use faults::{Fault, FaultRule};

/// Credentials the fakes accept, fixed so tests and a person trying the app know them.
pub mod credentials {
    pub const ENCLAIVE_EMAIL: &str = "john.doe@mail.com";
    pub const ENCLAIVE_PASSWORD: &str = "correct horse battery staple";
    pub const HYPERSTACK_API_KEY: &str = "hs-test-key-0123456789";
    /// Lunanode API IDs are 16 characters and API keys 128 (LunaNode/cloug `api.go`).
    pub const LUNANODE_API_ID: &str = "0123456789abcdef";
    pub const LUNANODE_API_KEY: &str = "k1k2k3k4k5k6k7k8k9k0kakbkckdkekfk1k2k3k4k5k6k7k8k9k0kakbkckdkekfk1k2k3k4k5k6k7k8k9k0kakbkckdkekfk1k2k3k4k5k6k7k8k9k0kakbkckdkekf";
    pub const CLOUDVM_ACCESS: &str = "AKIAFAKEACCESS";
    pub const CLOUDVM_SECRET: &str = "fake/secret+key";

    pub fn as_json() -> serde_json::Value {
        serde_json::json!({
            "enclaive": {"email": ENCLAIVE_EMAIL, "password": ENCLAIVE_PASSWORD,
                         "team_id": crate::enclaive::TEAM_ID, "project_id": crate::enclaive::PROJECT_ID,
                         "vault_token": crate::enclaive::VAULT_TOKEN},
            "hyperstack": {"api_key": HYPERSTACK_API_KEY},
            "lunanode": {"api_id": LUNANODE_API_ID, "api_key": LUNANODE_API_KEY},
            "cloudvm": {"access_key": CLOUDVM_ACCESS, "secret": CLOUDVM_SECRET, "environment": "aws-test1",
                        "machine_types": ["small-debian", "medium-debian"]},
        })
    }
}

/// How the fakes behave over time.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How long each transitional state lasts (creating → building → running, stopping → stopped, …).
    pub step: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self { step: Duration::from_millis(400) }
    }
}

/// The port of each running fake.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Ports {
    pub enclaive: u16,
    pub hyperstack: u16,
    pub lunanode: u16,
    pub cloudvm: u16,
    pub vault: u16,
}

/// One running fake: its address and the shared state a test can steer.
pub struct Running<S> {
    pub addr: SocketAddr,
    pub state: S,
    pub shared: Shared,
    task: JoinHandle<()>,
}

impl<S> Running<S> {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl<S> Drop for Running<S> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// All five fakes, each on its own port.
pub struct FakeCloud {
    pub enclaive: Running<enclaive::State>,
    pub hyperstack: Running<hyperstack::State>,
    pub lunanode: Running<lunanode::State>,
    pub cloudvm: Running<cloudvm::State>,
    pub vault: Running<vault::State>,
}

impl FakeCloud {
    pub async fn start(options: Options) -> std::io::Result<Self> {
        Ok(Self {
            enclaive: enclaive::start(options).await?,
            hyperstack: hyperstack::start(options).await?,
            lunanode: lunanode::start(options).await?,
            cloudvm: cloudvm::start(options).await?,
            vault: vault::start().await?,
        })
    }

    pub fn ports(&self) -> Ports {
        Ports {
            enclaive: self.enclaive.addr.port(),
            hyperstack: self.hyperstack.addr.port(),
            lunanode: self.lunanode.addr.port(),
            cloudvm: self.cloudvm.addr.port(),
            vault: self.vault.addr.port(),
        }
    }
}

/// Serves `app` (with the control API and fault layer added) on a fresh loopback port.
pub(crate) async fn serve<S: Clone + Send + Sync + 'static>(
    app: Router,
    state: S,
    shared: Shared,
) -> std::io::Result<Running<S>> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let app = control::wrap(app, shared.clone());
    let task = tokio::spawn(async move {
        // An error here means the listener died; the test using it fails on its next request.
        let _ = axum::serve(listener, app).await;
    });
    Ok(Running { addr, state, shared, task })
}

/// Reads a fixture (an example payload of the docs) as JSON.
pub fn fixture(path: &str) -> serde_json::Value {
    let text = fixture_text(path);
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("fixture {path} is not JSON: {err}"))
}

/// The fixture's exact text.
pub fn fixture_text(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|err| panic!("fixture {}: {err}", full.display()))
}
