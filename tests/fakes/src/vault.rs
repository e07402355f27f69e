//! HashiCorp Vault's HTTP API, the parts VMDeck uses (see `docs/providers/vault.md`): KV v1 and v2 reads
//! (with `?version=`), token lookup-self and renew-self, userpass and AppRole login, a mount's KV version,
//! denied paths (403), a sealed state (503) and namespaces (`X-Vault-Namespace`). Errors are
//! `{"errors": [...]}`.

use crate::control::Shared;
use crate::credentials::VAULT_ROOT_TOKEN;
use crate::enclaive::{TEAM_ID, VAULT_TOKEN as ENCLAIVE_TEAM_TOKEN};
use crate::{serve, Running};
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const USERPASS_USER: &str = "alice";
pub const USERPASS_PASSWORD: &str = "wonderland";
pub const APPROLE_ROLE_ID: &str = "vmdeck-role-id";
pub const APPROLE_SECRET_ID: &str = "vmdeck-secret-id";
pub const NAMESPACE: &str = "team-a";
/// The enclaive root credential path of the docs, for the fake's seeded team.
pub fn enclaive_root_path() -> String {
    format!("{TEAM_ID}/user/root")
}

#[derive(Debug, Clone)]
struct Token {
    policies: Vec<String>,
    namespace: String,
    display_name: String,
    ttl: Duration,
    issued: SystemTime,
    renewable: bool,
}

impl Token {
    fn remaining(&self) -> Option<Duration> {
        if self.ttl.is_zero() {
            return Some(Duration::MAX); // root tokens never expire
        }
        self.ttl.checked_sub(self.issued.elapsed().unwrap_or_default())
    }
}

#[derive(Debug, Clone)]
struct Version {
    data: Value,
    created: SystemTime,
    deleted: Option<SystemTime>,
}

#[derive(Debug, Default)]
struct Vault {
    sealed: bool,
    tokens: HashMap<String, Token>,
    /// (namespace, mount) → KV version.
    mounts: HashMap<(String, String), u8>,
    /// (namespace, mount, path) → versions, oldest first.
    secrets: HashMap<(String, String, String), Vec<Version>>,
    /// (namespace, API path prefix) that every token is denied.
    denied: Vec<(String, String)>,
    /// OIDC logins started with `auth_url`: state → (nonce, redirect_uri, code once the IdP answered).
    oidc: HashMap<String, (String, String, Option<String>)>,
}

#[derive(Clone)]
pub struct State {
    inner: Arc<Mutex<Vault>>,
    counter: Arc<AtomicU64>,
}

pub fn error(status: StatusCode, message: &str) -> Response {
    let errors: Vec<&str> = if message.is_empty() { vec![] } else { vec![message] };
    (status, Json(json!({ "errors": errors }))).into_response()
}

fn permission_denied() -> Response {
    error(StatusCode::FORBIDDEN, "permission denied")
}

