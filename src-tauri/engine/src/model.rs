//! The normalised model every provider maps to, and what the UI sees of VMs and catalogs.
//!
//! Sizes are in GB (RAM and disk), prices per hour and per month in the provider's currency. Anything a
//! provider gives that has no field here stays in `extra` (the raw record), shown in the detail pane.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Enclaive,
    Hyperstack,
    Lunanode,
    Cloudvm,
    /// VMs on this computer, run by QEMU.
    Local,
}

impl ProviderKind {
    pub fn display_name(self) -> &'static str {
        match self {
            ProviderKind::Enclaive => "enclaive",
            ProviderKind::Hyperstack => "Hyperstack",
            ProviderKind::Lunanode => "Lunanode",
            ProviderKind::Cloudvm => "Cloud VM API",
            ProviderKind::Local => "This computer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VmState {
    Creating,
    Running,
    Stopping,
    Stopped,
    Starting,
    Rebooting,
    /// Saving its memory to disk and powering off (Hyperstack's HIBERNATING).
    Hibernating,
    /// Powered off with its memory on disk; it resumes with Restore, not Start.
    Hibernated,
    /// Coming back from hibernation (Hyperstack's RESTORING).
    Restoring,
    Deleting,
    Error,
    Unknown,
}

impl VmState {
    /// A state that will change by itself soon: the UI polls faster while any VM is in one.
    pub fn is_transitional(self) -> bool {
        matches!(
            self,
            VmState::Creating
                | VmState::Stopping
                | VmState::Starting
                | VmState::Rebooting
                | VmState::Hibernating
                | VmState::Restoring
                | VmState::Deleting
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum IpVersion {
    V4,
    V6,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Address {
    pub ip: String,
    pub version: IpVersion,
    pub public: bool,
}

impl Address {
    pub fn new(ip: &str, public: bool) -> Self {
        let version = if ip.contains(':') { IpVersion::V6 } else { IpVersion::V4 };
        Self { ip: ip.to_owned(), version, public }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Price {
    pub per_hour: Option<f64>,
    pub per_month: Option<f64>,
    /// ISO 4217 code where the provider says it.
    pub currency: Option<String>,
    /// The provider's figure as given, when its unit is not documented (Lunanode's plan price).
    pub as_given: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Flavor {
    pub id: String,
    pub name: String,
    pub region: Option<String>,
    pub vcpu: Option<u32>,
    pub ram_gb: Option<f64>,
    pub disk_gb: Option<f64>,
    pub gpu: Option<String>,
    pub gpu_count: u32,
    pub price: Option<Price>,
    /// False when the provider reports no stock.
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Region {
    pub id: String,
    pub name: String,
    /// The provider region this location sits in, when that differs from `id` (a Hyperstack environment's
    /// region): flavors and images are matched against it.
    pub area: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Image {
    pub id: String,
    pub name: String,
    pub distribution: Option<String>,
    pub version: Option<String>,
    pub region: Option<String>,
    pub min_disk_gb: Option<f64>,
    pub min_ram_gb: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct KeyPair {
    pub id: String,
    pub name: String,
    pub fingerprint: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Ingress,
    Egress,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SecurityRule {
    pub direction: Direction,
    /// A protocol name from the catalog's `rule_protocols` ("tcp", "udp", "icmp", "any", …).
    pub protocol: String,
    pub ethertype: IpVersion,
    /// The remote range, e.g. "203.0.113.7/32".
    pub cidr: String,
    pub port_min: Option<u16>,
    pub port_max: Option<u16>,
}

/// An existing security group a VM can join at create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub region: Option<String>,
}

/// Everything the create wizard offers for one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Catalog {
    pub regions: Vec<Region>,
    /// Existing security groups (Lunanode), to pick at create.
    pub security_groups: Vec<SecurityGroup>,
    pub images: Vec<Image>,
    pub flavors: Vec<Flavor>,
    pub key_pairs: Vec<KeyPair>,
    pub rule_protocols: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Vm {
    pub id: String,
    pub name: String,
    pub provider: ProviderKind,
    pub state: VmState,
    /// The provider's own state value, for the detail pane and for states we do not know.
    pub raw_state: String,
    pub addresses: Vec<Address>,
    pub region: Option<String>,
    pub image: Option<String>,
    pub flavor: Option<Flavor>,
    /// When the provider says; an ISO 8601 string as given.
    pub created: Option<String>,
    pub labels: Vec<String>,
    /// The firewall rules the provider reports on the VM (Hyperstack); empty where it reports none.
    pub security_rules: Vec<SecurityRule>,
    /// The public port SSH answers on: 22 unless the provider remapped it; None when it remapped it and
    /// does not report where (Hyperstack's port randomisation), so the SSH dialog asks.
    pub ssh_port: Option<u16>,
    /// The provider's raw record.
    #[ts(type = "unknown")]
    pub extra: serde_json::Value,
}

impl Vm {
    /// This VM without the provider's raw record, cloned without cloning the record: what the list, the
    /// fleet cache and `SentListings` keep.
    pub fn without_record(&self) -> Vm {
        let Vm {
            id,
            name,
            provider,
            state,
            raw_state,
            addresses,
            region,
            image,
            flavor,
            created,
            labels,
            security_rules,
            ssh_port,
            extra: _,
        } = self;
        Vm {
            id: id.clone(),
            name: name.clone(),
            provider: *provider,
            state: *state,
            raw_state: raw_state.clone(),
            addresses: addresses.clone(),
            region: region.clone(),
            image: image.clone(),
            flavor: flavor.clone(),
            created: created.clone(),
            labels: labels.clone(),
            security_rules: security_rules.clone(),
            ssh_port: *ssh_port,
            extra: serde_json::Value::Null,
        }
    }
}

#[cfg(test)]
impl Vm {
    /// A running Lunanode VM with nothing else set, for a test to adjust with `..Vm::for_tests(id, name)`.
    pub(crate) fn for_tests(id: &str, name: &str) -> Vm {
        Vm {
            id: id.into(),
            name: name.into(),
            provider: ProviderKind::Lunanode,
            state: VmState::Running,
            raw_state: String::new(),
            addresses: Vec::new(),
            region: None,
            image: None,
            flavor: None,
            created: None,
            labels: Vec::new(),
            security_rules: Vec::new(),
            ssh_port: Some(22),
            extra: serde_json::Value::Null,
        }
    }
}

impl Vm {
    pub fn public_address(&self) -> Option<&Address> {
        self.addresses
            .iter()
            .find(|a| a.public && a.version == IpVersion::V4)
            .or(self.addresses.iter().find(|a| a.public))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsoleKind {
    None,
    /// The provider hands out a URL of its own browser console.
    ProviderUrl,
    /// A raw VNC endpoint VMDeck bridges to noVNC.
    Vnc,
}

/// What a backend supports, so the UI shows a step or an action only where it works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Capabilities {
    pub regions: bool,
    pub security_rules_at_create: bool,
    pub key_pairs: bool,
    pub password_login: bool,
    pub cloud_init: bool,
    /// The most VMs one create call may ask for.
    pub max_count: u32,
    pub console: ConsoleKind,
    pub reboot: bool,
    pub labels: bool,
    pub max_name_len: u32,
    /// Create works only by copying an existing VM's configuration (enclaive: no catalog endpoints).
    pub clone_only: bool,
    /// The create call lets the user choose whether a public (floating) IP is attached.
    pub public_ip_choice: bool,
    /// A public key can be uploaded as a new key pair from the wizard.
    pub import_key: bool,
    /// The largest cloud-init user data the backend accepts, in bytes (0 when there is no cloud-init).
    pub max_user_data_bytes: u32,
    /// VMs can be hibernated and restored (Hyperstack).
    pub hibernate: bool,
    /// A public IP can be attached to and detached from an existing VM (Hyperstack).
    pub public_ip_attach: bool,
    /// The create call can randomise the public ports (Hyperstack's `enable_port_randomization`).
    pub port_randomization: bool,
    /// Existing security groups can be attached at create (Lunanode's `securitygroups`).
    pub security_groups: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PowerAction {
    Start,
    Stop,
    Reboot,
    Hibernate,
    /// Wakes a hibernated VM.
    Restore,
}

/// A create request in VMDeck's terms; each provider maps it to its own body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct CreateRequest {
    pub name: String,
    pub count: u32,
    pub region: Option<String>,
    pub image: Option<String>,
    pub flavor: Option<String>,
    pub key_pair: Option<String>,
    pub assign_public_ip: bool,
    /// Hyperstack: randomise the public ports (SSH then answers on a port other than 22). Sent explicitly,
    /// since the API's default is true.
    pub port_randomization: bool,
    /// Existing security groups to attach (Lunanode), by id.
    pub security_groups: Vec<String>,
    pub security_rules: Vec<SecurityRule>,
    /// cloud-init user data as plain text; providers that want base64 encode it.
    pub user_data: Option<String>,
    pub labels: Vec<String>,
    /// Provider-specific fields the normalised ones cannot carry (enclaive's provider, size and price ids,
    /// taken from an existing VM's configuration).
    #[ts(type = "Record<string, unknown> | null")]
    pub provider_options: Option<serde_json::Value>,
}

/// One HTTP call as a provider will send it, without credentials: what the wizard's review step shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PreparedCall {
    pub method: String,
    /// The path under the account's base URL (Lunanode: the `category/action` handler).
    pub path: String,
    /// The JSON body (Lunanode: the `req` object that is signed).
    #[ts(type = "unknown")]
    pub body: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConsoleTarget {
    /// Open in a separate webview window; it expires soon.
    Url {
        url: String,
    },
    Vnc {
        host: String,
        port: u16,
    },
}
