//! The self-hosted Cloud VM API: Bearer base64(access:secret), one environment per account, plain-text
//! errors. See docs/providers/cloudvm.md.

pub mod server_files;

use super::http::{text_message, Http, Retry};
use super::{base_url, seg, unsupported, Provider, USER_DATA_LIMIT};
use crate::error::{AppError, ErrorCode, Result};
use crate::model::*;
use crate::secret::Secret;
use async_trait::async_trait;
use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

pub struct CloudVm {
    http: Http,
    base: String,
    environment: String,
    /// The server cannot list its machine types; the account names them (docs/providers/cloudvm.md).
    machine_types: Vec<String>,
    token: Secret,
}

/// The bearer token: base64 of `access:secret`, without the newline `echo | base64` would add.
pub fn token(access: &str, secret: &Secret) -> Secret {
    Secret::new(base64::engine::general_purpose::STANDARD.encode(format!("{access}:{}", secret.expose())))
}

impl CloudVm {
    pub fn new(
        base_url_: &str,
        environment: &str,
        machine_types: Vec<String>,
        access: &str,
        secret: &Secret,
    ) -> Result<Self> {
        let http = Http::new(ProviderKind::Cloudvm, text_message)?;
        Ok(Self::with_http(base_url_, environment, machine_types, access, secret, http))
    }

    pub fn with_http(
        base_url_: &str,
        environment: &str,
        machine_types: Vec<String>,
        access: &str,
        secret: &Secret,
        http: Http,
    ) -> Self {
        Self {
            http,
            base: base_url(base_url_),
            environment: environment.to_owned(),
            machine_types,
            token: token(access, secret),
        }
    }

