//! The Cloud VM API (olljanat/cloud-vm-api), see `docs/providers/cloudvm.md`. Auth: `Authorization: Bearer
//! base64(access:secret)`. Errors are Go's `http.Error`: plain text plus a newline. The server only knows
//! the environments and machine types of its own JSON files, and offers no endpoint to list them.

use crate::control::Shared;
use crate::credentials::{CLOUDVM_ACCESS, CLOUDVM_SECRET};
use crate::lifecycle::{Machine, Machines, Phase, Refusal};
use crate::{fixture, serve, Options, Running};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State as AxState};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct State {
    pub machines: Arc<Mutex<Machines>>,
    next_id: Arc<AtomicU64>,
}

/// Go's `http.Error(w, message, status)`.
pub fn error(status: StatusCode, message: &str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header("X-Content-Type-Options", "nosniff")
        .body(Body::from(format!("{message}\n")))
        .unwrap()
}

/// Go's `json.NewEncoder(w).Encode(value)`: compact JSON and a newline.
fn json_body(value: &Value) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(format!("{value}\n")))
        .unwrap()
}

pub async fn start(options: Options) -> std::io::Result<Running<State>> {
    let machines = Arc::new(Mutex::new(Machines::new(options.step)));
    let state = State { machines: machines.clone(), next_id: Arc::new(AtomicU64::new(0x048501077e53646e)) };
    let app = Router::new()
        .route("/vm", get(list_vms).post(create_vm))
        .route("/vm/{id}", axum::routing::delete(delete_vm))
        .route("/vm/{id}/start", get(start_vm))
        .route("/vm/{id}/stop", get(stop_vm))
        .with_state(state.clone());
    let seeder = {
        let state = state.clone();
        Arc::new(move |n: usize| {
            let mut machines = state.machines.lock().unwrap();
            for _ in 0..n {
                let id = format!("i-{:016x}d", state.next_id.fetch_add(1, Ordering::SeqCst));
                let record = json!({"environment": "aws-test1", "machinetype": "small-debian"});
                machines.insert(Machine::new(id.clone(), format!("bulk-{id}"), Phase::Running, record));
            }
        })
    };
    serve(app, state, Shared::new(Some(machines), error).with_seeder(seeder)).await
}

fn environment(name: &str) -> Option<Value> {
    fixture("cloudvm/environments.json").as_array()?.iter().find(|e| e["name"] == json!(name)).cloned()
}

/// `getHost` of the real server, in its order: environment, then token, then the cloud login.
fn check(headers: &HeaderMap, environment_name: Option<&str>) -> Result<Value, Response> {
    let name = environment_name.filter(|n| !n.is_empty());
    let Some(name) = name else {
        return Err(error(StatusCode::BAD_REQUEST, "missing environment parameter"));
    };
    let Some(env) = environment(name) else {
        return Err(error(StatusCode::BAD_REQUEST, &format!("environment with name {name} not found")));
    };
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some(token) = token.strip_prefix("Bearer ").filter(|t| !t.is_empty()) else {
        return Err(error(StatusCode::UNAUTHORIZED, "missing or invalid Authorization header"));
    };
    let decoded = match base64::engine::general_purpose::STANDARD.decode(token) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(err) => {
            let message = format!("unable parsing credentials. Error: failed to decode token: {err}");
            return Err(error(StatusCode::UNAUTHORIZED, &message));
        }
    };
    let Some((access, secret)) = decoded.split_once(':') else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "unable parsing credentials. Error: invalid token format",
        ));
    };
    if access != CLOUDVM_ACCESS || secret != CLOUDVM_SECRET {
        // The real server passes the keys to the cloud SDK; a wrong key fails there, as a 500 whose
        // text is the SDK's. This text is the fake's own.
        let region = env["region"].as_str().unwrap_or_default();
        let message = format!("failed to get region: {region}, Error: AuthFailure: credentials rejected , Available regions: []");
        return Err(error(StatusCode::INTERNAL_SERVER_ERROR, &message));
    }
    Ok(env)
}

#[derive(Deserialize)]
struct EnvQuery {
    environment: Option<String>,
}

