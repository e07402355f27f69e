//! Hyperstack / NexGen Cloud Infrahub API (`https://infrahub-api.nexgencloud.com/v1`), see
//! `docs/providers/hyperstack.md`. Auth: the `api_key` header. Errors: `{status:false, message, error_reason}`.

use crate::control::Shared;
use crate::credentials::HYPERSTACK_API_KEY;
use crate::lifecycle::{Machine, Machines, Phase, Refusal};
use crate::{fixture, serve, Options, Running};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, Request, State as AxState};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Infrahub allows at most 20 VMs per create call and names of at most 50 characters (create-VM docs).
pub const MAX_COUNT: u64 = 20;
pub const MAX_NAME_LEN: usize = 50;

#[derive(Clone)]
pub struct State {
    pub machines: Arc<Mutex<Machines>>,
    /// Key pairs imported through `POST /core/keypairs`, after the documented example one.
    imported_keys: Arc<Mutex<Vec<Value>>>,
    next_id: Arc<AtomicU64>,
    next_console_job: Arc<AtomicU64>,
    /// Console jobs by id: when each was requested, so the follow-up has the link only after one step.
    console_jobs: Arc<Mutex<HashMap<String, std::time::Instant>>>,
    step: std::time::Duration,
}

/// The most items the fake returns per page, whatever the page size asked for (the real cap is not
/// documented; a cap below VMDeck's request checks that the client follows `page_size`).
pub const MAX_PAGE_SIZE: usize = 50;
/// The page size when none is asked for (not documented either).
pub const DEFAULT_PAGE_SIZE: usize = 20;

/// One page of `items` as the SDK's list envelopes carry it (`page`, `page_size`, `count`; here `count` is
/// the total, which the docs do not settle), for `page` (1-based) and the size parameter `size_param`.
fn page_of(items: Vec<Value>, query: &HashMap<String, String>, size_param: &str) -> (Vec<Value>, Value) {
    let page = query.get("page").and_then(|p| p.parse::<usize>().ok()).unwrap_or(1).max(1);
    let size = query
        .get(size_param)
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    let total = items.len();
    let shown: Vec<Value> = items.into_iter().skip((page - 1) * size).take(size).collect();
    (shown, json!({"page": page, "page_size": size, "count": total}))
}

fn paged(mut envelope: Value, key: &str, items: Vec<Value>, query: &HashMap<String, String>) -> Json<Value> {
    let (shown, fields) = page_of(items, query, "pageSize");
    envelope[key] = Value::Array(shown);
    for (k, v) in fields.as_object().unwrap() {
        envelope[k] = v.clone();
    }
    Json(envelope)
}

pub fn error(status: StatusCode, message: &str) -> Response {
    let reason = match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        429 => "too_many_requests",
        _ => "internal_server_error",
    };
    (status, Json(json!({"status": false, "message": message, "error_reason": reason}))).into_response()
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

pub async fn start(options: Options) -> std::io::Result<Running<State>> {
    let machines = Arc::new(Mutex::new(Machines::new(options.step)));
    let state = State {
        machines: machines.clone(),
        imported_keys: Arc::default(),
        next_id: Arc::new(AtomicU64::new(2786)),
        next_console_job: Arc::new(AtomicU64::new(2299076)),
        console_jobs: Arc::default(),
        step: options.step,
    };
    let app = Router::new()
        .route("/v1/core/environments", get(environments))
        .route("/v1/core/flavors", get(flavors))
        .route("/v1/core/images", get(images))
        .route("/v1/core/keypairs", get(keypairs).post(import_keypair))
        .route("/v1/core/sg-rules-protocols", get(protocols))
        .route("/v1/pricebook", get(pricebook))
        .route("/v1/core/virtual-machines", get(list_vms).post(create_vms))
        .route("/v1/core/virtual-machines/{id}", get(get_vm).delete(delete_vm))
        .route("/v1/core/virtual-machines/{id}/{action}", get(vm_action).post(vm_post_action))
        .route("/v1/core/virtual-machines/{id}/console/{job}", get(console_link))
        .layer(middleware::from_fn(require_api_key))
        .with_state(state.clone());
    let seeder = {
        let state = state.clone();
        Arc::new(move |n: usize| {
            let template = fixture("hyperstack/create-vm-200.json")["instances"][0].clone();
            let mut machines = state.machines.lock().unwrap();
            for _ in 0..n {
                let id = state.next_id.fetch_add(1, Ordering::SeqCst);
                let mut record = template.clone();
                record["id"] = json!(id);
                record["name"] = json!(format!("bulk-{id}"));
                machines.insert(Machine::new(id.to_string(), format!("bulk-{id}"), Phase::Running, record));
            }
        })
    };
    serve(app, state, Shared::new(Some(machines), error).with_seeder(seeder)).await
}

