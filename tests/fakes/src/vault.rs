//! The one part of Vault's HTTP API a real server cannot be made to answer here: OIDC sign-in, which
//! needs an identity provider (see `docs/providers/vault.md`). Everything else VMDeck asks Vault is
//! tested against a real OpenBao server (src-tauri/engine/tests/vault_openbao.rs). This fake answers
//! `auth/oidc/oidc/auth_url`, `auth/oidc/oidc/callback` and, for the token that sign-in yields,
//! `auth/token/lookup-self`; errors are `{"errors": [...]}`.

use crate::control::Shared;
use crate::{serve, Running};
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxState};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long the tokens of an OIDC sign-in live (Vault's default 768 h).
const TOKEN_TTL: Duration = Duration::from_secs(2_764_800);

#[derive(Debug, Clone)]
struct Token {
    policies: Vec<String>,
    display_name: String,
    issued: SystemTime,
}

#[derive(Debug, Default)]
struct Vault {
    tokens: HashMap<String, Token>,
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

pub async fn start() -> std::io::Result<Running<State>> {
    let state = State { inner: Default::default(), counter: Arc::new(AtomicU64::new(1)) };
    let app = Router::new()
        .route("/v1/{*path}", any(dispatch))
        .route("/__fake/vault/idp/authorize", axum::routing::get(idp_authorize))
        .with_state(state.clone());
    serve(app, state, Shared::new(None, error)).await
}

fn envelope(state: &State, data: Value, auth: Value) -> Response {
    let id = state.counter.fetch_add(1, Ordering::SeqCst);
    Json(json!({
        "request_id": format!("00000000-0000-4000-8000-{id:012}"),
        "lease_id": "",
        "renewable": false,
        "lease_duration": 0,
        "data": data,
        "wrap_info": null,
        "warnings": null,
        "auth": auth,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct CallbackQuery {
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
        return envelope(state, json!({"auth_url": ""}), Value::Null);
    }
    let n = state.counter.fetch_add(1, Ordering::SeqCst);
    let (oidc_state, nonce) = (format!("st_{n}"), format!("n_{n}"));
    state.inner.lock().unwrap().oidc.insert(oidc_state.clone(), (nonce.clone(), redirect.to_owned(), None));
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let url = format!(
        "http://{host}/__fake/vault/idp/authorize?client_id=vault&state={oidc_state}&nonce={nonce}&redirect_uri={}",
        redirect.replace(':', "%3A").replace('/', "%2F")
    );
    envelope(state, json!({"auth_url": url}), Value::Null)
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
fn oidc_callback(state: &State, query: &CallbackQuery) -> Response {
    let key = query.state.clone().unwrap_or_default();
    let pending = state.inner.lock().unwrap().oidc.remove(&key);
    match pending {
        Some((nonce, _, Some(code)))
            if Some(&nonce) == query.nonce.as_ref() && Some(&code) == query.code.as_ref() =>
        {
            login(state, &["vmdeck-reader"], "oidc-alice")
        }
        _ => error(StatusCode::BAD_REQUEST, "Expired or missing OAuth state."),
    }
}

async fn dispatch(
    AxState(state): AxState<State>,
    method: Method,
    headers: HeaderMap,
    Path(path): Path<String>,
    Query(query): Query<CallbackQuery>,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match (method.as_str(), path.as_str()) {
        ("POST" | "PUT", "auth/oidc/oidc/auth_url") => oidc_auth_url(&state, &headers, &body),
        ("GET", "auth/oidc/oidc/callback") => oidc_callback(&state, &query),
        ("GET", "auth/token/lookup-self") => {
            let token = headers.get("X-Vault-Token").and_then(|v| v.to_str().ok()).unwrap_or_default();
            let info = state.inner.lock().unwrap().tokens.get(token).cloned();
            match info {
                Some(info) => lookup_self(&state, token, &info),
                None => error(StatusCode::FORBIDDEN, "permission denied"),
            }
        }
        _ => error(StatusCode::NOT_FOUND, "this fake answers only OIDC sign-in and lookup-self"),
    }
}

fn login(state: &State, policies: &[&str], display_name: &str) -> Response {
    let token = format!("hvs.fake-{}", state.counter.fetch_add(1, Ordering::SeqCst));
    let mut all = vec!["default".to_owned()];
    all.extend(policies.iter().map(|p| (*p).to_owned()));
    let info =
        Token { policies: all.clone(), display_name: display_name.to_owned(), issued: SystemTime::now() };
    state.inner.lock().unwrap().tokens.insert(token.clone(), info);
    let auth = json!({
        "client_token": token,
        "accessor": format!("accessor-{token}"),
        "policies": all,
        "token_policies": all,
        "metadata": {},
        "lease_duration": TOKEN_TTL.as_secs(),
        "renewable": true,
        "entity_id": "",
        "token_type": "service",
        "orphan": true,
        "mfa_requirement": null,
        "num_uses": 0
    });
    envelope(state, Value::Null, auth)
}

fn lookup_self(state: &State, token: &str, info: &Token) -> Response {
    let left = TOKEN_TTL.saturating_sub(info.issued.elapsed().unwrap_or_default());
    let data = json!({
        "accessor": format!("accessor-{token}"),
        "creation_time": info.issued.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs(),
        "creation_ttl": TOKEN_TTL.as_secs(),
        "display_name": info.display_name,
        "entity_id": "",
        "explicit_max_ttl": 0,
        "id": token,
        "meta": null,
        "num_uses": 0,
        "orphan": true,
        "path": "auth/oidc/oidc/callback",
        "policies": info.policies,
        "renewable": true,
        "ttl": left.as_secs(),
        "type": "service"
    });
    envelope(state, data, Value::Null)
}