    async fn call(
        &self,
        retry: Retry,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Option<Value>> {
        let url = format!("{}{path}", self.base);
        let result = self
            .http
            .send(retry, || {
                let request = self.http.request(method.clone(), &url).bearer_auth(self.token.expose());
                let request = if body.is_none() {
                    request.query(&[("environment", &self.environment)])
                } else {
                    request
                };
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            })
            .await;
        let answer = result.map_err(credentials_hint)?;
        if answer.body.trim().is_empty() {
            return Ok(None);
        }
        answer.json(ProviderKind::Cloudvm).map(Some)
    }
}

/// The server learns a key is wrong only from the cloud SDK and answers 500 with its text; the words of
/// the common SDK failures are mapped to "auth failed".
fn credentials_hint(error: AppError) -> AppError {
    let said = error
        .details
        .as_ref()
        .and_then(|d| d.get("provider_message"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let hints = [
        "AuthFailure",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "credentials",
        "unauthorized",
        "401",
        "invalid_client",
    ];
    if error.code == ErrorCode::ProviderError && hints.iter().any(|h| said.contains(h)) {
        let message = format!("The cloud behind the Cloud VM API rejected the access key or secret. It said: \u{201c}{said}\u{201d}");
        return AppError { code: ErrorCode::AuthFailed, message, details: error.details };
    }
    error
}

fn state_of(status: &str) -> VmState {
    match status {
        "init" | "deploying" | "start_deploy" => VmState::Creating,
        "running" => VmState::Running,
        "ready" | "deallocated" | "suspend" => VmState::Stopped,
        "start_start" | "starting" | "resuming" => VmState::Starting,
        "start_stop" | "stopping" | "suspending" => VmState::Stopping,
        "deleting" | "start_delete" => VmState::Deleting,
        s if s.ends_with("fail") || s.ends_with("failed") => VmState::Error,
        _ => VmState::Unknown,
    }
}

/// The id as the list names it. On Azure the create answers the full resource id
/// (`/subscriptions/…/virtualMachines/NAME`) while the list and the actions use its last segment, which the
/// server expands again (olljanat/cloud-vm-api: internal/…/list.go, util.go; docs/providers/cloudvm.md).
fn list_id(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

pub(crate) fn vm_of(record: &Value, environment: &str) -> Vm {
    let status = record.get("status").and_then(Value::as_str).unwrap_or_default().to_owned();
    Vm {
        id: list_id(record.get("id").and_then(Value::as_str).unwrap_or_default()).to_owned(),
        name: record.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
        provider: ProviderKind::Cloudvm,
        state: state_of(&status),
        raw_state: status,
        addresses: Vec::new(),
        region: Some(environment.to_owned()),
        image: None,
        flavor: None,
        created: None,
        labels: Vec::new(),
        security_rules: Vec::new(),
        ssh_port: Some(22),
        extra: record.clone(),
    }
}

#[async_trait]
impl Provider for CloudVm {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Cloudvm
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            regions: false,
            security_rules_at_create: false,
            key_pairs: false,
            password_login: false,
            cloud_init: true,
            max_count: 1,
            console: ConsoleKind::None,
            reboot: false,
            labels: false,
            max_name_len: 63,
            import_key: false,
            clone_only: false,
            public_ip_choice: false,
            max_user_data_bytes: USER_DATA_LIMIT,
            hibernate: false,
            public_ip_attach: false,
            port_randomization: false,
            security_groups: false,
        }
    }

    async fn catalog(&self) -> Result<Catalog> {
        let flavors = self
            .machine_types
            .iter()
            .map(|name| Flavor {
                id: name.clone(),
                name: name.clone(),
                region: Some(self.environment.clone()),
                vcpu: None,
                ram_gb: None,
                disk_gb: None,
                gpu: None,
                gpu_count: 0,
                price: None,
                available: true,
            })
            .collect();
        Ok(Catalog {
            regions: Vec::new(),
            images: Vec::new(),
            flavors,
            key_pairs: Vec::new(),
            rule_protocols: Vec::new(),
            security_groups: Vec::new(),
        })
    }

    async fn list_vms(&self) -> Result<Vec<Vm>> {
        let list = self.call(Retry::Idempotent, Method::GET, "/vm", None).await?.unwrap_or_default();
        Ok(list
            .as_array()
            .map(|l| l.iter().map(|r| vm_of(r, &self.environment)).collect())
            .unwrap_or_default())
    }

    /// The server has no get-one call; the list is searched.
    async fn get_vm(&self, id: &str) -> Result<Vm> {
        self.list_vms().await?.into_iter().find(|vm| vm.id == id).ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("The Cloud VM API lists no VM {id} in {}.", self.environment),
            )
        })
    }

    fn create_call(&self, request: &CreateRequest) -> Result<PreparedCall> {
        if request.count > 1 {
            return Err(AppError::invalid_input("count", "The Cloud VM API creates one VM per call."));
        }
        let machinetype = request
            .flavor
            .clone()
            .ok_or_else(|| AppError::invalid_input("flavor", "Choose a machine type."))?;
        let mut body =
            json!({"name": request.name, "environment": self.environment, "machinetype": machinetype});
        if let Some(user_data) = &request.user_data {
            body["cloud_init"] = json!(base64::engine::general_purpose::STANDARD.encode(user_data));
        }
        Ok(PreparedCall { method: "POST".into(), path: "/vm".into(), body })
    }

    async fn create(&self, request: &CreateRequest) -> Result<Vec<Vm>> {
        let call = self.create_call(request)?;
        let created =
            self.call(Retry::Never, Method::POST, &call.path, Some(&call.body)).await?.unwrap_or_default();
        Ok(vec![vm_of(&created, &self.environment)])
    }

    async fn power(&self, id: &str, action: PowerAction) -> Result<()> {
        let verb = match action {
            PowerAction::Start => "start",
            PowerAction::Stop => "stop",
            PowerAction::Reboot => return Err(unsupported(self.kind(), "reboot")),
            PowerAction::Hibernate | PowerAction::Restore => {
                return Err(unsupported(self.kind(), "hibernation"))
            }
        };
        self.call(Retry::Never, Method::GET, &format!("/vm/{}/{verb}", seg(id)), None).await.map(drop)
    }

    async fn delete(&self, id: &str) -> Result<()> {
        self.call(Retry::Never, Method::DELETE, &format!("/vm/{}", seg(id)), None).await.map(drop)
    }

    async fn console(&self, _id: &str) -> Result<ConsoleTarget> {
        Err(unsupported(self.kind(), "console"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_full_azure_resource_id_becomes_the_id_the_list_and_actions_use() {
        let full = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-1";
        assert_eq!(super::list_id(full), "web-1");
        assert_eq!(super::list_id("i-0abc"), "i-0abc");
    }
}