async fn require_api_key(request: Request, next: Next) -> Response {
    match request.headers().get("api_key").and_then(|v| v.to_str().ok()) {
        Some(HYPERSTACK_API_KEY) => next.run(request).await,
        // The docs give the envelope and `error_reason: unauthorized`, not the message text.
        _ => error(StatusCode::UNAUTHORIZED, "Invalid API key"),
    }
}

/// The environment of the create example (`test1`) and the schema's example environment.
fn environment_records() -> Vec<Value> {
    let create = fixture("hyperstack/create-vm-200.json");
    let mut test1 = create["instances"][0]["environment"].clone();
    test1["created_at"] = json!("2024-06-17T09:30:00");
    vec![fixture("hyperstack/environment-fields.json"), test1]
}

async fn environments(Query(query): Query<HashMap<String, String>>) -> Json<Value> {
    let envelope = json!({"status": true, "message": "Getting environments successful"});
    paged(envelope, "environments", environment_records(), &query)
}

fn flavor_records() -> Vec<Value> {
    let create = fixture("hyperstack/create-vm-200.json");
    let mut a100 = create["instances"][0]["flavor"].clone();
    a100["region_name"] = json!("staging-CA-1");
    a100["display_name"] = Value::Null;
    a100["stock_available"] = json!(true);
    vec![fixture("hyperstack/flavor-fields.json"), a100]
}

async fn flavors() -> Json<Value> {
    let data: Vec<Value> = flavor_records()
        .into_iter()
        .map(|f| json!({"gpu": f["gpu"], "region_name": f["region_name"], "flavors": [f]}))
        .collect();
    Json(json!({"status": true, "message": "Success", "data": data}))
}

/// The hourly price the fake's pricebook gives the A100 GPU of its GPU flavor (our own figure).
pub const A100_PER_HOUR: f64 = 1.35;

/// `GET /pricebook` answers a bare array (no status envelope): the documented example entry, and one in
/// its shape for the GPU model of the fake's GPU flavor.
async fn pricebook() -> Json<Value> {
    let documented = fixture("hyperstack/pricebook-item.json");
    let mut a100 = documented.clone();
    a100["id"] = json!(11);
    a100["name"] = json!("A100-80G-PCIe");
    a100["value"] = json!(A100_PER_HOUR);
    a100["original_value"] = json!(A100_PER_HOUR);
    Json(json!([documented, a100]))
}

const IMAGE_NAME: &str = "Ubuntu Server 22.04 LTS R535 CUDA 12.2";

/// `GET /core/images?page&per_page` (SDK `List_Images`); its envelope `{status, message, images}` has no
/// paging fields (SDK `Images`). The fake pages the region groups.
async fn images(Query(query): Query<HashMap<String, String>>) -> Json<Value> {
    let (groups, _) = page_of(image_groups(), &query, "per_page");
    Json(json!({"status": true, "message": "Getting images successful", "images": groups}))
}

fn image_groups() -> Vec<Value> {
    vec![json!({
            "region_name": "staging-CA-1",
            "type": "Ubuntu",
            "logo": "",
            "images": [{
                "id": 120, "name": IMAGE_NAME, "region_name": "staging-CA-1", "type": "Ubuntu",
                "version": "22.04 LTS R535 CUDA 12.2", "size": 23, "display_size": "23.00 GB",
                "is_public": true, "description": "", "labels": []
            }]
    })]
}

