//! Lunanode's answers in VMDeck's terms. `vm/list`, `vm/info`, `plan/list` and `image/list` have documented
//! shapes (seed, LunaNode/cloug); `sshkey/list`, `region/list` and `securitygroup/list` do not, so their
//! readers accept every shape a public client reads and fail loudly on anything else
//! (docs/providers/lunanode.md).

use super::super::{id_in, text};
use crate::error::{AppError, ErrorCode, Result};
use crate::model::*;
use serde_json::{json, Value};

pub(super) fn number(value: &Value, key: &str) -> Option<f64> {
    text(value, key).and_then(|s| s.parse().ok())
}

pub(super) fn state_of(raw: &str) -> VmState {
    match raw.to_lowercase().as_str() {
        "active" | "online" => VmState::Running,
        "building" | "build" => VmState::Creating,
        "stopped" | "shutoff" | "offline" => VmState::Stopped,
        "rebooting" | "reboot" => VmState::Rebooting,
        "deleted" | "deleting" => VmState::Deleting,
        "error" => VmState::Error,
        _ => VmState::Unknown,
    }
}

fn flavor_of_extra(extra: &Value) -> Flavor {
    Flavor {
        id: text(extra, "plan_id").unwrap_or_default(),
        name: text(extra, "plan_id").map(|p| format!("plan {p}")).unwrap_or_default(),
        region: text(extra, "region"),
        vcpu: number(extra, "vcpu").map(|v| v as u32),
        ram_gb: number(extra, "ram").map(|mb| mb / 1024.0),
        disk_gb: number(extra, "storage"),
        gpu: None,
        gpu_count: 0,
        price: None,
        available: true,
    }
}

pub(super) fn vm_of_extra(extra: &Value) -> Vm {
    let raw = text(extra, "os_status").unwrap_or_default();
    let mut addresses = Vec::new();
    if let Some(ip) = text(extra, "primaryip") {
        addresses.push(Address::new(&ip, true));
    }
    if let Some(ip) = text(extra, "privateip") {
        addresses.push(Address::new(&ip, false));
    }
    Vm {
        id: text(extra, "vm_id").unwrap_or_default(),
        name: text(extra, "name").or_else(|| text(extra, "hostname")).unwrap_or_default(),
        provider: ProviderKind::Lunanode,
        state: state_of(&raw),
        raw_state: raw,
        addresses,
        region: text(extra, "region"),
        image: None,
        flavor: Some(flavor_of_extra(extra)),
        created: None,
        labels: Vec::new(),
        security_rules: Vec::new(),
        ssh_port: Some(22),
        extra: extra.clone(),
    }
}

pub(crate) fn vm_of_info(answer: &Value) -> Vm {
    let mut vm = vm_of_extra(&answer["extra"]);
    let info = &answer["info"];
    // `info` is live and `extra` cached: prefer info (seed:lunanode-api-vm.txt, response notes).
    if let Some(raw) = text(info, "status_raw") {
        vm.state = state_of(&raw);
        vm.raw_state = raw;
    }
    if let Some(list) = info.get("addresses").and_then(Value::as_array) {
        vm.addresses = list
            .iter()
            .filter_map(|a| {
                text(a, "addr").map(|ip| Address::new(&ip, a.get("external") == Some(&json!("1"))))
            })
            .collect();
    }
    vm.image = text(info, "image").or_else(|| text(info, "os"));
    vm.extra = answer.clone();
    // `login_details` holds the password in words we cannot rely on: the raw record shown in the UI
    // keeps only the user name, whatever the wording.
    if let Some(details) = text(info, "login_details") {
        vm.extra["info"]["login_details"] = json!(redacted_login(&details));
    }
    vm
}

fn redacted_login(details: &str) -> String {
    match crate::targets::lunanode_login_user(details) {
        Some(user) => format!("username: {user}; password: (hidden by VMDeck)"),
        None => "(hidden by VMDeck: it may hold a password)".to_owned(),
    }
}

/// The entries of a list answer: the array or object under one of `keys`, else the top-level objects
/// beside `success` (how LunaNode's own launchbtcpay reads `sshkey/list`: `{"success": "yes", "0": {id,
/// value}, …}`). Object members keep their key, for maps like `{"toronto": "Toronto"}`.
fn entries<'a>(answer: &'a Value, keys: &[&str]) -> Option<Vec<(Option<&'a str>, &'a Value)>> {
    for key in keys {
        match answer.get(*key) {
            Some(Value::Array(items)) => return Some(items.iter().map(|v| (None, v)).collect()),
            Some(Value::Object(map)) => {
                return Some(map.iter().map(|(k, v)| (Some(k.as_str()), v)).collect())
            }
            _ => {}
        }
    }
    let object = answer.as_object()?;
    let top: Vec<_> = object
        .iter()
        .filter(|(k, v)| k.as_str() != "success" && (v.is_object() || k.parse::<u64>().is_ok()))
        .map(|(k, v)| (Some(k.as_str()), v))
        .collect();
    // An answer with nothing but `success` is an empty list; one with other fields of no known shape is not.
    let only_success = object.keys().all(|k| k == "success");
    (only_success || !top.is_empty()).then_some(top)
}

fn unexpected(action: &str, answer: &Value) -> AppError {
    let fields: Vec<&str> =
        answer.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    AppError::new(
        ErrorCode::MalformedResponse,
        format!(
            "Lunanode's {action} answer has a shape VMDeck does not know (fields: {}).",
            fields.join(", ")
        ),
    )
    .with_detail("provider", "Lunanode")
    .with_detail("request", format!("POST {action}/"))
}

