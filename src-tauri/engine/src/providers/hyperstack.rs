//! Hyperstack (NexGen Cloud Infrahub): `api_key` header, JSON envelopes. See docs/providers/hyperstack.md.

use super::http::{json_message, Http, Retry};
use super::{array, base_url, text, unsupported, Provider, USER_DATA_LIMIT};
use crate::error::{AppError, ErrorCode, Result};
use crate::model::*;
use crate::secret::Secret;
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value};

pub const DEFAULT_BASE_URL: &str = "https://infrahub-api.nexgencloud.com/v1";

pub struct Hyperstack {
    http: Http,
    base: String,
    api_key: Secret,
}

impl Hyperstack {
    pub fn new(base_url_: &str, api_key: Secret) -> Result<Self> {
        Ok(Self {
            http: Http::new(ProviderKind::Hyperstack, json_message)?,
            base: base_url(base_url_),
            api_key,
        })
    }

    pub fn with_http(base_url_: &str, api_key: Secret, http: Http) -> Self {
        Self { http, base: base_url(base_url_), api_key }
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

fn state_of(status: &str) -> VmState {
    match status {
        "CREATING" | "BUILD" | "BUILDING" | "PRE_ACTIVE" => VmState::Creating,
        "ACTIVE" => VmState::Running,
        "SHUTOFF" | "STOPPED" | "HIBERNATED" => VmState::Stopped,
        "REBOOT" | "HARD_REBOOT" => VmState::Rebooting,
        "DELETING" => VmState::Deleting,
        "ERROR" => VmState::Error,
        _ => VmState::Unknown,
    }
}

/// Create calls name flavors (`flavor_name`), so the name is the id, as for images and key pairs.
fn flavor_of(value: &Value) -> Flavor {
    Flavor {
        id: text(value, "name").unwrap_or_default(),
        name: text(value, "name").unwrap_or_default(),
        region: text(value, "region_name"),
        vcpu: value.get("cpu").and_then(Value::as_u64).map(|c| c as u32),
        ram_gb: value.get("ram").and_then(Value::as_f64),
        disk_gb: value.get("disk").and_then(Value::as_f64),
        gpu: text(value, "gpu"),
        gpu_count: value.get("gpu_count").and_then(Value::as_u64).unwrap_or(0) as u32,
        price: None,
        available: value.get("stock_available").and_then(Value::as_bool).unwrap_or(true),
    }
}

/// A flavor's hourly price from the pricebook (`GET /pricebook`, a bare array of `{name, value, …}` whose
/// `value` is the hourly price of the named resource): an entry for the flavor itself if there is one,
/// else its GPU model's price times its GPU count. The pricebook names no currency.
fn price_of(flavor: &Value, pricebook: &Value) -> Option<Price> {
    let entries = pricebook.as_array()?;
    let hourly = |name: &str| {
        entries
            .iter()
            .find(|e| text(e, "name").as_deref() == Some(name))
            .and_then(|e| e.get("value").and_then(Value::as_f64))
    };
    let own = text(flavor, "name").and_then(|name| hourly(&name));
    let by_gpu = || {
        let count = flavor.get("gpu_count").and_then(Value::as_f64).filter(|n| *n > 0.0)?;
        Some(hourly(&text(flavor, "gpu")?)? * count)
    };
    let per_hour = own.or_else(by_gpu)?;
    Some(Price { per_hour: Some(per_hour), ..Price::default() })
}

pub(crate) fn vm_of(instance: &Value) -> Vm {
    let status = text(instance, "status").unwrap_or_default();
    let mut addresses = Vec::new();
    if let Some(ip) = text(instance, "floating_ip") {
        addresses.push(Address::new(&ip, true));
    }
    if let Some(ip) = text(instance, "fixed_ip") {
        addresses.push(Address::new(&ip, false));
    }
    Vm {
        id: instance.get("id").map(|v| v.to_string().trim_matches('"').to_owned()).unwrap_or_default(),
        name: text(instance, "name").unwrap_or_default(),
        provider: ProviderKind::Hyperstack,
        state: state_of(&status),
        raw_state: status,
        addresses,
        region: instance.get("environment").and_then(|e| text(e, "region")),
        image: instance.get("image").and_then(|i| text(i, "name")).or_else(|| text(instance, "os")),
        flavor: instance.get("flavor").filter(|f| f.is_object()).map(flavor_of),
        created: text(instance, "created_at"),
        labels: instance
            .get("labels")
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default(),
        security_rules: array(instance, "security_rules").iter().filter_map(rule_of).collect(),
        extra: instance.clone(),
    }
}

/// Key pairs are named in create calls, so the name is the id; each belongs to one environment.
fn key_pair_of(record: &Value) -> KeyPair {
    KeyPair {
        id: text(record, "name").unwrap_or_default(),
        name: text(record, "name").unwrap_or_default(),
        fingerprint: text(record, "fingerprint"),
        region: record.get("environment").and_then(|e| text(e, "name")),
    }
}

/// A rule of an instance record back in VMDeck's terms.
fn rule_of(rule: &Value) -> Option<SecurityRule> {
    let port = |key: &str| rule.get(key).and_then(Value::as_u64).and_then(|p| u16::try_from(p).ok());
    Some(SecurityRule {
        direction: if text(rule, "direction")? == "egress" { Direction::Egress } else { Direction::Ingress },
        protocol: text(rule, "protocol")?,
        ethertype: if text(rule, "ethertype").as_deref() == Some("IPv6") {
            IpVersion::V6
        } else {
            IpVersion::V4
        },
        cidr: text(rule, "remote_ip_prefix")?,
        port_min: port("port_range_min"),
        port_max: port("port_range_max"),
    })
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
        }
    }

