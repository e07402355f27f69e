//! Lunanode's Dynamic API: every call a signed form POST to `/api/{category}/{action}/`.
//! See docs/providers/lunanode.md for the signature and what is still an open question.

pub(crate) mod records;
mod setup;

use super::http::{Http, Retry};
use super::{array, base_url, text, unsupported, Provider, USER_DATA_LIMIT};
use crate::error::{AppError, ErrorCode, Result};
use crate::model::*;
use crate::secret::Secret;
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use records::{number, vm_of_extra, vm_of_info};
use reqwest::Method;
use serde_json::{json, Map, Value};
use sha2::Sha512;
use std::sync::atomic::{AtomicU64, Ordering};

pub const DEFAULT_BASE_URL: &str = "https://dynamic.lunanode.com";
pub const API_ID_LEN: usize = 16;
pub const API_KEY_LEN: usize = 128;

pub struct Lunanode {
    http: Http,
    base: String,
    api_id: String,
    api_key: Secret,
    last_nonce: AtomicU64,
    /// Held from a call's nonce until its answer: concurrent calls would otherwise reach the server with
    /// their nonces out of order, and a nonce must grow in the order the server sees them.
    in_flight: tokio::sync::Mutex<()>,
}

/// The `error` text of a failure body.
pub fn error_text(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    value.get("error").and_then(Value::as_str).map(str::to_owned)
}

