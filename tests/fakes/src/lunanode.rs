//! Lunanode's Dynamic API (`https://dynamic.lunanode.com/api/{category}/{action}/`), see
//! `docs/providers/lunanode.md`. Every call is a form POST of `req` (JSON with `api_id`, `api_partialkey`
//! and the parameters, all strings), `nonce` and `signature` = hex HMAC-SHA512 keyed with the API key over
//! `"{category}/{action}/|{req}|{nonce}"`. Answers carry `"success": "yes"` or `"no"` with `error`.

use crate::control::Shared;
use crate::credentials::{LUNANODE_API_ID, LUNANODE_API_KEY};
use crate::lifecycle::{Machine, Machines, Phase, Refusal};
use crate::{fixture, serve, Options, Running};
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::Sha512;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub const REGIONS: &[(&str, &str)] =
    &[("toronto", "Toronto"), ("montreal", "Montreal"), ("roubaix", "Roubaix")];

#[derive(Clone)]
pub struct State {
    pub machines: Arc<Mutex<Machines>>,
    next_id: Arc<AtomicU64>,
    /// Every nonce in the order requests arrived, for the ordering test.
    pub nonces: Arc<Mutex<Vec<u64>>>,
    /// Security groups (`securitygroup/*`) and startup scripts (`script/*`) made through the API.
    pub groups: Arc<Mutex<Vec<Value>>>,
    pub scripts: Arc<Mutex<Vec<Value>>>,
}

/// How failures look: HTTP 200 with `success: "no"` (the status code of a failure is not documented;
/// the official client reads the body whatever the status).
pub fn error(status: StatusCode, message: &str) -> Response {
    let status = if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        status
    } else {
        StatusCode::OK
    };
    (status, Json(json!({"success": "no", "error": message}))).into_response()
}

fn fail(message: &str) -> Response {
    error(StatusCode::OK, message)
}

fn ok(mut fields: Map<String, Value>) -> Response {
    fields.insert("success".into(), json!("yes"));
    Json(Value::Object(fields)).into_response()
}

