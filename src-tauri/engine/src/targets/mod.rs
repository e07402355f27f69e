//! Where and how to log in to a VM: the address, port, default user of its image, and where its
//! credentials live. No secret is held here; the SSH console fetches them when it connects.

pub mod saved;

use crate::accounts::{Account, AccountSettings};
use crate::model::{ProviderKind, Vm};
use saved::SavedSshTarget;
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CredentialSource {
    /// A Vault path (the account's template filled in for this VM).
    Vault { path: String },
    /// The provider reports a password for this VM (Lunanode's `login_details`).
    ProviderPassword,
    /// The key pair the VM was created with; the private key is the user's.
    KeyPair { name: String },
    /// A private key VMDeck keeps in the keychain under this name (a local VM's generated key).
    StoredKey { name: String },
    /// Nothing is known: the SSH dialog asks.
    Ask,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SshTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub credentials: CredentialSource,
    /// Why `port` is only a guess the user should check (the provider moved SSH and does not say where).
    pub port_note: Option<String>,
    /// Why `host` is empty or only a guess (the backend reports no address).
    pub host_note: Option<String>,
    /// Host, port and user are the ones the user saved for this VM.
    pub remembered: bool,
}

/// The usual login user of cloud images, from the image's name.
pub fn default_user(image: &str) -> &'static str {
    let image = image.to_lowercase();
    [
        ("ubuntu", "ubuntu"),
        ("debian", "debian"),
        ("centos", "centos"),
        ("fedora", "fedora"),
        ("rocky", "rocky"),
        ("alma", "almalinux"),
        ("amazon", "ec2-user"),
    ]
    .iter()
    .find(|(word, _)| image.contains(word))
    .map_or("root", |(_, user)| user)
}

/// Lunanode's `login_details` text, e.g. "username: ubuntu; password: …" → the user name.
pub fn lunanode_login_user(details: &str) -> Option<String> {
    details.split(';').find_map(|part| part.trim().strip_prefix("username:").map(|u| u.trim().to_owned()))
}

/// The SSH target of a VM from what its provider reports; `host` is empty when it reports no address.
pub fn ssh_target(vm: &Vm, vault_path: Option<String>) -> SshTarget {
    let address = vm.public_address().or(vm.addresses.first()).map(|a| a.ip.clone());
    let host_note = address.is_none().then(|| match vm.provider {
        ProviderKind::Cloudvm => "The Cloud VM API reports no addresses: type this VM's host and tick Remember, or set a host template on the account.".to_owned(),
        _ => "This VM has no address yet.".to_owned(),
    });
    let host = address.unwrap_or_default();
    let mut user = default_user(vm.image.as_deref().unwrap_or_default()).to_owned();
    let credentials = match vm.provider {
        ProviderKind::Enclaive => {
            user = "root".into(); // the Vault path is `…/user/root` (docs/providers/enclaive.md)
            vault_path.map_or(CredentialSource::Ask, |path| CredentialSource::Vault { path })
        }
        ProviderKind::Lunanode => {
            match vm.extra["info"]["login_details"].as_str().and_then(lunanode_login_user) {
                Some(login_user) => {
                    user = login_user;
                    CredentialSource::ProviderPassword
                }
                None => CredentialSource::Ask,
            }
        }
        ProviderKind::Hyperstack => vm.extra["keypair"]["name"]
            .as_str()
            .map_or(CredentialSource::Ask, |name| CredentialSource::KeyPair { name: name.to_owned() }),
        ProviderKind::Cloudvm => {
            vault_path.map_or(CredentialSource::Ask, |path| CredentialSource::Vault { path })
        }
        ProviderKind::Local => {
            if let Some(local_user) = vm.extra["user"].as_str() {
                user = local_user.to_owned();
            }
            vm.extra["key_name"]
                .as_str()
                .filter(|k| !k.is_empty())
                .map_or(CredentialSource::Ask, |name| CredentialSource::StoredKey { name: name.to_owned() })
        }
    };
    let port_note = vm.ssh_port.is_none().then(|| {
        format!(
            "{} randomised this VM's public ports and does not report the SSH port: type the one its dashboard shows.",
            vm.provider.display_name()
        )
    });
    SshTarget {
        host,
        port: vm.ssh_port.unwrap_or(22),
        user,
        credentials,
        port_note,
        host_note,
        remembered: false,
    }
}

