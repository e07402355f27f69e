//! Where and how to log in to a VM: the address, port, default user of its image, and where its
//! credentials live. No secret is held here; the SSH console fetches them when it connects.

use crate::model::{ProviderKind, Vm};
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

/// The SSH target of a VM, or None when it has no address yet.
pub fn ssh_target(vm: &Vm, vault_path: Option<String>) -> Option<SshTarget> {
    let host = vm.public_address().or(vm.addresses.first())?.ip.clone();
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
    Some(SshTarget { host, port: vm.ssh_port.unwrap_or(22), user, credentials, port_note })
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

    #[test]
    fn lunanode_login_details_give_the_user() {
        assert_eq!(lunanode_login_user("username: ubuntu; password: ***").as_deref(), Some("ubuntu"));
        assert_eq!(lunanode_login_user("nothing here"), None);
    }
}
