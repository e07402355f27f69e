//! enclaive Multi-Cloud Platform client API: log in with email and password for a JWT (or use a stored
//! token), then Bearer auth. See docs/providers/enclaive.md, including what is still an open question.

use super::http::{json_message, Http, Retry};
use super::{base_url, seg, text, unsupported, IssuedVault, Provider};
use crate::error::{AppError, ErrorCode, Result};
use crate::model::*;
use crate::secret::Secret;
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::sync::Mutex;

/// The documented VM status values (0 after create, 3 running); any other is shown as unknown.
const STATUS_CREATED: i64 = 0;
const STATUS_RUNNING: i64 = 3;

pub enum EnclaiveAuth {
    /// A JWT the user pasted; it cannot be renewed.
    Token(Secret),
    /// Email and password: VMDeck logs in, and again when the JWT expires.
    Login { email: String, password: Secret },
}

#[derive(Debug, Clone)]
pub struct EnclaiveScope {
    pub team_id: String,
    pub project_id: String,
}

struct Session {
    user_token: Secret,
    /// The team's Vault token from the login answer, for the VM root credentials.
    vault_token: Option<Secret>,
}

pub struct Enclaive {
    http: Http,
    base: String,
    scope: EnclaiveScope,
    auth: EnclaiveAuth,
    session: Mutex<Option<Session>>,
    /// The team's Vault, where the login's `vaultToken` reads the VMs' root logins (account setting:
    /// the docs name no address).
    vault_address: Option<String>,
}

impl Enclaive {
    pub fn new(base_url_: &str, scope: EnclaiveScope, auth: EnclaiveAuth) -> Result<Self> {
        let http = Http::new(ProviderKind::Enclaive, json_message)?;
        Ok(Self::with_http(base_url_, scope, auth, http))
    }

    pub fn with_http(base_url_: &str, scope: EnclaiveScope, auth: EnclaiveAuth, http: Http) -> Self {
        let session = match &auth {
            EnclaiveAuth::Token(token) => Some(Session { user_token: token.clone(), vault_token: None }),
            EnclaiveAuth::Login { .. } => None,
        };
        Self {
            http,
            base: base_url(base_url_),
            scope,
            auth,
            session: Mutex::new(session),
            vault_address: None,
        }
    }

    /// The team's Vault address, for `issued_vault`.
    pub fn with_vault(mut self, address: Option<String>) -> Self {
        self.vault_address = address.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty());
        self
    }

    async fn login(&self) -> Result<Session> {
        let EnclaiveAuth::Login { email, password } = &self.auth else {
            return Err(AppError::new(
                ErrorCode::AuthFailed,
                "The enclaive token was rejected; paste a new one.",
            ));
        };
        let url = format!("{}/api/login", self.base);
        let answer = self
            .http
            .send(Retry::Never, || {
                self.http
                    .request(Method::POST, &url)
                    .json(&json!({"email": email, "password": password.expose()}))
            })
            .await?;
        let tokens: Value = answer.json(ProviderKind::Enclaive)?;
        let user_token = tokens.get("userToken").and_then(Value::as_str).ok_or_else(|| {
            AppError::new(ErrorCode::MalformedResponse, "enclaive's login answer has no userToken.")
        })?;
        Ok(Session {
            user_token: Secret::new(user_token),
            vault_token: tokens.get("vaultToken").and_then(Value::as_str).map(Secret::new),
        })
    }

    async fn bearer(&self) -> Result<Secret> {
        let mut session = self.session.lock().await;
        if session.is_none() {
            *session = Some(self.login().await?);
        }
        Ok(session.as_ref().map(|s| s.user_token.clone()).expect("set above"))
    }

    /// The team's Vault token, when the login gave one.
    pub async fn vault_token(&self) -> Result<Option<Secret>> {
        self.bearer().await?;
        Ok(self.session.lock().await.as_ref().and_then(|s| s.vault_token.clone()))
    }

    async fn call(&self, retry: Retry, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut relogged = false;
        loop {
            let token = self.bearer().await?;
            let result = self
                .http
                .send(retry, || {
                    let request = self.http.request(method.clone(), &url).bearer_auth(token.expose());
                    match body {
                        Some(body) => request.json(body),
                        None => request,
                    }
                })
                .await;
            match result {
                // A read is sent again after a fresh login. A create or an action is sent exactly once: a
                // 401 does not prove the server did nothing, so the session is dropped and the user decides.
                Err(err)
                    if err.code == ErrorCode::AuthFailed
                        && !relogged
                        && matches!(self.auth, EnclaiveAuth::Login { .. }) =>
                {
                    *self.session.lock().await = None;
                    if retry == Retry::Never {
                        return Err(AppError::new(
                            ErrorCode::AuthFailed,
                            "enclaive's session had expired. VMDeck did not send this again, since repeating a \
                             change is not safe: check the Machines list, then try again (VMDeck signs in anew).",
                        )
                        .with_detail("provider", "enclaive")
                        .with_detail("request", format!("{method} {path}")));
                    }
                    relogged = true;
                }
                Err(err) => return Err(err),
                Ok(answer) => return answer.json(ProviderKind::Enclaive),
            }
        }
    }

    /// The projects of the account's team, for the account form.
    pub async fn projects(&self) -> Result<Vec<(String, String)>> {
        let projects = self
            .call(
                Retry::Idempotent,
                Method::GET,
                &format!("/api/teams/{}/projects", self.scope.team_id),
                None,
            )
            .await?;
        Ok(projects
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|p| (text(p, "_id").unwrap_or_default(), text(p, "name").unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default())
    }
}

