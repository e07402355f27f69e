//! Hyperstack's records in VMDeck's terms: VM statuses, instances, flavors, prices, key pairs and rules.
//! Sources for every field: docs/providers/hyperstack.md.

use super::super::{array, text};
use crate::model::*;
use serde_json::Value;

/// Every status the "States and Statuses of Virtual Machines" page documents, plus OpenStack Nova's
/// names that older answers used (PRE_ACTIVE from the console docs, HARD_REBOOT, SHUTDOWN).
pub(crate) fn state_of(status: &str) -> VmState {
    match status {
        "CREATING" | "BUILD" | "BUILDING" | "PRE_ACTIVE" => VmState::Creating,
        "ACTIVE" => VmState::Running,
        "STOPPING" => VmState::Stopping,
        "SHUTOFF" | "STOPPED" | "SHUTDOWN" => VmState::Stopped,
        "STARTING" => VmState::Starting,
        "REBOOTING" | "REBOOT" | "HARD_REBOOT" => VmState::Rebooting,
        "HIBERNATING" => VmState::Hibernating,
        "HIBERNATED" => VmState::Hibernated,
        "RESTORING" => VmState::Restoring,
        "DELETING" => VmState::Deleting,
        "ERROR" => VmState::Error,
        other => {
            if !other.is_empty() && crate::logging::first_time(format!("hyperstack-status:{other}")) {
                tracing::warn!(status = other, "Hyperstack VM status VMDeck does not know");
            }
            VmState::Unknown
        }
    }
}

/// Where SSH answers. Without port randomisation it is 22. With it, no public source says which field
/// carries the mapped port (the SDK's instance has only `port_randomization` and its status), so the few
/// plausible places are read and, when none holds a port, the SSH dialog asks (never a silent 22).
pub(crate) fn ssh_port_of(instance: &Value) -> Option<u16> {
    if instance.get("port_randomization").and_then(Value::as_bool) != Some(true) {
        return Some(22);
    }
    let as_port = |v: &Value| {
        v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).and_then(|p| u16::try_from(p).ok())
    };
    let candidates =
        [&instance["ssh_port"], &instance["features"]["ssh_port"], &instance["port_mapping"]["22"]];
    let found = candidates.into_iter().find_map(as_port);
    // One warning per run, not per VM: a fleet of such VMs would fill the log at every listing.
    if found.is_none() {
        if crate::logging::first_time("hyperstack-ssh-port") {
            tracing::warn!(
                id = %instance["id"],
                "Hyperstack randomised this VM's ports and its record names no SSH port; the SSH dialog will ask \
                 (other VMs like it are logged at debug level)"
            );
        } else {
            tracing::debug!(id = %instance["id"], "Hyperstack VM with randomised ports and no SSH port in its record");
        }
    }
    found
}

/// Create calls name flavors (`flavor_name`), so the name is the id, as for images and key pairs.
pub(crate) fn flavor_of(value: &Value) -> Flavor {
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
pub(crate) fn price_of(flavor: &Value, pricebook: &Value) -> Option<Price> {
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
        ssh_port: ssh_port_of(instance),
        extra: instance.clone(),
    }
}

/// Key pairs are named in create calls, so the name is the id; each belongs to one environment.
pub(crate) fn key_pair_of(record: &Value) -> KeyPair {
    KeyPair {
        id: text(record, "name").unwrap_or_default(),
        name: text(record, "name").unwrap_or_default(),
        fingerprint: text(record, "fingerprint"),
        region: record.get("environment").and_then(|e| text(e, "name")),
    }
}

/// A rule of an instance record back in VMDeck's terms.
pub(crate) fn rule_of(rule: &Value) -> Option<SecurityRule> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_documented_status_has_a_state() {
        let documented = [
            ("CREATING", VmState::Creating),
            ("BUILD", VmState::Creating),
            ("ACTIVE", VmState::Running),
            ("ERROR", VmState::Error),
            ("STOPPING", VmState::Stopping),
            ("SHUTOFF", VmState::Stopped),
            ("STARTING", VmState::Starting),
            ("REBOOTING", VmState::Rebooting),
            ("HIBERNATING", VmState::Hibernating),
            ("HIBERNATED", VmState::Hibernated),
            ("RESTORING", VmState::Restoring),
            ("DELETING", VmState::Deleting),
        ];
        for (status, state) in documented {
            assert_eq!(state_of(status), state, "{status}");
        }
        assert_eq!(state_of("SOMETHING_NEW"), VmState::Unknown);
    }

    #[test]
    fn ssh_is_on_22_unless_ports_are_randomised_and_then_only_where_the_record_says() {
        assert_eq!(ssh_port_of(&json!({"port_randomization": false})), Some(22));
        assert_eq!(ssh_port_of(&json!({})), Some(22));
        assert_eq!(
            ssh_port_of(&json!({"port_randomization": true, "port_randomization_status": "ENABLED"})),
            None
        );
        assert_eq!(ssh_port_of(&json!({"port_randomization": true, "ssh_port": 31022})), Some(31022));
        assert_eq!(
            ssh_port_of(&json!({"port_randomization": true, "features": {"ssh_port": "40022"}})),
            Some(40022)
        );
    }
}
