//! What every fake shares: the request log, the fault table, the machines, and the control API under
//! `/__fake/` that steers them from another process.

use crate::faults::{self, Fault, FaultRule, FaultTable};
use crate::lifecycle::Machines;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

/// Renders an error in the backend's own format (its JSON envelope, or Go's plain-text `http.Error`).
pub type ErrorBody = fn(StatusCode, &str) -> Response;

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
}

/// Adds `n` running VMs in the backend's own record format (for benchmarks and big lists).
pub type Seeder = Arc<dyn Fn(usize) + Send + Sync>;

#[derive(Clone)]
pub struct Shared {
    pub faults: Arc<Mutex<FaultTable>>,
    pub log: Arc<Mutex<Vec<Recorded>>>,
    pub machines: Option<Arc<Mutex<Machines>>>,
    error_body: ErrorBody,
    seeder: Option<Seeder>,
}

impl Shared {
    pub fn new(machines: Option<Arc<Mutex<Machines>>>, error_body: ErrorBody) -> Self {
        Self { faults: Default::default(), log: Default::default(), machines, error_body, seeder: None }
    }

    pub fn with_seeder(mut self, seeder: Seeder) -> Self {
        self.seeder = Some(seeder);
        self
    }

    /// Adds `n` running VMs; false where the fake has no machines (Vault).
    pub fn seed(&self, n: usize) -> bool {
        match &self.seeder {
            Some(seed) => {
                seed(n);
                true
            }
            None => false,
        }
    }

    pub fn inject(&self, rule: FaultRule) {
        self.faults.lock().unwrap().push(rule);
    }

    pub fn clear_faults(&self) {
        self.faults.lock().unwrap().clear();
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    /// How many requests with this method reached this exact path.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.log.lock().unwrap().iter().filter(|r| r.method == method && r.path == path).count()
    }
}

pub(crate) fn wrap(app: Router, shared: Shared) -> Router {
    let control = Router::new()
        .route("/__fake/faults", axum::routing::post(add_fault).delete(clear_faults))
        .route("/__fake/requests", get(list_requests).delete(clear_requests))
        .route("/__fake/machines/{id}/address", put(set_address))
        .route("/__fake/machines/seed", axum::routing::post(seed))
        .route("/__fake/machines/{id}/poweroff", axum::routing::post(power_off_inside))
        .with_state(shared.clone());
    app.layer(middleware::from_fn_with_state(shared, record_and_fault)).merge(control)
}

async fn record_and_fault(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    shared.log.lock().unwrap().push(Recorded { method: method.clone(), path: path.clone(), query });
    let fault = shared.faults.lock().unwrap().take(&method, &path);
    match fault {
        None => next.run(request).await,
        Some(Fault::Latency { ms }) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            next.run(request).await
        }
        Some(Fault::Status { status, retry_after_secs }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = status.canonical_reason().unwrap_or("Error");
            let mut response = (shared.error_body)(status, message);
            if let Some(secs) = retry_after_secs {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
        Some(Fault::Hang) => {
            tokio::time::sleep(faults::HANG_FOR).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
        Some(Fault::MalformedJson) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(faults::MALFORMED_JSON))
            .unwrap(),
        Some(Fault::HtmlPage { status }) => Response::builder()
            .status(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY))
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Body::from(faults::html_page(status)))
            .unwrap(),
    }
}

async fn add_fault(State(shared): State<Shared>, Json(rule): Json<FaultRule>) -> StatusCode {
    shared.inject(rule);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(shared): State<Shared>) -> StatusCode {
    shared.clear_faults();
    StatusCode::NO_CONTENT
}

async fn list_requests(State(shared): State<Shared>) -> Json<Vec<Recorded>> {
    Json(shared.requests())
}

async fn clear_requests(State(shared): State<Shared>) -> StatusCode {
    shared.log.lock().unwrap().clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Seed {
    count: usize,
}

async fn seed(State(shared): State<Shared>, Json(body): Json<Seed>) -> StatusCode {
    if shared.seed(body.count) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

#[derive(Deserialize)]
struct Address {
    public_ip: String,
}

/// Points a VM's public address at something real (e.g. 127.0.0.1 where a test runs sshd).
async fn set_address(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    Json(body): Json<Address>,
) -> StatusCode {
    let Some(machines) = shared.machines else { return StatusCode::NOT_FOUND };
    let mut machines = machines.lock().unwrap();
    match machines.get_mut(&id) {
        Some(machine) => {
            machine.public_ip = Some(body.public_ip);
            StatusCode::NO_CONTENT
        }
        None => StatusCode::NOT_FOUND,
    }
}

/// A VM that stops by itself, as when someone runs `poweroff` inside it: its next listing says stopped.
async fn power_off_inside(State(shared): State<Shared>, Path(id): Path<String>) -> StatusCode {
    let Some(machines) = shared.machines else { return StatusCode::NOT_FOUND };
    let stopped = machines.lock().unwrap().power_off_inside(&id);
    match stopped {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::CONFLICT,
    }
}