/// The SSH target of an account's VM: what the provider reports, the account's host template where it
/// reports no address, and over both the host, port and user the user saved for this VM.
pub fn for_account(account: &Account, vm: &Vm, saved: Option<SavedSshTarget>) -> SshTarget {
    let mut target = ssh_target(vm, vault_path(account, vm));
    if target.host.is_empty() {
        if let Some(host) = templated_host(account, vm) {
            target.host = host;
            target.host_note =
                Some("From the account's host template: check it if the VM does not answer.".into());
        }
    }
    if let Some(saved) = saved {
        target.host = saved.host;
        target.port = saved.port;
        target.user = saved.user;
        target.port_note = None;
        target.host_note = None;
        target.remembered = true;
    }
    target
}

/// Whether a login VMDeck fetched for this VM (from Vault, or the provider's password) may go to `host`:
/// one of the VM's addresses, its host from the account's template, or the host the user saved for it.
/// The page names the host; this keeps a page that was tricked from sending the login anywhere else.
pub fn login_host_allowed(
    account: &Account,
    vm: &Vm,
    saved: Option<&SavedSshTarget>,
    host: &str,
) -> crate::error::Result<()> {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    let known = vm.addresses.iter().any(|a| a.ip == host)
        || templated_host(account, vm).is_some_and(|h| h.eq_ignore_ascii_case(host))
        || saved.is_some_and(|s| s.host.eq_ignore_ascii_case(host));
    if known {
        return Ok(());
    }
    Err(crate::AppError::new(
        crate::ErrorCode::PermissionDenied,
        format!(
            "VMDeck sends a login it fetched for {} only to that VM's hosts, and {host} is not one. Tick \u{201c}Remember host, port and user\u{201d} if it is this VM's host.",
            vm.name
        ),
    )
    .with_detail("host", host.to_owned()))
}

/// The account's Vault path template filled in for this VM, when it has one that fills.
pub fn vault_path(account: &Account, vm: &Vm) -> Option<String> {
    let template = account.draft.vault_path_template.as_deref().filter(|t| !t.trim().is_empty())?;
    let (team_id, project_id) = match &account.draft.settings {
        AccountSettings::Enclaive { team_id, project_id, .. } => {
            (Some(team_id.clone()), Some(project_id.clone()))
        }
        _ => (None, None),
    };
    let vars = crate::vault::PathVars {
        team_id,
        project_id,
        vm_id: Some(vm.id.clone()),
        vm_name: Some(vm.name.clone()),
        account_id: Some(account.id.clone()),
    };
    crate::vault::resolve_template(template, &vars).ok()
}

/// A Cloud VM account's host template (`{name}.lab.example`) filled in with the VM's name or id.
fn templated_host(account: &Account, vm: &Vm) -> Option<String> {
    let AccountSettings::Cloudvm { ssh_host_template: Some(template), .. } = &account.draft.settings else {
        return None;
    };
    let host = fill_host_template(template, &vm.name, &vm.id).ok()?;
    (!host.is_empty()).then_some(host)
}