pub(crate) fn vm_of(record: &Value) -> Vm {
    let status = record.get("status").and_then(Value::as_i64).unwrap_or(-1);
    let state = match status {
        STATUS_CREATED => VmState::Creating,
        STATUS_RUNNING => VmState::Running,
        _ => VmState::Unknown,
    };
    let addresses = record
        .get("ipConfigurations")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    text(c, "address").map(|ip| Address::new(&ip, c.get("type") == Some(&json!("public"))))
                })
                .collect()
        })
        .unwrap_or_default();
    let size = record.get("size").filter(|s| s.is_object());
    let price = record.get("price").filter(|p| p.is_object()).map(|p| Price {
        per_hour: p.get("pricePerHour").and_then(Value::as_f64),
        per_month: p.get("pricePerMonth").and_then(Value::as_f64),
        currency: text(p, "currencyCode"),
        as_given: None,
    });
    let flavor = size.map(|s| Flavor {
        id: text(s, "_id").unwrap_or_default(),
        name: text(s, "name").unwrap_or_default(),
        region: text(s, "location"),
        vcpu: s.get("vCPUs").and_then(Value::as_u64).map(|v| v as u32),
        ram_gb: s.get("memoryGB").and_then(Value::as_f64),
        disk_gb: s.get("spaceGB").and_then(Value::as_f64),
        gpu: None,
        gpu_count: 0,
        price: price.clone(),
        available: true,
    });
    let image = record.get("image").map(|i| {
        let distribution = text(i, "distribution").unwrap_or_default();
        let version = i.get("version").and_then(|v| text(v, "displayName")).unwrap_or_default();
        format!("{distribution} {version}").trim().to_owned()
    });
    Vm {
        id: text(record, "_id").unwrap_or_default(),
        name: text(record, "name").unwrap_or_default(),
        provider: ProviderKind::Enclaive,
        state,
        raw_state: format!("status {status}"),
        addresses,
        region: record.get("region").and_then(|r| r.get("datacenter")).and_then(|d| text(d, "displayName")),
        image: image.filter(|i| !i.is_empty()),
        flavor,
        created: text(record, "createdAt"),
        labels: record
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| t.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default(),
        security_rules: Vec::new(),
        ssh_port: Some(22),
        extra: record.clone(),
    }
}

