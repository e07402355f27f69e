//! One trait over the four backends. Each implementation maps its API to the normalised model of
//! `crate::model`; see `docs/providers/` for the wire formats and what is still an open question.

pub mod cloudvm;
pub mod enclaive;
pub mod http;
pub mod hyperstack;
pub mod local;
pub mod lunanode;

use crate::error::{AppError, ErrorCode, Result};
use crate::model::{
    Capabilities, Catalog, ConsoleTarget, CreateRequest, KeyPair, PowerAction, PreparedCall, ProviderKind, Vm,
};
use async_trait::async_trait;

#[async_trait]
pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;

    fn capabilities(&self) -> Capabilities;

    /// Regions, images, flavors (with prices), key pairs and rule protocols for the create wizard.
    async fn catalog(&self) -> Result<Catalog>;

    async fn list_vms(&self) -> Result<Vec<Vm>>;

    async fn get_vm(&self, id: &str) -> Result<Vm>;

    /// The call `create` sends for this request, for the wizard's review step; `create` sends exactly this.
    fn create_call(&self, request: &CreateRequest) -> Result<PreparedCall>;

    /// Sent exactly once: a create is never retried, whatever happens.
    async fn create(&self, request: &CreateRequest) -> Result<Vec<Vm>>;

    /// A create request that copies this VM's configuration (the wizard's "Clone"); the name is left empty.
    fn clone_request(&self, vm: &Vm) -> CreateRequest {
        CreateRequest {
            count: 1,
            region: vm.region.clone(),
            image: vm.image.clone(),
            flavor: vm.flavor.as_ref().map(|f| f.name.clone()),
            labels: vm.labels.clone(),
            ..CreateRequest::default()
        }
    }

    async fn power(&self, id: &str, action: PowerAction) -> Result<()>;

    async fn delete(&self, id: &str) -> Result<()>;

    /// Attaches (`true`) or detaches a public IP of an existing VM, where `public_ip_attach` says so.
    async fn set_public_ip(&self, _id: &str, _attached: bool) -> Result<()> {
        Err(unsupported(self.kind(), "public IP attach or detach"))
    }

    async fn console(&self, id: &str) -> Result<ConsoleTarget>;

    /// Uploads a public key as a new key pair (in `region` where key pairs belong to one).
    async fn import_key_pair(
        &self,
        _name: &str,
        _public_key: &str,
        _region: Option<&str>,
    ) -> Result<KeyPair> {
        Err(unsupported(self.kind(), "key upload"))
    }

    /// Waits until the VM's SSH server greets (a local VM still booting); clouds answer at once.
    async fn ssh_ready(&self, _id: &str) -> Result<()> {
        Ok(())
    }

    /// The password of the VNC console `console` points to, when the provider set one (local VMs).
    async fn console_password(&self, _id: &str) -> Result<Option<crate::secret::Secret>> {
        Ok(None)
    }

    /// The user and password the provider itself reports for a VM (Lunanode's `login_details`), if any.
    async fn login_password(&self, _id: &str) -> Result<Option<(String, crate::secret::Secret)>> {
        Ok(None)
    }

    /// A Vault and a token the provider's own sign-in hands out for its VMs' logins (enclaive's
    /// `vaultToken`), when the account names that Vault.
    async fn issued_vault(&self) -> Result<Option<IssuedVault>> {
        Ok(None)
    }
}

/// A Vault address and the token a provider issued for it.
#[derive(Clone)]
pub struct IssuedVault {
    pub address: String,
    pub token: crate::secret::Secret,
}

/// The most cloud-init user data we let through where the docs give no limit: OpenStack Nova's 65,535 bytes
/// (Hyperstack runs on OpenStack; the Cloud VM API is silent). See docs/providers/.
pub(crate) const USER_DATA_LIMIT: u32 = 65_535;

pub(crate) fn unsupported(kind: ProviderKind, what: &str) -> AppError {
    AppError::new(ErrorCode::Unsupported, format!("{} has no {what}.", kind.display_name()))
        .with_detail("provider", kind.display_name())
}

/// How each backend words its errors (see `http::MessageOf`).
pub fn message_of(kind: ProviderKind) -> http::MessageOf {
    match kind {
        ProviderKind::Enclaive | ProviderKind::Hyperstack => http::json_message,
        ProviderKind::Lunanode => lunanode::error_text,
        ProviderKind::Cloudvm | ProviderKind::Local => http::text_message,
    }
}

/// A non-empty string field of a provider record.
pub(crate) fn text(value: &serde_json::Value, key: &str) -> Option<String> {
    value.get(key).and_then(serde_json::Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// An id field of a provider record, given as a string or a number: the first of `keys` that holds one.
pub(crate) fn id_in(value: &serde_json::Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| {
        text(value, key)
            .or_else(|| value.get(*key).and_then(serde_json::Value::as_u64).map(|n| n.to_string()))
    })
}

/// An array field of a provider record, empty when absent.
pub(crate) fn array(value: &serde_json::Value, key: &str) -> Vec<serde_json::Value> {
    value.get(key).and_then(serde_json::Value::as_array).cloned().unwrap_or_default()
}

/// Trims a trailing slash so paths can be appended with `format!("{base}/…")`.
pub(crate) fn base_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

/// One path segment: an id as the provider gave it, percent-encoded so that a `/`, `?` or `#` in it can
/// never reach another endpoint.
pub(crate) fn seg(id: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(id, SEGMENT).to_string()
}

#[cfg(test)]
mod seg_tests {
    #[test]
    fn ids_with_path_characters_stay_one_segment() {
        assert_eq!(super::seg("2786"), "2786");
        assert_eq!(super::seg("a/../b?c#d e"), "a%2F..%2Fb%3Fc%23d%20e");
        assert_eq!(super::seg("vm-1_x.y~z"), "vm-1_x.y~z");
    }
}