fn status_of(machine: &Machine) -> &'static str {
    // cloudmux's VM status constants (yunionio/cloudmux pkg/apis/compute).
    match machine.phase {
        Phase::Creating => "deploying",
        Phase::Running => "running",
        Phase::Stopping => "stopping",
        Phase::Stopped => "ready",
        Phase::Starting | Phase::Rebooting => "starting",
        Phase::Deleting => "deleting",
        // Only Hyperstack hibernates.
        Phase::Hibernating | Phase::Hibernated | Phase::Restoring => "ready",
    }
}

fn render(machine: &Machine) -> Value {
    json!({"id": machine.id, "name": machine.name, "status": status_of(machine)})
}

async fn list_vms(AxState(state): AxState<State>, headers: HeaderMap, Query(q): Query<EnvQuery>) -> Response {
    let env = match check(&headers, q.environment.as_deref()) {
        Ok(env) => env,
        Err(response) => return response,
    };
    let machines = state.machines.lock().unwrap().list();
    let vms: Vec<Value> =
        machines.iter().filter(|m| m.record["environment"] == env["name"]).map(render).collect();
    json_body(&Value::Array(vms))
}

#[derive(Deserialize)]
struct CreateRequest {
    name: String,
    environment: String,
    machinetype: String,
    #[serde(default)]
    cloud_init: Option<String>,
}

async fn create_vm(AxState(state): AxState<State>, headers: HeaderMap, body: Bytes) -> Response {
    let request: CreateRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => return error(StatusCode::BAD_REQUEST, &format!("Invalid request body: {err}")),
    };
    let env = match check(&headers, Some(&request.environment)) {
        Ok(env) => env,
        Err(response) => return response,
    };
    let cloud = env["cloud"].as_str().unwrap_or_default();
    let types = fixture("cloudvm/machinetypes.json");
    let Some(machine_type) = types.get(&request.machinetype) else {
        let message =
            format!("Invalid machinetype for this cloud: machinetype {} not found", request.machinetype);
        return error(StatusCode::BAD_REQUEST, &message);
    };
    if machine_type["clouds"].get(cloud).is_none() {
        let message = format!(
            "Invalid machinetype for this cloud: cloud {cloud} not found for machinetype {}",
            request.machinetype
        );
        return error(StatusCode::BAD_REQUEST, &message);
    }
    if let Some(cloud_init) = &request.cloud_init {
        if base64::engine::general_purpose::STANDARD.decode(cloud_init.trim()).is_err() {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Create VM failed: user data is not valid base64",
            );
        }
    }
    let id = format!("i-{:016x}d", state.next_id.fetch_add(1, Ordering::SeqCst));
    let record = json!({"environment": env["name"], "machinetype": request.machinetype});
    let machine = Machine::new(id, request.name, Phase::Creating, record);
    let response = render(&machine);
    state.machines.lock().unwrap().insert(machine);
    json_body(&response)
}

async fn lifecycle(
    state: State,
    headers: HeaderMap,
    query: EnvQuery,
    id: String,
    action: fn(&mut Machines, &str) -> Result<(), Refusal>,
    verb: &str,
) -> Response {
    if let Err(response) = check(&headers, query.environment.as_deref()) {
        return response;
    }
    match action(&mut state.machines.lock().unwrap(), &id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(Refusal::NotFound) => error(StatusCode::NOT_FOUND, "VM not found"),
        Err(Refusal::WrongState(phase)) => {
            error(StatusCode::INTERNAL_SERVER_ERROR, &format!("Failed to {verb} VM: invalid state {phase:?}"))
        }
    }
}

async fn start_vm(
    AxState(s): AxState<State>,
    h: HeaderMap,
    Query(q): Query<EnvQuery>,
    Path(id): Path<String>,
) -> Response {
    lifecycle(s, h, q, id, Machines::start, "start").await
}

async fn stop_vm(
    AxState(s): AxState<State>,
    h: HeaderMap,
    Query(q): Query<EnvQuery>,
    Path(id): Path<String>,
) -> Response {
    lifecycle(s, h, q, id, Machines::stop, "stop").await
}

async fn delete_vm(
    AxState(s): AxState<State>,
    h: HeaderMap,
    Query(q): Query<EnvQuery>,
    Path(id): Path<String>,
) -> Response {
    lifecycle(s, h, q, id, Machines::delete, "delete").await
}