const KEY_NAME: &str = "example-key";

fn keypair_records(state: &State) -> Vec<Value> {
    let environment = environment_records()[1].clone();
    let mut keys = vec![json!({
        "id": 41, "name": KEY_NAME, "environment": environment,
        "public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake vmdeck@test",
        "fingerprint": "SHA256:fakefakefakefakefakefakefakefakefakefakefak",
        "created_at": "2024-06-17T09:31:00"
    })];
    keys.extend(state.imported_keys.lock().unwrap().iter().cloned());
    keys
}

async fn keypairs(
    AxState(state): AxState<State>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<Value> {
    let envelope = json!({"status": true, "message": "Getting keypairs successful"});
    paged(envelope, "keypairs", keypair_records(&state), &query)
}

/// Import key pair: `{name (≤ 50), environment_name, public_key}` all required; 404 for an unknown
/// environment, 409 for a name already taken in it (both listed as responses in the docs).
async fn import_keypair(
    AxState(state): AxState<State>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else { return bad_request("Request body is not valid JSON") };
    let fields = (|| {
        Ok::<_, Response>((
            text(&body, "name")?,
            text(&body, "environment_name")?,
            text(&body, "public_key")?,
        ))
    })();
    let (name, environment_name, public_key) = match fields {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    if name.chars().count() > MAX_NAME_LEN {
        return bad_request(&format!("name must be at most {MAX_NAME_LEN} characters"));
    }
    let Some(environment) = environment_records().into_iter().find(|e| e["name"] == json!(environment_name))
    else {
        return error(StatusCode::NOT_FOUND, &format!("Environment {environment_name} not found"));
    };
    if !public_key.starts_with("ssh-") && !public_key.starts_with("ecdsa-") {
        return bad_request("public_key is not an OpenSSH public key");
    }
    if keypair_records(&state)
        .iter()
        .any(|k| k["name"] == json!(name) && k["environment"]["name"] == json!(environment_name))
    {
        return error(StatusCode::CONFLICT, &format!("Keypair {name} already exists"));
    }
    let mut keys = state.imported_keys.lock().unwrap();
    let record = json!({
        "id": 100 + keys.len(), "name": name, "environment": environment, "public_key": public_key,
        "fingerprint": format!("SHA256:imported{}", keys.len()), "created_at": "2026-11-22T00:00:00"
    });
    keys.push(record.clone());
    Json(json!({"status": true, "message": "Keypair imported successfully", "keypair": record}))
        .into_response()
}

/// The protocols a security rule may name (OpenStack Neutron's list, which Infrahub exposes).
pub const PROTOCOLS: &[&str] = &[
    "any",
    "ah",
    "dccp",
    "egp",
    "esp",
    "gre",
    "icmp",
    "igmp",
    "ipv6-icmp",
    "ospf",
    "pgm",
    "rsvp",
    "sctp",
    "tcp",
    "udp",
    "udplite",
    "vrrp",
];

async fn protocols() -> Json<Value> {
    Json(json!({"status": true, "message": "Success", "protocols": PROTOCOLS}))
}

fn status_of(machines: &Machines, machine: &Machine) -> &'static str {
    match machine.phase {
        Phase::Creating if machines.stage(machine) == 0 => "CREATING",
        Phase::Creating => "BUILD",
        // The statuses of infrahub-doc.nexgencloud.com/docs/virtual-machines/vm-states-and-statuses/.
        Phase::Running => "ACTIVE",
        Phase::Stopping => "STOPPING",
        Phase::Stopped => "SHUTOFF",
        Phase::Starting => "STARTING",
        Phase::Rebooting => "REBOOTING",
        Phase::Hibernating => "HIBERNATING",
        Phase::Hibernated => "HIBERNATED",
        Phase::Restoring => "RESTORING",
        Phase::Deleting => "DELETING",
    }
}

fn render(machines: &Machines, machine: &Machine) -> Value {
    let mut record = machine.record.clone();
    let status = status_of(machines, machine);
    record["status"] = json!(status);
    let booted = !matches!(status, "CREATING" | "BUILD");
    // Right after the create call the documented answer has no vm_state yet.
    record["vm_state"] = match status {
        "CREATING" => Value::Null,
        "BUILD" => json!("building"),
        "SHUTOFF" | "STARTING" => json!("stopped"),
        "HIBERNATED" | "RESTORING" => json!("hibernated"),
        _ => json!("active"),
    };
    record["power_state"] =
        if booted { json!(if status == "SHUTOFF" { "SHUTDOWN" } else { "RUNNING" }) } else { Value::Null };
    if booted {
        record["fixed_ip"] = json!(format!("10.0.0.{}", machine.id.parse::<u64>().unwrap_or(0) % 250 + 2));
        if record["floating_ip_status"] == json!("ATTACHING") {
            record["floating_ip_status"] = json!("ATTACHED");
        }
        if record["floating_ip_status"] == json!("ATTACHED") {
            record["floating_ip"] = json!(machine.public_ip.clone().unwrap_or_else(|| "38.80.122.10".into()));
        }
    }
    record
}

/// `GET /core/virtual-machines?page&pageSize`: SDK `Instances` = `{status, message, instances, count, page,
/// page_size}`.
async fn list_vms(
    AxState(state): AxState<State>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<Value> {
    let mut machines = state.machines.lock().unwrap();
    let list = machines.list();
    let instances: Vec<Value> = list.iter().map(|m| render(&machines, m)).collect();
    paged(json!({"status": true, "message": "Getting instances successful"}), "instances", instances, &query)
}

async fn get_vm(AxState(state): AxState<State>, Path(id): Path<String>) -> Response {
    let mut machines = state.machines.lock().unwrap();
    match machines.get(&id) {
        Some(machine) => {
            let instance = render(&machines, &machine);
            Json(json!({"status": true, "message": "Getting instance successful", "instance": instance}))
                .into_response()
        }
        None => not_found(&id),
    }
}

fn not_found(id: &str) -> Response {
    error(StatusCode::NOT_FOUND, &format!("Virtual machine with ID {id} not found"))
}

fn text<'a>(body: &'a Value, field: &str) -> Result<&'a str, Response> {
    match body.get(field).and_then(Value::as_str) {
        Some(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(bad_request(&format!("{field} is required"))),
    }
}

/// Checks a create request as the create-VM docs describe it; returns the environment record.
fn validate_create(state: &State, body: &Value) -> Result<Value, Response> {
    let name = text(body, "name")?;
    if name.chars().count() > MAX_NAME_LEN {
        return Err(bad_request(&format!("name must be at most {MAX_NAME_LEN} characters")));
    }
    let environment_name = text(body, "environment_name")?;
    let environment = environment_records()
        .into_iter()
        .find(|e| e["name"] == json!(environment_name))
        .ok_or_else(|| error(StatusCode::NOT_FOUND, &format!("Environment {environment_name} not found")))?;
    let flavor_name = text(body, "flavor_name")?;
    if !flavor_records().iter().any(|f| f["name"] == json!(flavor_name)) {
        return Err(error(StatusCode::NOT_FOUND, &format!("Flavor {flavor_name} not found")));
    }
    let from_volume = body.get("volume_name").and_then(Value::as_str).is_some();
    if !from_volume && text(body, "image_name")? != IMAGE_NAME {
        return Err(error(StatusCode::NOT_FOUND, "Image not found"));
    }
    let key_name = text(body, "key_name")?;
    if !keypair_records(state).iter().any(|k| k["name"] == json!(key_name)) {
        return Err(error(StatusCode::NOT_FOUND, "Keypair not found"));
    }
    match body.get("count").and_then(Value::as_u64) {
        Some(count) if (1..=MAX_COUNT).contains(&count) => {}
        _ => return Err(bad_request(&format!("count must be between 1 and {MAX_COUNT}"))),
    }
    for rule in body.get("security_rules").and_then(Value::as_array).into_iter().flatten() {
        validate_rule(rule)?;
    }
    Ok(environment)
}

fn validate_rule(rule: &Value) -> Result<(), Response> {
    let direction = text(rule, "direction")?;
    if !matches!(direction, "ingress" | "egress") {
        return Err(bad_request("direction must be ingress or egress"));
    }
    if !PROTOCOLS.contains(&text(rule, "protocol")?) {
        return Err(bad_request("protocol is not supported"));
    }
    if !matches!(text(rule, "ethertype")?, "IPv4" | "IPv6") {
        return Err(bad_request("ethertype must be IPv4 or IPv6"));
    }
    text(rule, "remote_ip_prefix")?;
    Ok(())
}

async fn create_vms(AxState(state): AxState<State>, body: Result<Json<Value>, JsonRejection>) -> Response {
    let Ok(Json(body)) = body else { return bad_request("Request body is not valid JSON") };
    let environment = match validate_create(&state, &body) {
        Ok(environment) => environment,
        Err(response) => return response,
    };
    let template = fixture("hyperstack/create-vm-200.json")["instances"][0].clone();
    let count = body["count"].as_u64().unwrap_or(1);
    let name = body["name"].as_str().unwrap_or_default();
    let mut created = Vec::new();
    let mut machines = state.machines.lock().unwrap();
    for index in 0..count {
        let id = state.next_id.fetch_add(1, Ordering::SeqCst);
        // How Infrahub names the VMs of one multi-VM call is not documented; the fake suffixes -1, -2, …
        let vm_name = if count == 1 { name.to_owned() } else { format!("{name}-{}", index + 1) };
        let mut record = template.clone();
        record["id"] = json!(id);
        record["name"] = json!(vm_name);
        // An instance names its environment as the create example shows it: id, name, org_id, region.
        record["environment"] = json!({
            "id": environment["id"], "name": environment["name"],
            "org_id": template["environment"]["org_id"], "region": environment["region"],
        });
        record["image"] = json!({"name": body["image_name"]});
        record["os"] = body["image_name"].clone();
        let flavor =
            flavor_records().into_iter().find(|f| f["name"] == body["flavor_name"]).unwrap_or_default();
        // An instance carries the hardware fields of its flavor only, as in the create example.
        record["flavor"] = ["id", "name", "cpu", "ram", "disk", "ephemeral", "gpu", "gpu_count"]
            .iter()
            .map(|k| ((*k).to_owned(), flavor[*k].clone()))
            .collect::<serde_json::Map<_, _>>()
            .into();
        record["keypair"] = json!({"name": body["key_name"]});
        record["labels"] = body.get("labels").cloned().unwrap_or(json!([]));
        record["security_rules"] = body.get("security_rules").cloned().unwrap_or(json!([]));
        record["callback_url"] = body.get("callback_url").cloned().unwrap_or(Value::Null);
        let floating = body.get("assign_floating_ip").and_then(Value::as_bool).unwrap_or(false);
        record["floating_ip_status"] = json!(if floating { "ATTACHING" } else { "NOT_ATTACHED" });
        let randomize =
            floating && body.get("enable_port_randomization").and_then(Value::as_bool).unwrap_or(true);
        record["port_randomization"] = json!(randomize);
        record["port_randomization_status"] = json!(if randomize { "ENABLING" } else { "DISABLED" });
        let machine = Machine::new(id.to_string(), vm_name, Phase::Creating, record);
        created.push(render(&machines, &machine));
        machines.insert(machine);
    }
    Json(json!({"status": true, "message": "VM is scheduled for creation.", "instances": created}))
        .into_response()
}

async fn vm_action(AxState(state): AxState<State>, Path((id, action)): Path<(String, String)>) -> Response {
    let mut machines = state.machines.lock().unwrap();
    let result = match action.as_str() {
        "start" => machines.start(&id),
        "stop" => machines.stop(&id),
        "hard-reboot" => machines.reboot(&id),
        // Both GET (SDK `Hibernate_VM`, `Restore_VM_from_hibernation`); `retain_ip` is optional.
        "hibernate" => machines.hibernate(&id),
        "hibernate-restore" => machines.restore(&id),
        "request-console" => {
            return match machines.get(&id) {
                Some(m) if matches!(m.phase, Phase::Running) => {
                    let job = state.next_console_job.fetch_add(1, Ordering::SeqCst);
                    state.console_jobs.lock().unwrap().insert(job.to_string(), std::time::Instant::now());
                    Json(json!({
                        "status": true,
                        "message": "Please wait a few seconds and visit the below link to access your VNC console URL",
                        "url": format!("/core/virtual-machines/{id}/console/{job}"),
                    }))
                    .into_response()
                }
                Some(_) => bad_request("The virtual machine must be ACTIVE to request a console"),
                None => not_found(&id),
            };
        }
        _ => return error(StatusCode::NOT_FOUND, "Not Found"),
    };
    match result {
        Ok(()) => Json(json!({"status": true, "message": format!("Virtual machine {action} initiated")}))
            .into_response(),
        Err(Refusal::NotFound) => not_found(&id),
        Err(Refusal::WrongState(_)) => {
            bad_request(&format!("Cannot {action} the virtual machine in its current state"))
        }
    }
}

/// The second step of the console flow: SDK `VNCURL` = `{status, message, vnc_url: {id, vnc_url}}`. Before
/// the job is done (one fake step) the answer is not documented; the fake answers a 404, one of the
/// endpoint's documented statuses.
async fn console_link(AxState(state): AxState<State>, Path((id, job)): Path<(String, String)>) -> Response {
    if state.machines.lock().unwrap().get(&id).is_none() {
        return not_found(&id);
    }
    let requested = state.console_jobs.lock().unwrap().get(&job).copied();
    match requested {
        None => error(StatusCode::NOT_FOUND, &format!("Console job {job} not found")),
        Some(at) if at.elapsed() < state.step => error(StatusCode::NOT_FOUND, "Console is not ready yet"),
        Some(_) => Json(json!({
            "status": true,
            "message": "Success",
            "vnc_url": {
                "id": job.parse::<u64>().unwrap_or(0),
                "vnc_url": format!("https://console.example.invalid/vnc_auto.html?token=fake-{job}"),
            },
        }))
        .into_response(),
    }
}

/// `POST …/attach-floatingip` and `…/detach-floatingip` (SDK FloatingIpApi), answering `{status, message}`.
async fn vm_post_action(
    AxState(state): AxState<State>,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let mut machines = state.machines.lock().unwrap();
    let Some(machine) = machines.get_mut(&id) else { return not_found(&id) };
    let attached = machine.record["floating_ip_status"] == json!("ATTACHED")
        || machine.record["floating_ip_status"] == json!("ATTACHING");
    match action.as_str() {
        "attach-floatingip" if attached => bad_request("A public IP is already attached"),
        "attach-floatingip" => {
            machine.record["floating_ip_status"] = json!("ATTACHED");
            Json(json!({"status": true, "message": "Public IP attached"})).into_response()
        }
        "detach-floatingip" if !attached => bad_request("No public IP is attached"),
        "detach-floatingip" => {
            machine.record["floating_ip_status"] = json!("NOT_ATTACHED");
            machine.record["floating_ip"] = Value::Null;
            Json(json!({"status": true, "message": "Public IP detached"})).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

async fn delete_vm(AxState(state): AxState<State>, Path(id): Path<String>) -> Response {
    match state.machines.lock().unwrap().delete(&id) {
        Ok(()) => {
            Json(json!({"status": true, "message": "Virtual machine deleted successfully"})).into_response()
        }
        Err(Refusal::NotFound) => not_found(&id),
        Err(Refusal::WrongState(_)) => bad_request("The virtual machine is already being deleted"),
    }
}