/// `sshkey/list`: LunaNode's own client reads top-level `{id, value}` entries; an array under `sshkeys` is
/// also read. A key is named by its `name` or `label` (what `sshkey/add` takes), else by the comment of
/// its public key.
pub(crate) fn key_pairs_of(answer: &Value) -> Result<Vec<KeyPair>> {
    let entries = entries(answer, &["sshkeys", "keys"]).ok_or_else(|| unexpected("sshkey/list", answer))?;
    let keys: Vec<KeyPair> = entries
        .into_iter()
        .filter_map(|(_, entry)| {
            let id = id_in(entry, &["id"])?;
            let comment = text(entry, "value").and_then(|v| v.split_whitespace().nth(2).map(str::to_owned));
            let name = text(entry, "name")
                .or_else(|| text(entry, "label"))
                .or(comment)
                .unwrap_or_else(|| format!("key {id}"));
            Some(KeyPair { id, name, fingerprint: None, region: None })
        })
        .collect();
    Ok(keys)
}

/// The regions the seed documents for `vm/create` (`region`: toronto, montreal, roubaix).
pub(super) const DOCUMENTED_REGIONS: &[&str] = &["toronto", "montreal", "roubaix"];

/// `region/list` (shape undocumented): a map of id → name, an array of `{id|region, name}`, or top-level
/// entries. When none of these is there the documented regions are offered, with a warning in the log.
pub(crate) fn regions_of(answer: &Value) -> Vec<Region> {
    let read = entries(answer, &["regions"]).map(|entries| {
        entries
            .into_iter()
            .filter_map(|(key, entry)| {
                let id = text(entry, "id").or_else(|| text(entry, "region")).or(key.map(str::to_owned))?;
                let name = entry
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| text(entry, "name"))
                    .unwrap_or_else(|| id.clone());
                Some(Region { id, name, area: None })
            })
            .collect::<Vec<_>>()
    });
    match read {
        Some(regions) if !regions.is_empty() => regions,
        _ => {
            tracing::warn!("Lunanode's region/list answer held no region VMDeck could read; offering the documented ones");
            DOCUMENTED_REGIONS
                .iter()
                .map(|id| Region { id: (*id).into(), name: (*id).into(), area: None })
                .collect()
        }
    }
}

/// `securitygroup/list` (shape undocumented): an array under `security_groups` or `securitygroups`, or
/// top-level entries; a group is `{id|group_id, name, region?}`.
pub(crate) fn security_groups_of(answer: &Value) -> Result<Vec<SecurityGroup>> {
    let entries = entries(answer, &["security_groups", "securitygroups", "groups"])
        .ok_or_else(|| unexpected("securitygroup/list", answer))?;
    Ok(entries
        .into_iter()
        .filter_map(|(_, g)| {
            let id = id_in(g, &["group_id", "id"])?;
            Some(SecurityGroup {
                name: text(g, "name").unwrap_or_else(|| id.clone()),
                id,
                region: text(g, "region"),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {

    #[test]
    fn login_details_keep_only_the_user_whatever_the_wording() {
        for (details, shown) in [
            (
                "username: ubuntu; password: QixaTUKqP1IvxBeG",
                "username: ubuntu; password: (hidden by VMDeck)",
            ),
            ("username: root; Password:hunter2 (change it)", "username: root; password: (hidden by VMDeck)"),
            ("root / hunter2", "(hidden by VMDeck: it may hold a password)"),
        ] {
            assert_eq!(super::redacted_login(details), shown);
        }
    }

    use super::*;

    #[test]
    fn ssh_keys_read_in_both_shapes_and_an_unknown_shape_is_an_error() {
        // LunaNode/launchbtcpay:main.go decodes top-level {id, value} entries beside `success`.
        let top = json!({"success": "yes", "0": {"id": "231", "value": "ssh-ed25519 AAAA laptop@home"}});
        let keys = key_pairs_of(&top).unwrap();
        assert_eq!((keys[0].id.as_str(), keys[0].name.as_str()), ("231", "laptop@home"));
        let array = json!({"success": "yes", "sshkeys": [{"id": "7", "name": "ci"}]});
        assert_eq!(key_pairs_of(&array).unwrap()[0].name, "ci");
        assert!(key_pairs_of(&json!({"success": "yes"})).unwrap().is_empty());
        let odd = key_pairs_of(&json!({"success": "yes", "total": "3"})).unwrap_err();
        assert_eq!(odd.code, ErrorCode::MalformedResponse);
        assert!(odd.message.contains("total"), "{}", odd.message);
    }

    #[test]
    fn regions_read_as_map_array_or_entries_else_the_documented_ones() {
        let map = regions_of(&json!({"success": "yes", "regions": {"toronto": "Toronto"}}));
        assert_eq!((map[0].id.as_str(), map[0].name.as_str()), ("toronto", "Toronto"));
        let array =
            regions_of(&json!({"success": "yes", "regions": [{"region": "roubaix", "name": "Roubaix"}]}));
        assert_eq!(array[0].id, "roubaix");
        let top = regions_of(&json!({"success": "yes", "0": {"id": "montreal", "name": "Montreal"}}));
        assert_eq!(top[0].id, "montreal");
        let none = regions_of(&json!({"success": "yes", "odd": 3}));
        assert_eq!(none.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), DOCUMENTED_REGIONS);
    }

    #[test]
    fn security_groups_read_in_every_shape() {
        let a = security_groups_of(
            &json!({"success": "yes", "security_groups": [{"id": "4", "name": "default"}]}),
        )
        .unwrap();
        assert_eq!(a[0].id, "4");
        let b = security_groups_of(
            &json!({"success": "yes", "0": {"group_id": "9", "name": "web", "region": "toronto"}}),
        )
        .unwrap();
        assert_eq!((b[0].id.as_str(), b[0].region.as_deref()), ("9", Some("toronto")));
    }
}
