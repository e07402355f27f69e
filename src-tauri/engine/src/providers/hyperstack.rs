//! Hyperstack (NexGen Cloud Infrahub): `api_key` header, JSON envelopes. See docs/providers/hyperstack.md.

pub(crate) mod console;
mod paging;
pub(crate) mod records;

use super::http::{json_message, Http, Retry};
use super::{array, base_url, seg, text, Provider, USER_DATA_LIMIT};
use crate::error::{AppError, ErrorCode, Result};
use crate::model::*;
use crate::secret::Secret;
use async_trait::async_trait;
use records::{flavor_of, key_pair_of, price_of, vm_of};
use reqwest::Method;
use serde_json::{json, Value};

pub const DEFAULT_BASE_URL: &str = "https://infrahub-api.nexgencloud.com/v1";

pub use console::ConsolePolling;

pub struct Hyperstack {
    http: Http,
    base: String,
    api_key: Secret,
    console_polling: ConsolePolling,
}

impl Hyperstack {
    pub fn new(base_url_: &str, api_key: Secret) -> Result<Self> {
        Ok(Self {
            http: Http::new(ProviderKind::Hyperstack, json_message)?,
            base: base_url(base_url_),
            api_key,
            console_polling: ConsolePolling::default(),
        })
    }

    pub fn with_http(base_url_: &str, api_key: Secret, http: Http) -> Self {
        Self { http, base: base_url(base_url_), api_key, console_polling: ConsolePolling::default() }
    }

    /// How often and how long the console job is polled (tests shorten it).
    pub fn with_console_polling(mut self, polling: ConsolePolling) -> Self {
        self.console_polling = polling;
        self
    }

    /// A change to one VM (a lifecycle call, public IP, delete): sent once, its answer only checked.
    async fn vm_change(&self, method: Method, id: &str, tail: &str) -> Result<()> {
        self.call(Retry::Never, method, &vm_path(id, tail), None).await.map(drop)
    }

    async fn call(&self, retry: Retry, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let answer = self
            .http
            .send(retry, || {
                let request = self
                    .http
                    .request(method.clone(), &url)
                    .header("api_key", self.api_key.expose())
                    .header("accept", "application/json");
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            })
            .await?;
        let value: Value = answer.json(ProviderKind::Hyperstack)?;
        // A 2xx with `status: false` is still a failure.
        if value.get("status") == Some(&json!(false)) {
            let message = value.get("message").and_then(Value::as_str).unwrap_or("request failed");
            return Err(AppError::new(
                ErrorCode::ProviderError,
                format!("Hyperstack said: \u{201c}{message}\u{201d}"),
            )
            .with_detail("provider_message", message));
        }
        Ok(value)
    }

    async fn get(&self, path: &str) -> Result<Value> {
        self.call(Retry::Idempotent, Method::GET, path, None).await
    }
}

/// `/core/virtual-machines/{id}` plus `tail` (empty, or `/start`, `/console/…`), the id as one segment.
pub(super) fn vm_path(id: &str, tail: &str) -> String {
    format!("/core/virtual-machines/{}{tail}", seg(id))
}

fn create_body(request: &CreateRequest) -> Result<Value> {
    let need = |value: &Option<String>, field: &str| {
        value.clone().ok_or_else(|| AppError::invalid_input(field, format!("Hyperstack needs a {field}.")))
    };
    let rules: Vec<Value> = request
        .security_rules
        .iter()
        .map(|r| {
            let mut rule = json!({
                "direction": match r.direction { Direction::Ingress => "ingress", Direction::Egress => "egress" },
                "protocol": r.protocol,
                "ethertype": match r.ethertype { IpVersion::V4 => "IPv4", IpVersion::V6 => "IPv6" },
                "remote_ip_prefix": r.cidr,
            });
            if let Some(min) = r.port_min {
                rule["port_range_min"] = json!(min);
            }
            if let Some(max) = r.port_max {
                rule["port_range_max"] = json!(max);
            }
            rule
        })
        .collect();
    let mut body = json!({
        "name": request.name,
        "environment_name": need(&request.region, "environment")?,
        "image_name": need(&request.image, "image")?,
        "flavor_name": need(&request.flavor, "flavor")?,
        "key_name": need(&request.key_pair, "key pair")?,
        "count": request.count,
        "assign_floating_ip": request.assign_public_ip,
        // Always sent: the API randomises the public ports when the field is missing (seed), which moves SSH
        // off port 22.
        "enable_port_randomization": request.assign_public_ip && request.port_randomization,
    });
    if !rules.is_empty() {
        body["security_rules"] = Value::Array(rules);
    }
    if let Some(user_data) = &request.user_data {
        body["user_data"] = json!(user_data);
    }
    if !request.labels.is_empty() {
        body["labels"] = json!(request.labels);
    }
    Ok(body)
}

