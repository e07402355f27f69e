//! What a create needs before `vm/create`: a startup script from the wizard's cloud-init (`script/create`
//! with `name` and `content`, answering `script_id`: LunaNode/launchbtcpay:main.go) and a security group
//! from the wizard's rules (`securitygroup/create` with `region` and `name`, then one
//! `securitygroup/rule-insert` per rule with `region, group_id, direction, type, protocol, remote_type,
//! remote_value[, port_min, port_max, label]`: the parameter lists of nomoon/lunanode:lunanode_api_def.yaml).
//! The values of those rule parameters and the create answers' fields are not documented; see
//! docs/providers/lunanode.md. Everything made here is removed again when the create fails.

use super::super::id_in;
use super::records::security_groups_of;
use super::Lunanode;
use crate::error::{AppError, ErrorCode, Result};
use crate::model::{CreateRequest, Direction, IpVersion, SecurityRule};
use crate::providers::http::Retry;
use serde_json::Value;

/// What the setup made, for `vm/create` and for the cleanup after a failed create.
#[derive(Debug, Default)]
pub(super) struct Prepared {
    pub script_id: Option<String>,
    pub group_id: Option<String>,
    pub region: String,
}

impl Prepared {
    /// The `securitygroups` parameter: the groups picked in the wizard and the one made from its rules.
    pub fn security_groups(&self, request: &CreateRequest) -> Option<String> {
        let all: Vec<&str> =
            request.security_groups.iter().map(String::as_str).chain(self.group_id.as_deref()).collect();
        (!all.is_empty()).then(|| all.join(","))
    }
}

/// The name of the group made for one VM.
pub(super) fn group_name(hostname: &str) -> String {
    format!("vmdeck-{hostname}")
}

/// One rule as `rule-insert` parameters.
pub(super) fn rule_params(region: &str, group_id: &str, rule: &SecurityRule) -> Vec<(&'static str, String)> {
    let mut params = vec![
        ("region", region.to_owned()),
        ("group_id", group_id.to_owned()),
        (
            "direction",
            match rule.direction {
                Direction::Ingress => "ingress",
                Direction::Egress => "egress",
            }
            .into(),
        ),
        (
            "type",
            match rule.ethertype {
                IpVersion::V4 => "ipv4",
                IpVersion::V6 => "ipv6",
            }
            .into(),
        ),
        ("protocol", rule.protocol.clone()),
        ("remote_type", "cidr".into()),
        ("remote_value", rule.cidr.clone()),
        ("label", "vmdeck".into()),
    ];
    if let Some(min) = rule.port_min {
        params.push(("port_min", min.to_string()));
    }
    if let Some(max) = rule.port_max.or(rule.port_min) {
        params.push(("port_max", max.to_string()));
    }
    params
}

impl Lunanode {
    pub(super) async fn prepare(&self, request: &CreateRequest) -> Result<Prepared> {
        let mut prepared = Prepared {
            region: request.region.clone().unwrap_or_else(|| super::records::DOCUMENTED_REGIONS[0].into()),
            ..Prepared::default()
        };
        let made = self.prepare_into(request, &mut prepared).await;
        match made {
            Ok(()) => Ok(prepared),
            Err(err) => {
                self.clean_up(&prepared).await;
                Err(err)
            }
        }
    }

    async fn prepare_into(&self, request: &CreateRequest, prepared: &mut Prepared) -> Result<()> {
        if let Some(user_data) = request.user_data.as_deref().filter(|u| !u.trim().is_empty()) {
            let params = [("name", format!("vmdeck-{}", request.name)), ("content", user_data.to_owned())];
            let answer = self.call(Retry::Never, "script/create", &params).await?;
            prepared.script_id = Some(
                id_in(&answer, &["script_id", "id"]).ok_or_else(|| missing_id("script/create", &answer))?,
            );
        }
        if !request.security_rules.is_empty() {
            let name = group_name(&request.name);
            let params = [("region", prepared.region.clone()), ("name", name.clone())];
            let answer = self.call(Retry::Never, "securitygroup/create", &params).await?;
            let group_id = match id_in(&answer, &["group_id", "id", "securitygroup_id"]) {
                Some(id) => id,
                // The answer's fields are not documented: find the group just made by its name.
                None => {
                    let list = self.call(Retry::Idempotent, "securitygroup/list", &[]).await?;
                    security_groups_of(&list)?
                        .into_iter()
                        .find(|g| g.name == name)
                        .map(|g| g.id)
                        .ok_or_else(|| missing_id("securitygroup/create", &answer))?
                }
            };
            prepared.group_id = Some(group_id.clone());
            for rule in &request.security_rules {
                let params = rule_params(&prepared.region, &group_id, rule);
                self.call(Retry::Never, "securitygroup/rule-insert", &params).await?;
            }
        }
        Ok(())
    }

    /// Best effort: what is left behind is logged, not raised over the create's own error.
    pub(super) async fn clean_up(&self, prepared: &Prepared) {
        if let Some(id) = &prepared.group_id {
            let params = [("region", prepared.region.clone()), ("group_id", id.clone())];
            if let Err(err) = self.call(Retry::Never, "securitygroup/delete", &params).await {
                tracing::warn!(group = %id, "could not remove the security group made for a failed create: {}", err.message);
            }
        }
        if let Some(id) = &prepared.script_id {
            if let Err(err) = self.call(Retry::Never, "script/delete", &[("script_id", id.clone())]).await {
                tracing::warn!(script = %id, "could not remove the startup script made for a failed create: {}", err.message);
            }
        }
    }
}

fn missing_id(action: &str, answer: &Value) -> AppError {
    AppError::new(
        ErrorCode::MalformedResponse,
        format!("Lunanode's {action} answer names no id, so VMDeck cannot use what it made."),
    )
    .with_detail("provider", "Lunanode")
    .with_detail("request", format!("POST {action}/"))
    .with_detail("answer", answer.to_string())
}