    async fn catalog(&self) -> Result<Catalog> {
        let (environments, flavors, images, keypairs, protocols, pricebook) = tokio::join!(
            self.get("/core/environments"),
            self.get("/core/flavors"),
            self.get("/core/images"),
            self.get("/core/keypairs"),
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
            regions: array(&environments, "environments")
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
            images: array(&images, "images")
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
            key_pairs: array(&keypairs, "keypairs").iter().map(key_pair_of).collect(),
            rule_protocols: array(&protocols, "protocols")
                .iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect(),
        })
    }

    async fn list_vms(&self) -> Result<Vec<Vm>> {
        let answer = self.get("/core/virtual-machines").await?;
        Ok(answer
            .get("instances")
            .and_then(Value::as_array)
            .map(|i| i.iter().map(vm_of).collect())
            .unwrap_or_default())
    }

    async fn get_vm(&self, id: &str) -> Result<Vm> {
        let answer = self.get(&format!("/core/virtual-machines/{id}")).await?;
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
        };
        self.call(Retry::Never, Method::GET, &format!("/core/virtual-machines/{id}/{verb}"), None)
            .await
            .map(drop)
    }

    async fn delete(&self, id: &str) -> Result<()> {
        self.call(Retry::Never, Method::DELETE, &format!("/core/virtual-machines/{id}"), None).await.map(drop)
    }

    async fn console(&self, id: &str) -> Result<ConsoleTarget> {
        let first = self.get(&format!("/core/virtual-machines/{id}/request-console")).await?;
        let Some(path) = text(&first, "url") else {
            return Err(unsupported(self.kind(), "console for this VM"));
        };
        let link = self.get(&path).await?;
        // The field of the second answer is not documented; accept the likely names.
        let url = ["console_url", "url", "vnc_url"].iter().find_map(|k| text(&link, k)).ok_or_else(|| {
            AppError::new(ErrorCode::MalformedResponse, "Hyperstack's console answer holds no link.")
                .with_detail("provider", "Hyperstack")
        })?;
        Ok(ConsoleTarget::Url { url })
    }
}