/// Lowercase hex HMAC-SHA512 keyed with the whole API key over `"{handler}|{req}|{nonce}"`.
pub fn signature(api_key: &str, handler: &str, req: &str, nonce: &str) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(api_key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(format!("{handler}|{req}|{nonce}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl Lunanode {
    pub fn new(base_url_: &str, api_id: &str, api_key: Secret) -> Result<Self> {
        Ok(Self::with_http(base_url_, api_id, api_key, Http::new(ProviderKind::Lunanode, error_text)?))
    }

    pub fn with_http(base_url_: &str, api_id: &str, api_key: Secret, http: Http) -> Self {
        Self {
            http,
            base: base_url(base_url_),
            api_id: api_id.trim().to_owned(),
            api_key,
            last_nonce: AtomicU64::new(0),
            in_flight: tokio::sync::Mutex::new(()),
        }
    }

    /// Checks the lengths LunaNode's own client checks, before anything is sent.
    pub fn validate(api_id: &str, api_key: &str) -> Result<()> {
        if api_id.trim().len() != API_ID_LEN {
            return Err(AppError::invalid_input(
                "api_id",
                format!("A Lunanode API ID has {API_ID_LEN} characters."),
            ));
        }
        if api_key.trim().len() != API_KEY_LEN {
            return Err(AppError::invalid_input(
                "api_key",
                format!("A Lunanode API key has {API_KEY_LEN} characters."),
            ));
        }
        Ok(())
    }

    /// Seconds since the epoch, but always above the last one used.
    fn nonce(&self) -> String {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
        let mut last = self.last_nonce.load(Ordering::SeqCst);
        loop {
            let next = now.max(last + 1);
            match self.last_nonce.compare_exchange(last, next, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return next.to_string(),
                Err(seen) => last = seen,
            }
        }
    }

    async fn call(&self, retry: Retry, handler: &str, params: &[(&str, String)]) -> Result<Value> {
        let mut req = Map::new();
        for (key, value) in params {
            req.insert((*key).to_owned(), json!(value));
        }
        req.insert("api_id".into(), json!(self.api_id));
        let key = self.api_key.expose();
        req.insert("api_partialkey".into(), json!(&key[..key.len().min(64)]));
        let req = Value::Object(req).to_string();
        let handler = format!("{handler}/");
        let url = format!("{}/api/{handler}", self.base);
        let turn = self.in_flight.lock().await;
        let answer = self
            .http
            .send(retry, || {
                // A fresh nonce and signature for every attempt.
                let nonce = self.nonce();
                let signature = signature(key, &handler, &req, &nonce);
                let form = [
                    ("handler", handler.as_str()),
                    ("req", &req),
                    ("signature", &signature),
                    ("nonce", &nonce),
                ];
                self.http.request(Method::POST, &url).form(&form)
            })
            .await;
        drop(turn);
        let value: Value = answer?.json(ProviderKind::Lunanode)?;
        if value.get("success").and_then(Value::as_str) == Some("yes") {
            return Ok(value);
        }
        Err(refusal(value.get("error").and_then(Value::as_str).unwrap_or("the call failed")))
    }
}

/// Lunanode answers failures as `success: "no"`; its texts are not documented, so the code is a guess
/// from the words, and the text is always kept.
fn refusal(text: &str) -> AppError {
    let lower = text.to_lowercase();
    let code = if ["auth", "api key", "api_id", "signature", "partialkey"].iter().any(|w| lower.contains(w)) {
        ErrorCode::AuthFailed
    } else if lower.contains("not found") {
        ErrorCode::NotFound
    } else if ["required", "invalid", "must"].iter().any(|w| lower.contains(w)) {
        ErrorCode::InvalidInput
    } else {
        ErrorCode::ProviderError
    };
    let message = match code {
        ErrorCode::AuthFailed => {
            format!("Lunanode rejected the API ID or key. Lunanode said: \u{201c}{text}\u{201d}")
        }
        _ => format!("Lunanode said: \u{201c}{text}\u{201d}"),
    };
    AppError::new(code, message).with_detail("provider", "Lunanode").with_detail("provider_message", text)
}

impl Lunanode {
    /// The user and password Lunanode reports for a VM (template images), for the SSH login only.
    pub async fn login_details(&self, id: &str) -> Result<Option<(String, Secret)>> {
        let answer = self.call(Retry::Idempotent, "vm/info", &[("vm_id", id.to_owned())]).await?;
        let details = text(&answer["info"], "login_details").unwrap_or_default();
        let user = crate::targets::lunanode_login_user(&details);
        let password = details
            .split(';')
            .find_map(|p| p.trim().strip_prefix("password:").map(|s| Secret::new(s.trim())));
        Ok(user.zip(password))
    }
}

#[async_trait]
impl Provider for Lunanode {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Lunanode
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            regions: true,
            security_rules_at_create: true,
            key_pairs: true,
            password_login: true,
            cloud_init: true,
            max_count: 1,
            console: ConsoleKind::ProviderUrl,
            reboot: true,
            labels: false,
            max_name_len: 63,
            import_key: false,
            clone_only: false,
            public_ip_choice: false,
            max_user_data_bytes: USER_DATA_LIMIT,
            hibernate: false,
            public_ip_attach: false,
            port_randomization: false,
            security_groups: true,
        }
    }

    async fn catalog(&self) -> Result<Catalog> {
        let (regions, plans, images, keys, groups) = tokio::try_join!(
            self.call(Retry::Idempotent, "region/list", &[]),
            self.call(Retry::Idempotent, "plan/list", &[]),
            self.call(Retry::Idempotent, "image/list", &[]),
            self.call(Retry::Idempotent, "sshkey/list", &[]),
            self.call(Retry::Idempotent, "securitygroup/list", &[]),
        )?;
        Ok(Catalog {
            regions: records::regions_of(&regions),
            security_groups: records::security_groups_of(&groups)?,
            images: array(&images, "images")
                .iter()
                .map(|i| Image {
                    id: text(i, "image_id").unwrap_or_default(),
                    name: text(i, "name").unwrap_or_default(),
                    distribution: None,
                    version: None,
                    region: text(i, "region"),
                    min_disk_gb: None,
                    min_ram_gb: None,
                })
                .collect(),
            flavors: array(&plans, "plans")
                .iter()
                .map(|p| Flavor {
                    id: text(p, "plan_id").unwrap_or_default(),
                    name: text(p, "name").unwrap_or_default(),
                    region: None,
                    vcpu: number(p, "vcpu").map(|v| v as u32),
                    ram_gb: number(p, "ram").map(|mb| mb / 1024.0),
                    disk_gb: number(p, "storage"),
                    gpu: None,
                    gpu_count: 0,
                    price: text(p, "price").map(|given| Price { as_given: Some(given), ..Price::default() }),
                    available: true,
                })
                .collect(),
            key_pairs: records::key_pairs_of(&keys)?,
            // Not documented: the protocols an OpenStack security group rule takes, as in the wizard's presets.
            rule_protocols: ["tcp", "udp", "icmp"].map(String::from).to_vec(),
        })
    }

    async fn list_vms(&self) -> Result<Vec<Vm>> {
        let answer = self.call(Retry::Idempotent, "vm/list", &[]).await?;
        Ok(answer
            .get("vms")
            .and_then(Value::as_array)
            .map(|l| l.iter().map(vm_of_extra).collect())
            .unwrap_or_default())
    }

    async fn get_vm(&self, id: &str) -> Result<Vm> {
        Ok(vm_of_info(&self.call(Retry::Idempotent, "vm/info", &[("vm_id", id.to_owned())]).await?))
    }

    fn create_call(&self, request: &CreateRequest) -> Result<PreparedCall> {
        if request.count > 1 {
            return Err(AppError::invalid_input("count", "Lunanode creates one VM per call."));
        }
        let plan = request
            .flavor
            .clone()
            .ok_or_else(|| AppError::invalid_input("flavor", "Lunanode needs a plan."))?;
        let image = request
            .image
            .clone()
            .ok_or_else(|| AppError::invalid_input("image", "Lunanode needs an image."))?;
        let mut params = vec![("hostname", request.name.clone()), ("plan_id", plan), ("image_id", image)];
        if let Some(region) = &request.region {
            params.push(("region", region.clone()));
        }
        if let Some(key) = &request.key_pair {
            params.push(("key_id", key.clone()));
        }
        // The review shows what the setup calls will make; `create` puts their real ids in.
        let mut groups: Vec<String> = request.security_groups.clone();
        if !request.security_rules.is_empty() {
            groups.push(format!("<new group {} from the rules>", setup::group_name(&request.name)));
        }
        if !groups.is_empty() {
            params.push(("securitygroups", groups.join(",")));
        }
        if request.user_data.as_deref().is_some_and(|u| !u.trim().is_empty()) {
            params.push(("scripts", "<new startup script from the cloud-init>".into()));
        }
        let body: Map<String, Value> = params.into_iter().map(|(k, v)| (k.to_owned(), json!(v))).collect();
        Ok(PreparedCall { method: "POST".into(), path: "vm/create".into(), body: Value::Object(body) })
    }

    async fn create(&self, request: &CreateRequest) -> Result<Vec<Vm>> {
        let call = self.create_call(request)?;
        let prepared = self.prepare(request).await?;
        let mut params: Vec<(&str, String)> = call
            .body
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| !matches!(k.as_str(), "securitygroups" | "scripts"))
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        if let Some(groups) = prepared.security_groups(request) {
            params.push(("securitygroups", groups));
        }
        if let Some(script) = &prepared.script_id {
            params.push(("scripts", script.clone()));
        }
        let answer = match self.call(Retry::Never, &call.path, &params).await {
            Ok(answer) => answer,
            Err(err) => {
                self.clean_up(&prepared).await;
                return Err(err);
            }
        };
        let id = text(&answer, "vm_id").unwrap_or_default();
        Ok(vec![Vm {
            id,
            name: request.name.clone(),
            provider: ProviderKind::Lunanode,
            state: VmState::Creating,
            raw_state: "building".into(),
            addresses: Vec::new(),
            region: request.region.clone(),
            image: request.image.clone(),
            flavor: None,
            created: None,
            labels: Vec::new(),
            security_rules: Vec::new(),
            ssh_port: Some(22),
            extra: answer,
        }])
    }

    async fn power(&self, id: &str, action: PowerAction) -> Result<()> {
        let handler = match action {
            PowerAction::Start => "vm/start",
            PowerAction::Stop => "vm/stop",
            PowerAction::Reboot => "vm/reboot",
            PowerAction::Hibernate | PowerAction::Restore => {
                return Err(unsupported(self.kind(), "hibernation"))
            }
        };
        self.call(Retry::Never, handler, &[("vm_id", id.to_owned())]).await.map(drop)
    }

    async fn delete(&self, id: &str) -> Result<()> {
        self.call(Retry::Never, "vm/delete", &[("vm_id", id.to_owned())]).await.map(drop)
    }

    async fn login_password(&self, id: &str) -> Result<Option<(String, Secret)>> {
        self.login_details(id).await
    }

    async fn console(&self, id: &str) -> Result<ConsoleTarget> {
        let answer = self.call(Retry::Idempotent, "vm/vnc", &[("vm_id", id.to_owned())]).await?;
        text(&answer, "vnc_url")
            .map(|url| ConsoleTarget::Url { url })
            .ok_or_else(|| unsupported(self.kind(), "console URL for this VM"))
    }
}