#[async_trait]
impl Provider for Hyperstack {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Hyperstack
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            regions: true,
            security_rules_at_create: true,
            key_pairs: true,
            password_login: false,
            cloud_init: true,
            max_count: 20,
            console: ConsoleKind::ProviderUrl,
            reboot: true,
            labels: true,
            max_name_len: 50,
            import_key: true,
            clone_only: false,
            public_ip_choice: true,
            max_user_data_bytes: USER_DATA_LIMIT,
            hibernate: true,
            public_ip_attach: true,
            port_randomization: true,
            security_groups: false,
        }
    }

    async fn catalog(&self) -> Result<Catalog> {
        let (environments, flavors, images, keypairs, protocols, pricebook) = tokio::join!(
            self.get_all(&paging::ENVIRONMENTS),
            self.get("/core/flavors"),
            self.get_all(&paging::IMAGES),
            self.get_all(&paging::KEY_PAIRS),
            self.get("/core/sg-rules-protocols"),
            self.get("/pricebook"),
        );
        let (environments, flavors, images, keypairs, protocols) =
            (environments?, flavors?, images?, keypairs?, protocols?);
        // Prices are a help, not a need: a pricebook that cannot be read leaves the flavors unpriced.
        let pricebook = pricebook.unwrap_or_else(|err| {
            tracing::warn!(code = ?err.code, "Hyperstack pricebook unavailable: {}", err.message);
            Value::Null
        });
        Ok(Catalog {
            regions: environments
                .iter()
                .map(|e| Region {
                    id: text(e, "name").unwrap_or_default(),
                    name: format!(
                        "{} ({})",
                        text(e, "name").unwrap_or_default(),
                        text(e, "region").unwrap_or_default()
                    ),
                    area: text(e, "region"),
                })
                .collect(),
            images: images
                .iter()
                .flat_map(|group| array(group, "images"))
                .map(|i| Image {
                    id: text(&i, "name").unwrap_or_default(),
                    name: text(&i, "name").unwrap_or_default(),
                    distribution: text(&i, "type"),
                    version: text(&i, "version"),
                    region: text(&i, "region_name"),
                    min_disk_gb: None,
                    min_ram_gb: None,
                })
                .collect(),
            flavors: array(&flavors, "data")
                .iter()
                .flat_map(|group| array(group, "flavors"))
                .map(|f| Flavor { price: price_of(&f, &pricebook), ..flavor_of(&f) })
                .collect(),
            key_pairs: keypairs.iter().map(key_pair_of).collect(),
            security_groups: Vec::new(),
            rule_protocols: array(&protocols, "protocols")
                .iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect(),
        })
    }

    async fn list_vms(&self) -> Result<Vec<Vm>> {
        Ok(self.get_all(&paging::VMS).await?.iter().map(vm_of).collect())
    }

    async fn get_vm(&self, id: &str) -> Result<Vm> {
        let answer = self.get(&vm_path(id, "")).await?;
        Ok(vm_of(&answer["instance"]))
    }

    fn create_call(&self, request: &CreateRequest) -> Result<PreparedCall> {
        Ok(PreparedCall {
            method: "POST".into(),
            path: "/core/virtual-machines".into(),
            body: create_body(request)?,
        })
    }

    /// The environment, key pair, floating IP and rules come from the instance record.
    fn clone_request(&self, vm: &Vm) -> CreateRequest {
        let record = &vm.extra;
        CreateRequest {
            count: 1,
            region: record.get("environment").and_then(|e| text(e, "name")),
            image: vm.image.clone(),
            flavor: record.get("flavor").and_then(|f| text(f, "name")),
            key_pair: record.get("keypair").and_then(|k| text(k, "name")),
            assign_public_ip: record.get("floating_ip").is_some_and(|ip| !ip.is_null()),
            port_randomization: record.get("port_randomization").and_then(Value::as_bool).unwrap_or(false),
            security_rules: vm.security_rules.clone(),
            labels: vm.labels.clone(),
            ..CreateRequest::default()
        }
    }

    async fn import_key_pair(&self, name: &str, public_key: &str, region: Option<&str>) -> Result<KeyPair> {
        let environment = region.ok_or_else(|| {
            AppError::invalid_input(
                "region",
                "Hyperstack keeps key pairs per environment: choose a location first.",
            )
        })?;
        let body = json!({"name": name, "environment_name": environment, "public_key": public_key.trim()});
        // Not retried: a second attempt after a lost answer would meet a 409 for the key it created.
        let answer = self.call(Retry::Never, Method::POST, "/core/keypairs", Some(&body)).await?;
        Ok(key_pair_of(&answer["keypair"]))
    }

    async fn create(&self, request: &CreateRequest) -> Result<Vec<Vm>> {
        let call = self.create_call(request)?;
        let answer = self.call(Retry::Never, Method::POST, &call.path, Some(&call.body)).await?;
        Ok(answer
            .get("instances")
            .and_then(Value::as_array)
            .map(|i| i.iter().map(vm_of).collect())
            .unwrap_or_default())
    }

    async fn power(&self, id: &str, action: PowerAction) -> Result<()> {
        let verb = match action {
            PowerAction::Start => "start",
            PowerAction::Stop => "stop",
            PowerAction::Reboot => "hard-reboot",
            PowerAction::Hibernate => "hibernate",
            PowerAction::Restore => "hibernate-restore",
        };
        self.vm_change(Method::GET, id, &format!("/{verb}")).await
    }

    /// `POST …/attach-floatingip` and `…/detach-floatingip` (SDK FloatingIpApi), each answering
    /// `{status, message}`; the address shows in `floating_ip` once attached.
    async fn set_public_ip(&self, id: &str, attached: bool) -> Result<()> {
        let tail = if attached { "/attach-floatingip" } else { "/detach-floatingip" };
        self.vm_change(Method::POST, id, tail).await
    }

    async fn delete(&self, id: &str) -> Result<()> {
        self.vm_change(Method::DELETE, id, "").await
    }

    async fn console(&self, id: &str) -> Result<ConsoleTarget> {
        self.console_link(id).await
    }
}