/// The signature the API expects for one request.
pub fn sign(api_key: &str, handler: &str, req: &str, nonce: &str) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(api_key.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{handler}|{req}|{nonce}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub async fn start(options: Options) -> std::io::Result<Running<State>> {
    let machines = Arc::new(Mutex::new(Machines::new(options.step)));
    let documented = fixture("lunanode/vm-info-200.json");
    let id = documented["extra"]["vm_id"].as_str().unwrap().to_owned();
    let mut seeded = Machine::new(id, "myvm", Phase::Running, documented);
    seeded.public_ip = Some("172.81.176.21".into());
    machines.lock().unwrap().insert(seeded);
    let state = State {
        machines: machines.clone(),
        next_id: Arc::new(AtomicU64::new(1)),
        nonces: Arc::default(),
        groups: Arc::new(Mutex::new(vec![json!({"group_id": "4", "name": "default", "region": "toronto"})])),
        scripts: Arc::default(),
    };
    let app = Router::new().route("/api/{category}/{action}/", post(dispatch)).with_state(state.clone());
    let seeder = {
        let state = state.clone();
        Arc::new(move |n: usize| {
            let template = fixture("lunanode/vm-info-200.json");
            let mut machines = state.machines.lock().unwrap();
            for _ in 0..n {
                let id = format!(
                    "{:08x}-0a86-42ea-bea8-ed60bd960c68",
                    state.next_id.fetch_add(1, Ordering::SeqCst)
                );
                let mut record = template.clone();
                record["extra"]["vm_id"] = json!(id);
                record["extra"]["name"] = json!(format!("bulk-{id}"));
                let mut machine = Machine::new(id.clone(), format!("bulk-{id}"), Phase::Running, record);
                machine.public_ip = Some("172.81.176.30".into());
                machines.insert(machine);
            }
        })
    };
    serve(app, state, Shared::new(Some(machines), error).with_seeder(seeder)).await
}

#[derive(Deserialize)]
struct Signed {
    req: String,
    nonce: String,
    signature: String,
}

async fn dispatch(
    AxState(state): AxState<State>,
    Path((category, action)): Path<(String, String)>,
    form: Result<Form<Signed>, FormRejection>,
) -> Response {
    let Ok(Form(signed)) = form else { return fail("missing req, nonce or signature") };
    let handler = format!("{category}/{action}/");
    let params = match authenticate(&handler, &signed) {
        Ok(params) => params,
        Err(response) => return response,
    };
    state.nonces.lock().unwrap().push(signed.nonce.parse().unwrap_or(0));
    let param = |name: &str| params.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    match format!("{category}/{action}").as_str() {
        "vm/list" => vm_list(&state),
        "vm/info" => vm_info(&state, &param("vm_id")),
        "vm/create" => vm_create(&state, &params),
        "vm/start" | "vm/stop" | "vm/reboot" | "vm/delete" => vm_simple(&state, &action, &param("vm_id")),
        "vm/vnc" => vm_vnc(&state, &param("vm_id")),
        "plan/list" => ok(Map::from_iter([("plans".into(), plans())])),
        "image/list" => ok(Map::from_iter([("images".into(), images())])),
        "region/list" => {
            let regions: Map<String, Value> =
                REGIONS.iter().map(|(id, name)| ((*id).into(), json!(name))).collect();
            ok(Map::from_iter([("regions".into(), Value::Object(regions))]))
        }
        // LunaNode's own launchbtcpay (main.go) decodes this answer as top-level `{id, value}` entries
        // beside `success`; the fake answers that shape, keyed by position.
        "sshkey/list" => ok(Map::from_iter([(
            "0".into(),
            json!({"id": "231", "value": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFake vmdeck@test"}),
        )])),
        // No public source shows this answer; the fake's shape is its own (docs/providers/lunanode.md).
        "securitygroup/list" => {
            let groups = state.groups.lock().unwrap().clone();
            ok(Map::from_iter([("security_groups".into(), Value::Array(groups))]))
        }
        "securitygroup/create" => group_create(&state, &params),
        "securitygroup/rule-insert" => rule_insert(&state, &params),
        "securitygroup/delete" => group_delete(&state, &params),
        "script/create" => script_create(&state, &params),
        "script/delete" => {
            state.scripts.lock().unwrap().retain(|s| s["script_id"] != params["script_id"]);
            ok(Map::new())
        }
        _ => fail("invalid handler"),
    }
}

/// Checks the API ID, partial key and signature; returns the request's parameters.
fn authenticate(handler: &str, signed: &Signed) -> Result<Map<String, Value>, Response> {
    let Ok(Value::Object(params)) = serde_json::from_str::<Value>(&signed.req) else {
        return Err(fail("req must be a JSON object"));
    };
    if signed.nonce.parse::<u64>().is_err() {
        return Err(fail("invalid nonce"));
    }
    let id_ok = params.get("api_id") == Some(&json!(LUNANODE_API_ID));
    let partial_ok = params.get("api_partialkey") == Some(&json!(&LUNANODE_API_KEY[..64]));
    let signature_ok = sign(LUNANODE_API_KEY, handler, &signed.req, &signed.nonce) == signed.signature;
    if !(id_ok && partial_ok && signature_ok) {
        return Err(fail("authentication failed"));
    }
    Ok(params)
}

fn plans() -> Value {
    json!([
        {"plan_id": "88", "name": "m.2", "vcpu": "2", "price": "0.0104", "ram": "2048", "storage": "35", "bandwidth": "2500"},
        {"plan_id": "89", "name": "m.4", "vcpu": "4", "price": "0.0208", "ram": "4096", "storage": "70", "bandwidth": "3000"}
    ])
}

fn images() -> Value {
    json!([
        {"image_id": "94953", "name": "Ubuntu 18.04 64-bit (template)", "status": "active", "size": "2361393152", "region": "toronto"},
        {"image_id": "141091", "name": "mysnapshot", "status": "active", "size": "4294967296", "region": "toronto"}
    ])
}

fn status_fields(machine: &Machine) -> (&'static str, &'static str, &'static str) {
    // (status_raw, status_nohtml, status_color); the raw values follow OpenStack's vm_state names.
    match machine.phase {
        Phase::Creating => ("building", "Building", "yellow"),
        Phase::Running | Phase::Rebooting => ("active", "Online", "green"),
        Phase::Starting => ("stopped", "Starting", "yellow"),
        Phase::Stopping => ("active", "Stopping", "yellow"),
        Phase::Stopped => ("stopped", "Offline", "red"),
        Phase::Deleting => ("deleted", "Deleting", "red"),
        // Only Hyperstack hibernates.
        Phase::Hibernating | Phase::Hibernated | Phase::Restoring => ("stopped", "Offline", "red"),
    }
}

fn vm_list(state: &State) -> Response {
    let machines = state.machines.lock().unwrap().list();
    let vms: Vec<Value> = machines
        .iter()
        .map(|m| {
            let mut extra = m.record["extra"].clone();
            extra["os_status"] = json!(status_fields(m).0);
            if let Some(ip) = &m.public_ip {
                extra["primaryip"] = json!(ip);
            }
            extra
        })
        .collect();
    ok(Map::from_iter([("vms".into(), Value::Array(vms))]))
}

fn vm_info(state: &State, id: &str) -> Response {
    let Some(machine) = state.machines.lock().unwrap().get(id) else { return fail("vm not found") };
    let mut record = machine.record.clone();
    let (raw, plain, color) = status_fields(&machine);
    record["info"]["status_raw"] = json!(raw);
    record["info"]["status_nohtml"] = json!(plain);
    record["info"]["status_color"] = json!(color);
    record["info"]["status"] = json!(format!("<font color=\"{color}\"><b>{plain}</b></font>"));
    record["extra"]["os_status"] = json!(raw);
    if let Some(ip) = &machine.public_ip {
        record["info"]["ip"] = json!(ip);
        record["extra"]["primaryip"] = json!(ip);
    }
    Json(record).into_response()
}

fn required<'a>(params: &'a Map<String, Value>, names: &[&str]) -> Result<Vec<&'a str>, Response> {
    names
        .iter()
        .map(|n| {
            params
                .get(*n)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| fail(&format!("{n} is required")))
        })
        .collect()
}

