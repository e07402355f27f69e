//! enclaive Multi-Cloud Platform client API (`{BASE_URL}/api/...`), see `docs/providers/enclaive.md`.
//! Auth: `POST /api/login` gives a JWT (`userToken`) sent as `Authorization: Bearer`, and the team's Vault
//! token (`vaultToken`). The login fixture's tokens are literally "userToken" and "teamToken".

use crate::control::Shared;
use crate::credentials::{ENCLAIVE_EMAIL, ENCLAIVE_PASSWORD};
use crate::lifecycle::{Machine, Machines, Phase, Refusal};
use crate::{fixture, serve, Options, Running};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Request, State as AxState};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub const TEAM_ID: &str = "6548a41f38406c14db33b61e";
pub const PROJECT_ID: &str = "6548a41f38406c14db33b62c";
pub const USER_TOKEN: &str = "userToken";
pub const VAULT_TOKEN: &str = "teamToken";
/// The documented VM statuses: 0 right after create, 3 once it runs with an address.
pub const STATUS_CREATED: u64 = 0;
pub const STATUS_RUNNING: u64 = 3;
/// Not documented: the value a stopped VM reports is unknown; the fake uses 4 (see the provider notes).
pub const STATUS_STOPPED_ASSUMED: u64 = 4;

#[derive(Clone)]
pub struct State {
    pub machines: Arc<Mutex<Machines>>,
    next_id: Arc<AtomicU64>,
}

/// The error body is not documented; the fake answers in the shape of NestJS's default
/// `HttpException` (`{statusCode, message}`), an assumption noted in the provider docs.
pub fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"statusCode": status.as_u16(), "message": message}))).into_response()
}

pub async fn start(options: Options) -> std::io::Result<Running<State>> {
    let machines = Arc::new(Mutex::new(Machines::new(options.step)));
    let documented = fixture("enclaive/get-vm-200.json");
    let id = documented["_id"].as_str().unwrap().to_owned();
    let name = documented["name"].as_str().unwrap().to_owned();
    let mut seeded = Machine::new(id, name, Phase::Running, documented);
    seeded.public_ip = Some("185.112.181.100".into());
    machines.lock().unwrap().insert(seeded);
    let state = State { machines: machines.clone(), next_id: Arc::new(AtomicU64::new(0x654a_1200_0000)) };
    let protected = Router::new()
        .route("/api/users/current", get(|| async { Json(fixture("enclaive/users-current-200.json")) }))
        .route("/api/teams/{team}/projects", get(projects))
        .route("/api/teams/{team}/projects/{project}/virtual-machines", get(list_vms))
        .route("/api/virtual-machines", post(create_vms))
        .route("/api/virtual-machines/{id}", get(get_vm).delete(delete_vm))
        .route("/api/virtual-machines/{id}/{action}", put(vm_action))
        .layer(middleware::from_fn(require_bearer));
    let app = Router::new().route("/api/login", post(login)).merge(protected).with_state(state.clone());
    let seeder = {
        let state = state.clone();
        Arc::new(move |n: usize| {
            let template = fixture("enclaive/get-vm-200.json");
            let mut machines = state.machines.lock().unwrap();
            for _ in 0..n {
                let id = object_id(state.next_id.fetch_add(1, Ordering::SeqCst));
                let mut record = template.clone();
                record["_id"] = json!(id);
                record["name"] = json!(format!("bulk-{id}"));
                let mut machine = Machine::new(id.clone(), format!("bulk-{id}"), Phase::Running, record);
                machine.public_ip = Some("185.112.181.102".into());
                machines.insert(machine);
            }
        })
    };
    serve(app, state, Shared::new(Some(machines), error).with_seeder(seeder)).await
}

async fn require_bearer(request: Request, next: Next) -> Response {
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {USER_TOKEN}"));
    if authorized {
        next.run(request).await
    } else {
        error(StatusCode::UNAUTHORIZED, "Unauthorized")
    }
}

async fn login(body: Result<Json<Value>, JsonRejection>) -> Response {
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let email = body.get("email").and_then(Value::as_str);
    let password = body.get("password").and_then(Value::as_str);
    if email == Some(ENCLAIVE_EMAIL) && password == Some(ENCLAIVE_PASSWORD) {
        (StatusCode::CREATED, Json(fixture("enclaive/login-201.json"))).into_response()
    } else {
        error(StatusCode::UNAUTHORIZED, "Invalid email or password")
    }
}

async fn projects(Path(team): Path<String>) -> Response {
    if team != TEAM_ID {
        return error(StatusCode::NOT_FOUND, "Team not found");
    }
    Json(fixture("enclaive/team-projects-200.json")).into_response()
}

fn status_of(machine: &Machine) -> u64 {
    match machine.phase {
        Phase::Creating => STATUS_CREATED,
        Phase::Running | Phase::Starting | Phase::Rebooting => STATUS_RUNNING,
        // Only Hyperstack hibernates; other fakes never enter those phases.
        Phase::Stopping
        | Phase::Stopped
        | Phase::Deleting
        | Phase::Hibernating
        | Phase::Hibernated
        | Phase::Restoring => STATUS_STOPPED_ASSUMED,
    }
}

