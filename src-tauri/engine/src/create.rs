//! The create wizard's rules: what a request must satisfy before it is sent, checked as the user types.
//!
//! One place for the rules, so the wizard's "Next is disabled because…" and the refusal at create time
//! never disagree. Limits come from the backend's capabilities and catalog (docs/providers/).

use crate::model::{
    Capabilities, Catalog, CreateRequest, Flavor, Image, IpVersion, PreparedCall, SecurityRule,
};
use crate::providers::Provider;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use ts_rs::TS;

/// One reason a field is not acceptable yet. `field` names a `CreateRequest` field; rule problems are
/// `security_rules.{index}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// The answer to "is this request ready?": the problems, the flavors that do not fit the chosen image (with
/// the reason), and — once nothing is wrong — the exact call that Create will send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CreateCheck {
    pub problems: Vec<FieldProblem>,
    pub unfit_flavors: BTreeMap<String, String>,
    pub call: Option<PreparedCall>,
}

/// Checks a request against the backend's rules and, when it passes, prepares the call.
pub fn check(provider: &dyn Provider, catalog: &Catalog, request: &CreateRequest) -> CreateCheck {
    let caps = provider.capabilities();
    let mut problems = problems(&caps, catalog, request);
    let image = catalog.images.iter().find(|i| Some(&i.id) == request.image.as_ref());
    let unfit_flavors: BTreeMap<String, String> = catalog
        .flavors
        .iter()
        .filter_map(|f| unfit_reason(f, image).map(|why| (f.id.clone(), why)))
        .collect();
    if let Some(why) = request.flavor.as_ref().and_then(|id| unfit_flavors.get(id)) {
        problems.push(problem("flavor", why));
    }
    let call = if problems.is_empty() {
        match provider.create_call(request) {
            Ok(call) => Some(call),
            Err(err) => {
                let field = err.details.as_ref().and_then(|d| d.get("field")).and_then(|f| f.as_str());
                problems.push(problem(field.unwrap_or("request"), &err.message));
                None
            }
        }
    } else {
        None
    };
    CreateCheck { problems, unfit_flavors, call }
}

fn problem(field: &str, message: &str) -> FieldProblem {
    FieldProblem { field: field.to_owned(), message: message.to_owned() }
}

/// Every rule that does not need the provider's own body builder.
pub fn problems(caps: &Capabilities, catalog: &Catalog, request: &CreateRequest) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    let mut add = |field: &str, message: String| out.push(FieldProblem { field: field.to_owned(), message });

    if let Some(message) = name_problem(&request.name, request.count, caps) {
        add("name", message);
    }
    if request.count == 0 || request.count > caps.max_count.max(1) {
        let most = caps.max_count.max(1);
        add(
            "count",
            if most == 1 {
                "This backend creates one VM at a time.".into()
            } else {
                format!("Between 1 and {most} VMs per create.")
            },
        );
    }
    if caps.clone_only {
        if request.provider_options.is_none() {
            add(
                "provider_options",
                "Choose an existing VM to copy: this backend's API has no catalog to pick from.".into(),
            );
        }
    } else {
        let picked = |id: &Option<String>| id.as_deref().is_some_and(|s| !s.is_empty());
        if caps.regions && !catalog.regions.is_empty() && !picked(&request.region) {
            add("region", "Choose a location.".into());
        } else if let Some(region) = request.region.as_ref().filter(|_| !catalog.regions.is_empty()) {
            if !catalog.regions.iter().any(|r| &r.id == region) {
                add("region", format!("{region} is not a location of this account."));
            }
        }
        if !catalog.images.is_empty() && !picked(&request.image) {
            add("image", "Choose an image.".into());
        }
        if !catalog.flavors.is_empty() {
            match catalog.flavors.iter().find(|f| Some(&f.id) == request.flavor.as_ref()) {
                None => add("flavor", "Choose a size.".into()),
                Some(flavor) if !flavor.available => {
                    add("flavor", format!("{} is out of stock.", flavor.name))
                }
                Some(_) => {}
            }
        }
    }
    if caps.key_pairs && !caps.password_login && request.key_pair.as_deref().is_none_or(str::is_empty) {
        add("key_pair", "Choose a key pair: this backend logs in with SSH keys only.".into());
    }
    if !caps.security_rules_at_create && !request.security_rules.is_empty() {
        add("security_rules", "This backend takes no firewall rules at create time.".into());
    }
    for (index, rule) in request.security_rules.iter().enumerate() {
        if let Some(message) = rule_problem(rule, &catalog.rule_protocols) {
            add(&format!("security_rules.{index}"), message);
        }
    }
    if let Some(user_data) = &request.user_data {
        if let Some(message) = user_data_problem(user_data, caps) {
            add("user_data", message);
        }
    }
    out
}