/// `securitygroup/create` takes `region` and `name` (nomoon/lunanode:lunanode_api_def.yaml); the answer's
/// `group_id` is the fake's assumption.
fn group_create(state: &State, params: &Map<String, Value>) -> Response {
    let fields = match required(params, &["region", "name"]) {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let id = (100 + state.next_id.fetch_add(1, Ordering::SeqCst)).to_string();
    state
        .groups
        .lock()
        .unwrap()
        .push(json!({"group_id": id, "region": fields[0], "name": fields[1], "rules": []}));
    ok(Map::from_iter([("group_id".into(), json!(id))]))
}

/// `securitygroup/rule-insert`: required `region, group_id, direction, type, protocol, remote_type,
/// remote_value`, optional `port_min, port_max, label` (same source). Accepted values are not documented.
fn rule_insert(state: &State, params: &Map<String, Value>) -> Response {
    let names = ["region", "group_id", "direction", "type", "protocol", "remote_type", "remote_value"];
    if let Err(response) = required(params, &names) {
        return response;
    }
    let mut groups = state.groups.lock().unwrap();
    let Some(group) = groups.iter_mut().find(|g| g["group_id"] == params["group_id"]) else {
        return fail("security group not found");
    };
    if let Some(rules) = group["rules"].as_array_mut() {
        rules.push(Value::Object(params.clone()));
    }
    ok(Map::new())
}

fn group_delete(state: &State, params: &Map<String, Value>) -> Response {
    if let Err(response) = required(params, &["region", "group_id"]) {
        return response;
    }
    state.groups.lock().unwrap().retain(|g| g["group_id"] != params["group_id"]);
    ok(Map::new())
}

/// `script/create` with `name` and `content` answers `script_id` (LunaNode/launchbtcpay:main.go).
fn script_create(state: &State, params: &Map<String, Value>) -> Response {
    let fields = match required(params, &["name", "content"]) {
        Ok(fields) => fields,
        Err(response) => return response,
    };
    let id = (500 + state.next_id.fetch_add(1, Ordering::SeqCst)).to_string();
    state.scripts.lock().unwrap().push(json!({"script_id": id, "name": fields[0], "content": fields[1]}));
    ok(Map::from_iter([("script_id".into(), json!(id))]))
}

fn vm_create(state: &State, params: &Map<String, Value>) -> Response {
    let param = |name: &str| params.get(name).and_then(Value::as_str).filter(|v| !v.is_empty());
    let Some(hostname) = param("hostname") else { return fail("hostname is required") };
    let Some(plan_id) = param("plan_id") else { return fail("plan_id is required") };
    let Some(plan) = plans()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan_id"] == json!(plan_id) || p["name"] == json!(plan_id))
        .cloned()
    else {
        return fail("invalid plan_id");
    };
    if param("image_id").is_none() && param("volume_id").is_none() {
        return fail("one of image_id and volume_id must be set");
    }
    let region = param("region").unwrap_or("toronto");
    if !REGIONS.iter().any(|(id, _)| *id == region) {
        return fail("invalid region");
    }
    // `securitygroups` and `scripts` are comma lists of ids (seed); each must exist.
    let groups: Vec<String> =
        param("securitygroups").map(|g| g.split(',').map(str::to_owned).collect()).unwrap_or_default();
    if let Some(unknown) =
        groups.iter().find(|g| !state.groups.lock().unwrap().iter().any(|k| k["group_id"] == json!(g)))
    {
        return fail(&format!("security group {unknown} not found"));
    }
    if let Some(scripts) = param("scripts") {
        if scripts
            .split(',')
            .any(|id| !state.scripts.lock().unwrap().iter().any(|k| k["script_id"] == json!(id)))
        {
            return fail("script not found");
        }
    }
    let n = state.next_id.fetch_add(1, Ordering::SeqCst);
    let id = format!("{n:08x}-0a86-42ea-bea8-ed60bd960c68");
    let mut record = fixture("lunanode/vm-info-200.json");
    for (key, value) in [
        ("vm_id", json!(id)),
        ("hostname", json!(hostname)),
        ("name", json!(hostname)),
        ("plan_id", plan["plan_id"].clone()),
        ("ram", plan["ram"].clone()),
        ("vcpu", plan["vcpu"].clone()),
        ("storage", plan["storage"].clone()),
        ("region", json!(region)),
    ] {
        record["extra"][key] = value;
    }
    record["info"]["hostname"] = json!(hostname);
    // vm/info names a VM's groups by id and by name (seed: security_group_ids, security_groups, securitygroups).
    let known = state.groups.lock().unwrap().clone();
    let names: Vec<Value> = groups
        .iter()
        .filter_map(|id| known.iter().find(|g| g["group_id"] == json!(id)).map(|g| g["name"].clone()))
        .collect();
    record["info"]["security_group_ids"] = json!(groups);
    record["info"]["security_groups"] = json!(names);
    record["info"]["securitygroups"] = json!(names);
    let mut machine = Machine::new(id.clone(), hostname, Phase::Creating, record);
    machine.public_ip = Some(format!("172.81.176.{}", 100 + n % 100));
    state.machines.lock().unwrap().insert(machine);
    ok(Map::from_iter([("vm_id".into(), json!(id))]))
}

fn vm_simple(state: &State, action: &str, id: &str) -> Response {
    let mut machines = state.machines.lock().unwrap();
    let result = match action {
        "start" => machines.start(id),
        "stop" => machines.stop(id),
        "reboot" => machines.reboot(id),
        _ => machines.delete(id),
    };
    match result {
        Ok(()) => ok(Map::new()),
        Err(Refusal::NotFound) => fail("vm not found"),
        Err(Refusal::WrongState(_)) => fail(&format!("cannot {action} the vm in its current state")),
    }
}

fn vm_vnc(state: &State, id: &str) -> Response {
    if state.machines.lock().unwrap().get(id).is_none() {
        return fail("vm not found");
    }
    ok(Map::from_iter([(
        "vnc_url".into(),
        json!(format!("https://toronto-ctrl.example.invalid:6080/vnc2.html?token={id}")),
    )]))
}