fn rfc3339(time: SystemTime) -> String {
    // Seconds since the epoch rendered as a UTC timestamp, without a date crate.
    let secs = time.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000000Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl State {
    fn new() -> Self {
        let state = Self { inner: Default::default(), counter: Arc::new(AtomicU64::new(1)) };
        {
            let mut vault = state.inner.lock().unwrap();
            let root = String::new();
            vault.mounts.insert((root.clone(), "enclaive-static".into()), 2);
            vault.mounts.insert((root.clone(), "secret".into()), 2);
            vault.mounts.insert((root.clone(), "kv1".into()), 1);
            vault.mounts.insert((NAMESPACE.into(), "secret".into()), 2);
        }
        state.add_token(VAULT_ROOT_TOKEN, &["root"], "", Duration::ZERO);
        state.add_token(ENCLAIVE_TEAM_TOKEN, &["enclaive-team"], "", Duration::from_secs(3600));
        let root_path = enclaive_root_path();
        state.put(
            "",
            "enclaive-static",
            &root_path,
            json!({"username": "root", "password": "first-password"}),
        );
        state.put(
            "",
            "enclaive-static",
            &root_path,
            json!({"username": "root", "password": "Sup3r-Secret!"}),
        );
        state.put("", "kv1", "vmdeck/lab", json!({"username": "debian", "password": "kv1-password"}));
        state.put(NAMESPACE, "secret", "vmdeck/lab", json!({"username": "ubuntu", "password": "namespaced"}));
        state
    }

    fn add_token(&self, token: &str, policies: &[&str], namespace: &str, ttl: Duration) {
        let info = Token {
            policies: policies.iter().map(|p| (*p).to_owned()).collect(),
            namespace: namespace.to_owned(),
            display_name: "token".into(),
            ttl,
            issued: SystemTime::now(),
            renewable: !ttl.is_zero(),
        };
        self.inner.lock().unwrap().tokens.insert(token.to_owned(), info);
    }

    /// Issues a token that expires after `ttl`, for tests of renewal and expiry.
    pub fn issue_token(&self, ttl: Duration) -> String {
        let token = format!("hvs.fake-{}", self.counter.fetch_add(1, Ordering::SeqCst));
        self.add_token(&token, &["default"], "", ttl);
        token
    }

    /// Writes a new version of a secret (KV v2 keeps every version; KV v1 keeps the last).
    pub fn put(&self, namespace: &str, mount: &str, path: &str, data: Value) {
        let mut vault = self.inner.lock().unwrap();
        let version = Version { data, created: SystemTime::now(), deleted: None };
        let kv = vault.mounts.get(&(namespace.to_owned(), mount.to_owned())).copied().unwrap_or(2);
        let versions = vault.secrets.entry((namespace.into(), mount.into(), path.into())).or_default();
        if kv == 1 {
            versions.clear();
        }
        versions.push(version);
    }

    /// Soft-deletes one version of a KV v2 secret.
    pub fn delete_version(&self, namespace: &str, mount: &str, path: &str, version: usize) {
        let mut vault = self.inner.lock().unwrap();
        if let Some(v) = vault
            .secrets
            .get_mut(&(namespace.into(), mount.into(), path.into()))
            .and_then(|v| v.get_mut(version - 1))
        {
            v.deleted = Some(SystemTime::now());
        }
    }

    /// Every token but the root one runs out now, as if its TTL had passed.
    pub fn expire_all(&self) {
        for token in self.inner.lock().unwrap().tokens.values_mut() {
            if !token.ttl.is_zero() {
                token.ttl = Duration::from_millis(1);
                token.issued = SystemTime::now() - Duration::from_secs(1);
            }
        }
    }

    pub fn seal(&self, sealed: bool) {
        self.inner.lock().unwrap().sealed = sealed;
    }

    /// Every token gets 403 on API paths that start with `prefix` (e.g. `enclaive-static/data/`).
    pub fn deny(&self, namespace: &str, prefix: &str) {
        self.inner.lock().unwrap().denied.push((namespace.to_owned(), prefix.to_owned()));
    }
}

pub async fn start() -> std::io::Result<Running<State>> {
    let state = State::new();
    let app = Router::new()
        .route("/v1/{*path}", any(dispatch))
        .route("/__fake/vault/seal", put(control_seal))
        .route("/__fake/vault/deny", post(control_deny))
        .route("/__fake/vault/secrets", post(control_put))
        .route("/__fake/vault/idp/authorize", axum::routing::get(idp_authorize))
        .with_state(state.clone());
    serve(app, state, Shared::new(None, error)).await
}

#[derive(Deserialize)]
struct Sealed {
    sealed: bool,
}

async fn control_seal(AxState(state): AxState<State>, Json(body): Json<Sealed>) -> StatusCode {
    state.seal(body.sealed);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct Deny {
    #[serde(default)]
    namespace: String,
    prefix: String,
}

#[derive(Deserialize)]
struct Put {
    #[serde(default)]
    namespace: String,
    mount: String,
    path: String,
    data: Value,
}

/// Writes a new version of a secret, e.g. the login of a test sshd user at enclaive's path.
async fn control_put(AxState(state): AxState<State>, Json(body): Json<Put>) -> StatusCode {
    state.put(&body.namespace, &body.mount, &body.path, body.data);
    StatusCode::NO_CONTENT
}

async fn control_deny(AxState(state): AxState<State>, Json(body): Json<Deny>) -> StatusCode {
    state.deny(&body.namespace, &body.prefix);
    StatusCode::NO_CONTENT
}

fn envelope(
    state: &State,
    data: Value,
    auth: Value,
    lease_duration: u64,
    mount_type: Option<&str>,
) -> Response {
    let id = state.counter.fetch_add(1, Ordering::SeqCst);
    Json(json!({
        "request_id": format!("00000000-0000-4000-8000-{id:012}"),
        "lease_id": "",
        "renewable": false,
        "lease_duration": lease_duration,
        "data": data,
        "wrap_info": null,
        "warnings": null,
        "auth": auth,
        "mount_type": mount_type.map_or(Value::Null, |t| json!(t)),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct VersionQuery {
    version: Option<u64>,
    state: Option<String>,
    nonce: Option<String>,
    code: Option<String>,
}

/// The role the fake's OIDC mount knows, and the only redirect URI it allows (the Vault CLI's default).
pub const OIDC_ROLE: &str = "vmdeck";
pub const OIDC_REDIRECT: &str = "http://localhost:8250/oidc/callback";

/// OIDC step 1 (`POST auth/oidc/oidc/auth_url {role, redirect_uri}`): answers `{data: {auth_url}}` pointing
/// at the fake identity provider below; an unknown role or a redirect URI the role does not allow gets the
/// empty `auth_url` Vault answers with in that case.
fn oidc_auth_url(state: &State, headers: &HeaderMap, body: &Value) -> Response {
    let role = body.get("role").and_then(Value::as_str).unwrap_or(OIDC_ROLE);
    let redirect = body.get("redirect_uri").and_then(Value::as_str).unwrap_or_default();
    if role != OIDC_ROLE
        || !redirect.starts_with("http://localhost:")
        || !redirect.ends_with("/oidc/callback")
    {
        return envelope(state, json!({"auth_url": ""}), Value::Null, 0, None);
    }
    let n = state.counter.fetch_add(1, Ordering::SeqCst);
    let (oidc_state, nonce) = (format!("st_{n}"), format!("n_{n}"));
    state.inner.lock().unwrap().oidc.insert(oidc_state.clone(), (nonce.clone(), redirect.to_owned(), None));
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let url = format!(
        "http://{host}/__fake/vault/idp/authorize?client_id=vault&state={oidc_state}&nonce={nonce}&redirect_uri={}",
        redirect.replace(':', "%3A").replace('/', "%2F")
    );
    envelope(state, json!({"auth_url": url}), Value::Null, 0, None)
}

#[derive(Deserialize)]
struct Authorize {
    state: String,
    redirect_uri: String,
}

/// The identity provider: the user is "signed in" at once and sent back to the redirect URI with a code.
async fn idp_authorize(AxState(state): AxState<State>, Query(query): Query<Authorize>) -> Response {
    let code = format!("code_{}", state.counter.fetch_add(1, Ordering::SeqCst));
    let mut vault = state.inner.lock().unwrap();
    let Some(pending) = vault.oidc.get_mut(&query.state) else {
        return error(StatusCode::BAD_REQUEST, "unknown state");
    };
    pending.2 = Some(code.clone());
    let location = format!("{}?state={}&code={code}", query.redirect_uri, query.state);
    (StatusCode::FOUND, [("location", location)]).into_response()
}

/// OIDC step 2 (`GET auth/oidc/oidc/callback?state&nonce&code`): a token for a matching login, once.
fn oidc_callback(state: &State, namespace: &str, query: &VersionQuery) -> Response {
    let key = query.state.clone().unwrap_or_default();
    let pending = state.inner.lock().unwrap().oidc.remove(&key);
    match pending {
        Some((nonce, _, Some(code)))
            if Some(&nonce) == query.nonce.as_ref() && Some(&code) == query.code.as_ref() =>
        {
            login(state, namespace, &["vmdeck-reader"], "oidc-alice")
        }
        _ => error(StatusCode::BAD_REQUEST, "Expired or missing OAuth state."),
    }
}

async fn dispatch(
    AxState(state): AxState<State>,
    method: Method,
    headers: HeaderMap,
    Path(path): Path<String>,
    Query(query): Query<VersionQuery>,
    body: Bytes,
) -> Response {
    let namespace = headers
        .get("X-Vault-Namespace")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim_matches('/')
        .to_owned();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let sealed = state.inner.lock().unwrap().sealed;
    if path == "sys/health" {
        let status = if sealed { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
        return (
            status,
            Json(json!({"initialized": true, "sealed": sealed, "standby": false, "version": "1.17.0"})),
        )
            .into_response();
    }
    if sealed {
        return error(StatusCode::SERVICE_UNAVAILABLE, "Vault is sealed");
    }
    match (method.as_str(), path.as_str()) {
        ("POST" | "PUT", p) if p.starts_with("auth/userpass/login/") => {
            let user = &p["auth/userpass/login/".len()..];
            let password = body.get("password").and_then(Value::as_str);
            if user == USERPASS_USER && password == Some(USERPASS_PASSWORD) {
                login(&state, &namespace, &["vmdeck-reader"], &format!("userpass-{user}"))
            } else {
                error(StatusCode::BAD_REQUEST, "invalid username or password")
            }
        }
        ("POST" | "PUT", "auth/oidc/oidc/auth_url") => oidc_auth_url(&state, &headers, &body),
        ("GET", "auth/oidc/oidc/callback") => oidc_callback(&state, &namespace, &query),
        ("POST" | "PUT", "auth/approle/login") => {
            let role = body.get("role_id").and_then(Value::as_str);
            let secret = body.get("secret_id").and_then(Value::as_str);
            if role == Some(APPROLE_ROLE_ID) && secret == Some(APPROLE_SECRET_ID) {
                login(&state, &namespace, &["vmdeck-reader"], "approle")
            } else {
                error(StatusCode::BAD_REQUEST, "invalid role or secret ID")
            }
        }
        _ => {
            let token =
                headers.get("X-Vault-Token").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            let Some(info) = valid_token(&state, &token, &namespace) else { return permission_denied() };
            authenticated(&state, &method, &path, &namespace, &token, info, query.version, &body)
        }
    }
}

fn valid_token(state: &State, token: &str, namespace: &str) -> Option<Token> {
    let vault = state.inner.lock().unwrap();
    let info = vault.tokens.get(token)?.clone();
    // A token works in its own namespace and the ones below it.
    let in_scope = info.namespace.is_empty()
        || namespace == info.namespace
        || namespace.starts_with(&format!("{}/", info.namespace));
    (in_scope && info.remaining().is_some_and(|r| !r.is_zero())).then_some(info)
}

fn login(state: &State, namespace: &str, policies: &[&str], display_name: &str) -> Response {
    let token = format!("hvs.fake-{}", state.counter.fetch_add(1, Ordering::SeqCst));
    let ttl = Duration::from_secs(2764800);
    state.add_token(&token, policies, namespace, ttl);
    if let Some(t) = state.inner.lock().unwrap().tokens.get_mut(&token) {
        t.display_name = display_name.to_owned();
    }
    envelope(state, Value::Null, auth_block(&token, policies, ttl.as_secs(), true), 0, None)
}

fn auth_block(token: &str, policies: &[&str], ttl: u64, renewable: bool) -> Value {
    let mut all = vec!["default"];
    all.extend(policies.iter().filter(|p| **p != "default"));
    json!({
        "client_token": token,
        "accessor": format!("accessor-{token}"),
        "policies": all,
        "token_policies": all,
        "metadata": {},
        "lease_duration": ttl,
        "renewable": renewable,
        "entity_id": "",
        "token_type": "service",
        "orphan": true,
        "mfa_requirement": null,
        "num_uses": 0
    })
}

#[allow(clippy::too_many_arguments)]
fn authenticated(
    state: &State,
    method: &Method,
    path: &str,
    namespace: &str,
    token: &str,
    info: Token,
    version: Option<u64>,
    body: &Value,
) -> Response {
    match (method.as_str(), path) {
        ("GET", "auth/token/lookup-self") => {
            let ttl = info.remaining().filter(|r| *r != Duration::MAX).map_or(0, |r| r.as_secs());
            let data = json!({
                "accessor": format!("accessor-{token}"),
                "creation_time": info.issued.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs(),
                "creation_ttl": info.ttl.as_secs(),
                "display_name": info.display_name,
                "entity_id": "",
                "expire_time": if info.ttl.is_zero() { Value::Null } else { json!(rfc3339(info.issued + info.ttl)) },
                "explicit_max_ttl": 0,
                "id": token,
                "issue_time": rfc3339(info.issued),
                "meta": null,
                "num_uses": 0,
                "orphan": true,
                "path": "auth/token/create",
                "policies": info.policies,
                "renewable": info.renewable,
                "ttl": ttl,
                "type": "service"
            });
            envelope(state, data, Value::Null, 0, Some("token"))
        }
        ("POST" | "PUT", "auth/token/renew-self") => {
            if !info.renewable {
                return error(StatusCode::BAD_REQUEST, "lease is not renewable");
            }
            let increment =
                body.get("increment").and_then(Value::as_u64).map(Duration::from_secs).unwrap_or(info.ttl);
            if let Some(t) = state.inner.lock().unwrap().tokens.get_mut(token) {
                t.issued = SystemTime::now();
                t.ttl = increment;
            }
            let policies: Vec<&str> = info.policies.iter().map(String::as_str).collect();
            envelope(state, Value::Null, auth_block(token, &policies, increment.as_secs(), true), 0, None)
        }
        ("GET", p) if p.starts_with("sys/internal/ui/mounts/") => {
            let target = &p["sys/internal/ui/mounts/".len()..];
            let mount = target.split('/').next().unwrap_or_default();
            match state.inner.lock().unwrap().mounts.get(&(namespace.to_owned(), mount.to_owned())) {
                Some(kv) => envelope(
                    state,
                    json!({"path": format!("{mount}/"), "type": "kv", "options": {"version": kv.to_string()}}),
                    Value::Null,
                    0,
                    None,
                ),
                None => permission_denied(),
            }
        }
        ("GET", p) => read_secret(state, p, namespace, version),
        _ => error(StatusCode::METHOD_NOT_ALLOWED, "1 error occurred:\n\t* unsupported operation\n\n"),
    }
}

fn read_secret(state: &State, api_path: &str, namespace: &str, version: Option<u64>) -> Response {
    let vault = state.inner.lock().unwrap();
    if vault.denied.iter().any(|(ns, prefix)| ns == namespace && api_path.starts_with(prefix.as_str())) {
        return permission_denied();
    }
    let (mount, rest) = api_path.split_once('/').unwrap_or((api_path, ""));
    let Some(kv) = vault.mounts.get(&(namespace.to_owned(), mount.to_owned())).copied() else {
        return error(
            StatusCode::FORBIDDEN,
            &format!("1 error occurred:\n\t* permission denied\n\nno handler for route \"{api_path}\""),
        );
    };
    if kv == 1 {
        let versions = vault.secrets.get(&(namespace.to_owned(), mount.to_owned(), rest.to_owned()));
        return match versions.and_then(|v| v.last()) {
            Some(latest) => {
                let data = latest.data.clone();
                drop(vault);
                envelope(state, data, Value::Null, 2_764_800, Some("kv"))
            }
            None => error(StatusCode::NOT_FOUND, ""),
        };
    }
    let Some(path) = rest.strip_prefix("data/") else {
        // A KV v2 mount read as if it were v1.
        return error(StatusCode::NOT_FOUND, "");
    };
    let Some(versions) = vault.secrets.get(&(namespace.to_owned(), mount.to_owned(), path.to_owned())) else {
        return error(StatusCode::NOT_FOUND, "");
    };
    // `?version=0` means the latest, as the enclaive docs' example uses it.
    let wanted = match version {
        None | Some(0) => versions.len(),
        Some(v) => v as usize,
    };
    let Some(found) = versions.get(wanted.wrapping_sub(1)) else { return error(StatusCode::NOT_FOUND, "") };
    let metadata = json!({
        "created_time": rfc3339(found.created),
        "custom_metadata": null,
        "deletion_time": found.deleted.map(rfc3339).unwrap_or_default(),
        "destroyed": false,
        "version": wanted
    });
    if found.deleted.is_some() {
        return (StatusCode::NOT_FOUND, Json(json!({"data": {"data": null, "metadata": metadata}})))
            .into_response();
    }
    let data = json!({"data": found.data, "metadata": metadata});
    drop(vault);
    envelope(state, data, Value::Null, 0, Some("kv"))
}
