//! From a path template and a secret's fields to a VM's login: which placeholder means what, and which
//! field holds the user, password, private key, passphrase and VNC password.

use crate::error::{AppError, Result};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use ts_rs::TS;

/// Values for `{teamId}`, `{projectId}`, `{vmId}`, `{vmName}`, `{accountId}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathVars {
    pub team_id: Option<String>,
    pub project_id: Option<String>,
    pub vm_id: Option<String>,
    pub vm_name: Option<String>,
    pub account_id: Option<String>,
}

pub fn resolve_template(template: &str, vars: &PathVars) -> Result<String> {
    let mut out = String::new();
    let mut rest = template.trim();
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').ok_or_else(|| {
            AppError::invalid_input("vault_path_template", "A placeholder is not closed with }.")
        })?;
        let name = &rest[start + 1..start + end];
        let value = match name {
            "teamId" => &vars.team_id,
            "projectId" => &vars.project_id,
            "vmId" => &vars.vm_id,
            "vmName" => &vars.vm_name,
            "accountId" => &vars.account_id,
            _ => {
                return Err(AppError::invalid_input(
                    "vault_path_template",
                    format!(
                        "Unknown placeholder {{{name}}}; use teamId, projectId, vmId, vmName or accountId."
                    ),
                ))
            }
        };
        let value = value.as_deref().filter(|v| !v.is_empty()).ok_or_else(|| {
            AppError::invalid_input("vault_path_template", format!("{{{name}}} has no value for this VM."))
        })?;
        // A value must not climb out of its path segment.
        if value.contains('/') || value.contains("..") {
            return Err(AppError::invalid_input(
                "vault_path_template",
                format!("{{{name}}} has a value that is not a path segment."),
            ));
        }
        out.push_str(value);
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Which field of the secret holds what; each list is tried in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FieldMapping {
    pub username: Vec<String>,
    pub password: Vec<String>,
    pub private_key: Vec<String>,
    pub passphrase: Vec<String>,
    pub vnc_password: Vec<String>,
}

impl Default for FieldMapping {
    fn default() -> Self {
        let list = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        Self {
            username: list(&["username", "user", "login"]),
            password: list(&["password", "pass"]),
            private_key: list(&["ssh_private_key", "private_key", "id_ed25519", "id_rsa", "key"]),
            passphrase: list(&["passphrase", "key_passphrase"]),
            vnc_password: list(&["vnc_password", "vnc"]),
        }
    }
}

/// A VM's login as read from Vault; prints no value.
#[derive(Clone, Default)]
pub struct VmCredentials {
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub private_key: Option<Secret>,
    pub passphrase: Option<Secret>,
    pub vnc_password: Option<Secret>,
    /// Every field name the secret had, for "Test: fetched fields …".
    pub fields: Vec<String>,
}

impl fmt::Debug for VmCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VmCredentials")
            .field("username", &self.username)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl FieldMapping {
    pub fn apply(&self, mut fields: HashMap<String, Secret>) -> VmCredentials {
        let mut names: Vec<String> = fields.keys().cloned().collect();
        names.sort();
        let mut take = |candidates: &[String]| candidates.iter().find_map(|name| fields.remove(name));
        VmCredentials {
            username: take(&self.username).map(|s| s.expose().to_owned()),
            password: take(&self.password),
            private_key: take(&self.private_key),
            passphrase: take(&self.passphrase),
            vnc_password: take(&self.vnc_password),
            fields: names,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> PathVars {
        PathVars { team_id: Some("t1".into()), vm_name: Some("web".into()), ..Default::default() }
    }

    #[test]
    fn templates_fill_placeholders_and_refuse_what_they_cannot() {
        assert_eq!(
            resolve_template("enclaive-static/data/{teamId}/user/root", &vars()).unwrap(),
            "enclaive-static/data/t1/user/root"
        );
        assert_eq!(resolve_template("secret/data/{vmName}", &vars()).unwrap(), "secret/data/web");
        assert!(resolve_template("secret/data/{vmId}", &vars()).is_err(), "no value");
        assert!(resolve_template("secret/data/{nope}", &vars()).is_err(), "unknown");
        let climbing = PathVars { vm_name: Some("../root".into()), ..Default::default() };
        assert!(resolve_template("secret/data/{vmName}", &climbing).is_err());
    }

    #[test]
    fn the_default_mapping_finds_common_field_names_and_debug_shows_no_value() {
        let fields: HashMap<String, Secret> =
            [("user", "root"), ("password", "pw"), ("ssh_private_key", "-----BEGIN")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), Secret::new(v)))
                .collect();
        let creds = FieldMapping::default().apply(fields);
        assert_eq!(creds.username.as_deref(), Some("root"));
        assert_eq!(creds.password.unwrap().expose(), "pw");
        assert!(creds.private_key.is_some());
        assert_eq!(creds.fields, ["password", "ssh_private_key", "user"]);
        let debug = format!(
            "{:?}",
            FieldMapping::default().apply([("password".to_owned(), Secret::new("pw"))].into())
        );
        assert!(!debug.contains("pw\""), "{debug}");
    }
}