/// The record as `GET /api/virtual-machines/{id}` shows it (project and team expanded).
fn render_full(machine: &Machine) -> Value {
    let mut record = machine.record.clone();
    let status = status_of(machine);
    record["status"] = json!(status);
    let documented_ip = record["ipConfigurations"][0].is_object();
    record["ipConfigurations"] = match (&machine.public_ip, status) {
        // Keep the documented entry (and its `_id`); only the address may be pointed elsewhere.
        (Some(address), STATUS_RUNNING) if documented_ip => {
            let mut configurations = record["ipConfigurations"].clone();
            configurations[0]["address"] = json!(address);
            configurations
        }
        (Some(address), STATUS_RUNNING) => json!([{
            "_id": format!("{}ff", &machine.id[..machine.id.len().min(22)]),
            "type": "public", "method": "Dynamic", "version": "IPv4", "address": address
        }]),
        _ => json!([]),
    };
    record
}

/// The record as the project listing shows it: `project` and `team` stay ids.
fn render_listed(machine: &Machine) -> Value {
    let mut record = render_full(machine);
    record["project"] = json!(PROJECT_ID);
    record["team"] = json!(TEAM_ID);
    record
}

async fn list_vms(AxState(state): AxState<State>, Path((team, project)): Path<(String, String)>) -> Response {
    if team != TEAM_ID || project != PROJECT_ID {
        return Json(json!([])).into_response();
    }
    let machines = state.machines.lock().unwrap().list();
    Json(Value::Array(machines.iter().map(render_listed).collect())).into_response()
}

async fn get_vm(AxState(state): AxState<State>, Path(id): Path<String>) -> Response {
    match state.machines.lock().unwrap().get(&id) {
        Some(machine) => Json(render_full(&machine)).into_response(),
        None => error(StatusCode::NOT_FOUND, "Virtual machine not found"),
    }
}

fn object_id(counter: u64) -> String {
    format!("{counter:012x}0b23ef1b0f36d4")
}

async fn create_vms(AxState(state): AxState<State>, body: Result<Json<Value>, JsonRejection>) -> Response {
    let Ok(Json(body)) = body else { return error(StatusCode::BAD_REQUEST, "Request body must be JSON") };
    if body["team"] != json!(TEAM_ID) || body["project"] != json!(PROJECT_ID) {
        return error(StatusCode::FORBIDDEN, "No access to this team or project");
    }
    let names: Vec<String> = body["hostNames"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    if names.is_empty() || names.iter().any(|n| n.trim().is_empty()) {
        return error(StatusCode::BAD_REQUEST, "hostNames must name every virtual machine");
    }
    if body["quantity"].as_u64() != Some(names.len() as u64) {
        return error(StatusCode::BAD_REQUEST, "quantity must equal the number of hostNames");
    }
    let template = fixture("enclaive/create-vm-201.json")[0].clone();
    let full_template = fixture("enclaive/get-vm-200.json");
    let mut machines = state.machines.lock().unwrap();
    let mut created = Vec::new();
    for name in names {
        let id = object_id(state.next_id.fetch_add(1, Ordering::SeqCst));
        let mut response = template.clone();
        response["_id"] = json!(id);
        response["name"] = json!(name);
        for field in ["region", "image", "provider", "size", "price", "tags", "access", "authMethod"] {
            if let Some(value) = body.get(field) {
                response[field] = value.clone();
            }
        }
        created.push(response.clone());
        let mut full = full_template.clone();
        full["_id"] = json!(id);
        full["name"] = json!(name);
        full["region"] = response["region"].clone();
        full["image"] = response["image"].clone();
        full["tags"] = response["tags"].clone();
        full["ipConfigurations"] = json!([]);
        let mut machine = Machine::new(id, name, Phase::Creating, full);
        machine.public_ip = Some("185.112.181.101".into());
        machines.insert(machine);
    }
    (StatusCode::CREATED, Json(Value::Array(created))).into_response()
}

async fn vm_action(AxState(state): AxState<State>, Path((id, action)): Path<(String, String)>) -> Response {
    let mut machines = state.machines.lock().unwrap();
    let (result, message) = match action.as_str() {
        "stop" => (machines.stop(&id), "Virtual machine is stopped"),
        "start" => (machines.start(&id), "Virtual machine is running"),
        _ => return error(StatusCode::NOT_FOUND, "Not Found"),
    };
    match result {
        Ok(()) => Json(json!({"message": message, "vmId": id})).into_response(),
        Err(Refusal::NotFound) => error(StatusCode::NOT_FOUND, "Virtual machine not found"),
        Err(Refusal::WrongState(_)) => {
            error(StatusCode::CONFLICT, &format!("Virtual machine cannot {action} now"))
        }
    }
}

async fn delete_vm(AxState(state): AxState<State>, Path(id): Path<String>) -> Response {
    match state.machines.lock().unwrap().delete(&id) {
        Ok(()) => Json(json!({"message": "Virtual machine is deleted", "vmId": id})).into_response(),
        Err(_) => error(StatusCode::NOT_FOUND, "Virtual machine not found"),
    }
}