/// `{name}` and `{id}` in a host template; the result must be a host name.
pub fn fill_host_template(template: &str, name: &str, id: &str) -> crate::error::Result<String> {
    let host = template.trim().replace("{name}", name).replace("{id}", id);
    if host.is_empty() || !host.chars().all(saved::host_char) {
        return Err(crate::AppError::invalid_input(
            "ssh_host_template",
            "A host template gives a host name: letters, digits, . and -, with {name} or {id}.",
        ));
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_users_follow_the_image_name() {
        assert_eq!(default_user("Ubuntu Server 22.04 LTS R535 CUDA 12.2"), "ubuntu");
        assert_eq!(default_user("Debian/debian-12/12-gen2/latest"), "debian");
        assert_eq!(default_user("Rocky Linux 9"), "rocky");
        assert_eq!(default_user("windows"), "root");
    }

    fn cloudvm_account(template: Option<&str>) -> Account {
        Account {
            id: "acct-lab".into(),
            draft: crate::accounts::AccountDraft {
                label: "lab".into(),
                color: "#2f6fde".into(),
                settings: AccountSettings::Cloudvm {
                    base_url: "http://localhost:8080".into(),
                    access_key: "AK".into(),
                    environment: "aws-test1".into(),
                    machine_types: vec![],
                    ssh_host_template: template.map(str::to_owned),
                },
                vault_path_template: Some("secret/data/lab/{vmName}".into()),
                proxy: None,
                ca_certificate_pem: None,
            },
            journal: Default::default(),
        }
    }

    /// A VM as the Cloud VM API lists it: id, name and status, no address (docs/providers/cloudvm.md).
    fn listed_vm() -> Vm {
        serde_json::from_value(serde_json::json!({
            "id": "i-0abc", "name": "web-1", "provider": "cloudvm", "state": "running", "raw_state": "running",
            "addresses": [], "region": null, "image": null, "flavor": null, "created": null, "labels": [],
            "security_rules": [], "ssh_port": 22, "extra": {"id": "i-0abc", "name": "web-1", "status": "running"}
        }))
        .unwrap()
    }

    #[test]
    fn a_vm_without_an_address_gets_the_host_template_or_says_what_to_do() {
        let vm = listed_vm();
        let bare = for_account(&cloudvm_account(None), &vm, None);
        assert_eq!(bare.host, "");
        assert!(bare.host_note.as_deref().unwrap().contains("host template"), "{bare:?}");
        assert_eq!(bare.credentials, CredentialSource::Vault { path: "secret/data/lab/web-1".into() });

        let templated = for_account(&cloudvm_account(Some("{name}.lab.example")), &vm, None);
        assert_eq!(templated.host, "web-1.lab.example");
        assert!(!templated.remembered);
        let by_id = for_account(&cloudvm_account(Some("{id}.internal")), &vm, None);
        assert_eq!(by_id.host, "i-0abc.internal");
    }

    #[test]
    fn a_saved_host_port_and_user_win_over_what_the_provider_and_template_say() {
        let saved = SavedSshTarget { host: "10.1.2.3".into(), port: 2222, user: "admin".into() };
        let target = for_account(&cloudvm_account(Some("{name}.lab.example")), &listed_vm(), Some(saved));
        assert_eq!((target.host.as_str(), target.port, target.user.as_str()), ("10.1.2.3", 2222, "admin"));
        assert!(target.remembered && target.host_note.is_none() && target.port_note.is_none());
    }

    #[test]
    fn a_fetched_login_goes_only_to_the_vms_own_hosts() {
        let account = cloudvm_account(Some("{name}.lab.example"));
        let mut vm = listed_vm();
        vm.addresses = vec![crate::model::Address::new("203.0.113.9", true)];
        let saved = SavedSshTarget { host: "10.1.2.3".into(), port: 22, user: "u".into() };
        for ok in ["203.0.113.9", "web-1.lab.example", "WEB-1.lab.example"] {
            assert!(login_host_allowed(&account, &vm, None, ok).is_ok(), "{ok}");
        }
        assert!(login_host_allowed(&account, &vm, Some(&saved), "10.1.2.3").is_ok());
        let err = login_host_allowed(&account, &vm, Some(&saved), "198.51.100.66").unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::PermissionDenied);
        assert!(login_host_allowed(&account, &vm, None, "10.1.2.3").is_err(), "not saved, not the VM's");
    }

    #[test]
    fn host_templates_must_give_a_host_name() {
        assert_eq!(fill_host_template("{name}.lab.example", "web-1", "i-1").unwrap(), "web-1.lab.example");
        for bad in ["{name}/x", "http://{name}", "{name} lab", ""] {
            assert!(fill_host_template(bad, "web-1", "i-1").is_err(), "{bad}");
        }
    }

    #[test]
    fn lunanode_login_details_give_the_user() {
        assert_eq!(lunanode_login_user("username: ubuntu; password: ***").as_deref(), Some("ubuntu"));
        assert_eq!(lunanode_login_user("nothing here"), None);
    }
}