/// Names become host names on every backend (enclaive's `hostNames`, Lunanode's `hostname`), so the
/// RFC 1123 label rules apply, within the backend's length limit. enclaive appends `-01`… to a counted
/// name, so the limit is checked with the suffix.
pub fn name_problem(name: &str, count: u32, caps: &Capabilities) -> Option<String> {
    if name.is_empty() {
        return Some("A name is required.".into());
    }
    let suffix = if count > 1 && caps.clone_only { 3 } else { 0 };
    let max = (caps.max_name_len as usize).saturating_sub(suffix);
    if name.len() > max {
        return Some(format!("At most {max} characters (this one has {}).", name.len()));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
        return Some(format!("Only letters, digits and hyphens; “{bad}” is not allowed."));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some("Start with a letter.".into());
    }
    if name.ends_with('-') {
        return Some("Do not end with a hyphen.".into());
    }
    None
}

/// A rule's CIDR must parse and match its ethertype; ports only for TCP/UDP, 1–65535, low ≤ high.
pub fn rule_problem(rule: &SecurityRule, protocols: &[String]) -> Option<String> {
    if !protocols.is_empty() && !protocols.iter().any(|p| p == &rule.protocol) {
        return Some(format!("Protocol “{}” is not offered here.", rule.protocol));
    }
    let Some((address, prefix)) = rule.cidr.split_once('/') else {
        return Some(format!("“{}” is not a CIDR range such as 203.0.113.7/32.", rule.cidr));
    };
    let Ok(address) = address.parse::<IpAddr>() else {
        return Some(format!("“{address}” is not an IP address."));
    };
    let bits = if address.is_ipv4() { 32 } else { 128 };
    if !prefix.parse::<u8>().is_ok_and(|p| p <= bits) {
        return Some(format!("The prefix length must be 0–{bits}."));
    }
    let family = if address.is_ipv4() { IpVersion::V4 } else { IpVersion::V6 };
    if family != rule.ethertype {
        return Some("The range's address family does not match the ethertype.".into());
    }
    let ported = matches!(rule.protocol.as_str(), "tcp" | "udp");
    match (rule.port_min, rule.port_max) {
        (None, None) => None,
        _ if !ported => Some("Ports apply to TCP and UDP only.".into()),
        (Some(0), _) | (_, Some(0)) => Some("Ports are 1–65535.".into()),
        (Some(low), Some(high)) if low > high => Some("The first port must not be above the last.".into()),
        (None, Some(_)) | (Some(_), None) => {
            Some("Give both ends of the port range (the same port twice for one).".into())
        }
        _ => None,
    }
}

/// More YAML nodes than any real cloud-config of 64 KiB has, far fewer than an alias bomb expands to.
const MAX_YAML_NODES: u64 = 50_000;

/// Within the backend's limit; `#cloud-config` documents must be YAML (scripts, `#!…`, pass as they are).
pub fn user_data_problem(user_data: &str, caps: &Capabilities) -> Option<String> {
    if caps.max_user_data_bytes == 0 {
        return Some("This backend takes no cloud-init user data.".into());
    }
    if user_data.len() > caps.max_user_data_bytes as usize {
        return Some(format!("{} bytes; the limit is {} bytes.", user_data.len(), caps.max_user_data_bytes));
    }
    if user_data.starts_with("#cloud-config") {
        // Counted before loading: a few anchors and aliases can expand to billions of nodes.
        match yaml_size::expanded_nodes(user_data, MAX_YAML_NODES) {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Some(format!(
                    "Its aliases expand to more than {MAX_YAML_NODES} YAML nodes: write the values out instead of repeating anchors."
                ))
            }
            // The loader below reports the syntax error with its position.
            Err(_) => {}
        }
        if let Err(err) = yaml_rust2::YamlLoader::load_from_str(user_data) {
            let marker = err.marker();
            return Some(format!(
                "Not valid YAML at line {}, column {}: {}.",
                marker.line(),
                marker.col() + 1,
                err.info()
            ));
        }
    } else if !user_data.trim().is_empty()
        && !user_data.starts_with("#!")
        && !user_data.starts_with("Content-Type")
    {
        return Some("Start with “#cloud-config” (YAML) or “#!” (a script).".into());
    }
    None
}

/// Why a flavor cannot boot the image (smaller than the image's minimum disk or RAM), if so.
pub fn unfit_reason(flavor: &Flavor, image: Option<&Image>) -> Option<String> {
    let image = image?;
    if let (Some(need), Some(have)) = (image.min_disk_gb, flavor.disk_gb) {
        if have < need {
            return Some(format!("{} needs {need} GB of disk; this size has {have} GB.", image.name));
        }
    }
    if let (Some(need), Some(have)) = (image.min_ram_gb, flavor.ram_gb) {
        if have < need {
            return Some(format!("{} needs {need} GB of RAM; this size has {have} GB.", image.name));
        }
    }
    None
}

pub(crate) mod yaml_size;

#[cfg(test)]
mod tests;