#[async_trait]
impl Provider for Enclaive {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Enclaive
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            regions: false,
            security_rules_at_create: false,
            key_pairs: false,
            password_login: true,
            cloud_init: false,
            max_count: 10,
            console: ConsoleKind::None,
            reboot: false,
            labels: true,
            max_name_len: 63,
            import_key: false,
            clone_only: true,
            public_ip_choice: false,
            max_user_data_bytes: 0,
            hibernate: false,
            public_ip_attach: false,
            port_randomization: false,
            security_groups: false,
        }
    }

    /// The catalog endpoints are not documented (docs/providers/enclaive.md): the wizard clones an
    /// existing VM's configuration instead.
    async fn catalog(&self) -> Result<Catalog> {
        Ok(Catalog::default())
    }

    async fn list_vms(&self) -> Result<Vec<Vm>> {
        let path =
            format!("/api/teams/{}/projects/{}/virtual-machines", self.scope.team_id, self.scope.project_id);
        let list = self.call(Retry::Idempotent, Method::GET, &path, None).await?;
        Ok(list.as_array().map(|l| l.iter().map(vm_of).collect()).unwrap_or_default())
    }

    async fn get_vm(&self, id: &str) -> Result<Vm> {
        Ok(vm_of(
            &self
                .call(Retry::Idempotent, Method::GET, &format!("/api/virtual-machines/{}", seg(id)), None)
                .await?,
        ))
    }

    fn create_call(&self, request: &CreateRequest) -> Result<PreparedCall> {
        let options = request.provider_options.clone().unwrap_or_default();
        for field in ["cloudProvider", "provider", "size", "price", "region", "image"] {
            if options.get(field).is_none() {
                return Err(AppError::invalid_input(
                    field,
                    "enclaive needs the provider, size, price, region and image of an existing VM (use Clone).",
                ));
            }
        }
        let names: Vec<String> = if request.count <= 1 {
            vec![request.name.clone()]
        } else {
            (1..=request.count).map(|i| format!("{}-{i:02}", request.name)).collect()
        };
        let mut body = json!({
            "team": self.scope.team_id,
            "project": self.scope.project_id,
            "hostNames": names,
            "quantity": names.len(),
            "subscription": "",
            "tags": request.labels,
            "access": null,
            "authMethod": 1,
        });
        for field in
            ["cloudProvider", "provider", "size", "price", "region", "image", "authMethod", "subscription"]
        {
            if let Some(value) = options.get(field) {
                body[field] = value.clone();
            }
        }
        Ok(PreparedCall { method: "POST".into(), path: "/api/virtual-machines".into(), body })
    }

    /// enclaive's create takes the ids a VM record holds nested (`provider._id`, `size._id`, …) and its region
    /// and image objects as they are (compare the documented VM record and create request).
    fn clone_request(&self, vm: &Vm) -> CreateRequest {
        let record = &vm.extra;
        let id_at = |path: &str| record.pointer(path).filter(|v| v.is_string()).cloned();
        let fields = [
            ("cloudProvider", id_at("/provider/cloudProvider/_id")),
            ("provider", id_at("/provider/_id")),
            ("size", id_at("/size/_id")),
            ("price", id_at("/price/_id")),
            ("region", record.get("region").filter(|v| v.is_object()).cloned()),
            ("image", record.get("image").filter(|v| v.is_object()).cloned()),
            ("authMethod", record.get("authMethod").filter(|v| v.is_number()).cloned()),
        ];
        let options: serde_json::Map<String, Value> =
            fields.into_iter().filter_map(|(key, value)| Some((key.to_owned(), value?))).collect();
        CreateRequest {
            count: 1,
            region: vm.region.clone(),
            image: vm.image.clone(),
            labels: vm.labels.clone(),
            provider_options: Some(Value::Object(options)),
            ..CreateRequest::default()
        }
    }

    async fn create(&self, request: &CreateRequest) -> Result<Vec<Vm>> {
        let call = self.create_call(request)?;
        let created = self.call(Retry::Never, Method::POST, &call.path, Some(&call.body)).await?;
        Ok(created.as_array().map(|l| l.iter().map(vm_of).collect()).unwrap_or_default())
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
        self.call(Retry::Never, Method::PUT, &format!("/api/virtual-machines/{}/{verb}", seg(id)), None)
            .await
            .map(drop)
    }

    async fn delete(&self, id: &str) -> Result<()> {
        self.call(Retry::Never, Method::DELETE, &format!("/api/virtual-machines/{}", seg(id)), None)
            .await
            .map(drop)
    }

    async fn console(&self, _id: &str) -> Result<ConsoleTarget> {
        Err(unsupported(self.kind(), "console"))
    }

    async fn issued_vault(&self) -> Result<Option<IssuedVault>> {
        let Some(address) = self.vault_address.clone() else { return Ok(None) };
        match self.vault_token().await? {
            Some(token) => Ok(Some(IssuedVault { address, token })),
            None => Err(AppError::new(
                ErrorCode::AuthFailed,
                match self.auth {
                    EnclaiveAuth::Token(_) => "A pasted enclaive token carries no Vault token: sign in with email and password to read the VMs' logins from the team's Vault.",
                    EnclaiveAuth::Login { .. } => "enclaive's login answer had no vaultToken, so the team's Vault cannot be read.",
                },
            )),
        }
    }
}
