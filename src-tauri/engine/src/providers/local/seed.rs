//! The cloud-init NoCloud seed of a local VM: a small FAT volume labelled `cidata` holding `meta-data`
//! and `user-data`, built in Rust (the `fatfs` crate) so no OS needs an extra tool. It carries the VM's
//! SSH host key, so it is written readable only by the user and deleted once the VM has booted.

use crate::error::{AppError, Result};
use crate::secret::Secret;
use ssh_key::{rand_core::OsRng, Algorithm, LineEnding, PrivateKey};
use std::io::{Seek, Write};
use std::path::Path;
use yaml_rust2::{yaml::Hash, Yaml, YamlEmitter, YamlLoader};

/// An ed25519 key pair in OpenSSH form: the private half as a secret, the public half as a
/// `ssh-ed25519 AAAA… comment` line.
pub struct GeneratedKey {
    pub private_openssh: Secret,
    pub public_openssh: String,
}

pub fn generate_key(comment: &str) -> Result<GeneratedKey> {
    let mut key = PrivateKey::random(&mut OsRng, Algorithm::Ed25519)
        .map_err(|err| AppError::internal(format!("Could not generate an SSH key: {err}")))?;
    key.set_comment(comment);
    let private = key
        .to_openssh(LineEnding::LF)
        .map_err(|err| AppError::internal(format!("Could not encode an SSH key: {err}")))?;
    let public = key
        .public_key()
        .to_openssh()
        .map_err(|err| AppError::internal(format!("Could not encode an SSH key: {err}")))?;
    Ok(GeneratedKey { private_openssh: Secret::new(private.to_string()), public_openssh: public })
}

/// The public half of an OpenSSH private key (a key the user keeps in the keychain).
pub fn public_of(private_openssh: &Secret) -> Result<String> {
    let key = PrivateKey::from_openssh(private_openssh.expose()).map_err(|err| {
        AppError::invalid_input(
            "key_pair",
            format!("This key is not an unencrypted OpenSSH private key, which local VMs need: {err}."),
        )
    })?;
    key.public_key().to_openssh().map_err(|err| AppError::internal(format!("SSH key: {err}")))
}

/// What cloud-init is told about a new VM.
pub struct SeedInput<'a> {
    pub instance_id: &'a str,
    pub hostname: &'a str,
    pub user: &'a str,
    pub authorized_key: &'a str,
    pub host_key: &'a GeneratedKey,
    /// The wizard's user data: a `#cloud-config` is merged with VMDeck's, anything else (a script) goes
    /// beside it as a second MIME part.
    pub user_data: Option<&'a str>,
}

fn s(text: &str) -> Yaml {
    Yaml::String(text.to_owned())
}

fn map(entries: Vec<(&str, Yaml)>) -> Yaml {
    Yaml::Hash(entries.into_iter().map(|(k, v)| (s(k), v)).collect::<Hash>())
}

/// VMDeck's own cloud-config: the login user with the key, the pre-generated host key and no other.
fn vmdeck_config(input: &SeedInput) -> Hash {
    let user = map(vec![
        ("name", s(input.user)),
        ("groups", Yaml::Array(vec![s("sudo")])),
        ("shell", s("/bin/bash")),
        ("sudo", s("ALL=(ALL) NOPASSWD:ALL")),
        ("lock_passwd", Yaml::Boolean(true)),
        ("ssh_authorized_keys", Yaml::Array(vec![s(input.authorized_key)])),
    ]);
    let Yaml::Hash(config) = map(vec![
        ("hostname", s(input.hostname)),
        ("users", Yaml::Array(vec![user])),
        ("ssh_pwauth", Yaml::Boolean(false)),
        // Replace the image's host keys with VMDeck's, and make no others: the first connect is verified.
        ("ssh_deletekeys", Yaml::Boolean(true)),
        ("ssh_genkeytypes", Yaml::Array(vec![])),
        (
            "ssh_keys",
            map(vec![
                ("ed25519_private", s(input.host_key.private_openssh.expose())),
                ("ed25519_public", s(&input.host_key.public_openssh)),
            ]),
        ),
        // Minimal images have no locales package; setting one would fail the module.
        ("locale", Yaml::Boolean(false)),
    ]) else {
        unreachable!("map builds a hash")
    };
    config
}

/// The `user-data` file: VMDeck's cloud-config, merged with or beside the wizard's.
pub fn user_data(input: &SeedInput) -> Result<String> {
    let mut ours = vmdeck_config(input);
    let theirs = input.user_data.map(str::trim).filter(|u| !u.is_empty());
    let script = match theirs {
        Some(text) if text.starts_with("#cloud-config") => {
            let docs = YamlLoader::load_from_str(text).map_err(|err| {
                AppError::invalid_input("user_data", format!("The cloud-config is not valid YAML: {err}."))
            })?;
            if let Some(Yaml::Hash(extra)) = docs.into_iter().next() {
                merge(&mut ours, extra);
            }
            None
        }
        other => other,
    };
    let mut yaml = String::new();
    YamlEmitter::new(&mut yaml)
        .dump(&Yaml::Hash(ours))
        .map_err(|err| AppError::internal(format!("cloud-config: {err}")))?;
    let config = format!("#cloud-config\n{}\n", yaml.trim_start_matches("---").trim_start());
    Ok(match script {
        None => config,
        Some(script) => multipart(&config, script),
    })
}

/// The user's keys win except for the host key settings; user lists are joined.
fn merge(ours: &mut Hash, theirs: Hash) {
    for (key, value) in theirs {
        let name = key.as_str().unwrap_or_default();
        match (name, ours.get_mut(&key), value) {
            ("ssh_keys" | "ssh_deletekeys" | "ssh_genkeytypes", _, _) => {}
            ("users", Some(Yaml::Array(list)), Yaml::Array(more)) => {
                list.extend(more.into_iter().filter(|u| u.as_str() != Some("default")))
            }
            (_, _, value) => {
                ours.insert(key, value);
            }
        }
    }
}

fn multipart(config: &str, script: &str) -> String {
    let boundary = format!("vmdeck-{}", super::qemu::rand_suffix());
    let kind = if script.starts_with("#!") { "text/x-shellscript" } else { "text/plain" };
    format!(
        "Content-Type: multipart/mixed; boundary=\"{boundary}\"\nMIME-Version: 1.0\n\n\
         --{boundary}\nContent-Type: text/cloud-config; charset=\"utf-8\"\n\n{config}\n\
         --{boundary}\nContent-Type: {kind}; charset=\"utf-8\"\n\n{script}\n--{boundary}--\n"
    )
}

pub fn meta_data(input: &SeedInput) -> String {
    format!("instance-id: {}\nlocal-hostname: {}\n", input.instance_id, input.hostname)
}

/// Writes the seed volume (FAT12, label `CIDATA`) to `path`, readable only by the user.
pub fn write_seed(path: &Path, files: &[(&str, &str)]) -> Result<()> {
    let err = |e: std::io::Error| AppError::internal(format!("Could not build the cloud-init seed: {e}"));
    let mut image = std::io::Cursor::new(vec![0u8; 2 * 1024 * 1024]);
    fatfs::format_volume(
        &mut image,
        fatfs::FormatVolumeOptions::new().volume_label(*b"CIDATA     ").fat_type(fatfs::FatType::Fat12),
    )
    .map_err(err)?;
    image.rewind().map_err(err)?;
    {
        let fs = fatfs::FileSystem::new(&mut image, fatfs::FsOptions::new()).map_err(err)?;
        let root = fs.root_dir();
        for (name, text) in files {
            let mut file = root.create_file(name).map_err(err)?;
            file.truncate().map_err(err)?;
            file.write_all(text.as_bytes()).map_err(err)?;
        }
    }
    crate::fsutil::write_private(path, image.get_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn input<'a>(host_key: &'a GeneratedKey, user_data: Option<&'a str>) -> SeedInput<'a> {
        SeedInput {
            instance_id: "vm-1",
            hostname: "web-1",
            user: "debian",
            authorized_key: "ssh-ed25519 AAAAC3Nza user@host",
            host_key,
            user_data,
        }
    }

    fn parsed(text: &str) -> Yaml {
        YamlLoader::load_from_str(text).unwrap().remove(0)
    }

    #[test]
    fn generated_keys_round_trip_in_openssh_form() {
        let key = generate_key("vmdeck").unwrap();
        assert!(key.private_openssh.expose().starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
        assert!(key.public_openssh.starts_with("ssh-ed25519 "));
        assert_eq!(public_of(&key.private_openssh).unwrap(), key.public_openssh);
        assert!(public_of(&Secret::new("-----BEGIN RSA PRIVATE KEY-----\nxx")).is_err());
    }

    #[test]
    fn user_data_carries_user_key_and_host_key() {
        let host = generate_key("host").unwrap();
        let text = user_data(&input(&host, None)).unwrap();
        assert!(text.starts_with("#cloud-config\n"));
        let doc = parsed(&text);
        assert_eq!(doc["users"][0]["name"].as_str(), Some("debian"));
        assert_eq!(
            doc["users"][0]["ssh_authorized_keys"][0].as_str(),
            Some("ssh-ed25519 AAAAC3Nza user@host")
        );
        assert_eq!(doc["ssh_keys"]["ed25519_private"].as_str(), Some(host.private_openssh.expose()));
        assert_eq!(doc["ssh_keys"]["ed25519_public"].as_str(), Some(host.public_openssh.as_str()));
        assert_eq!(doc["ssh_genkeytypes"].as_vec().map(Vec::len), Some(0));
    }

    #[test]
    fn the_wizards_cloud_config_merges_but_cannot_drop_the_host_key() {
        let host = generate_key("host").unwrap();
        let theirs = "#cloud-config\npackages: [htop]\nssh_keys: {}\nusers:\n  - default\n  - name: extra\n";
        let doc = parsed(&user_data(&input(&host, Some(theirs))).unwrap());
        assert_eq!(doc["packages"][0].as_str(), Some("htop"));
        assert_eq!(doc["users"][1]["name"].as_str(), Some("extra"));
        assert_eq!(doc["users"].as_vec().unwrap().len(), 2, "`default` is not added");
        assert!(doc["ssh_keys"]["ed25519_private"].as_str().is_some());
    }

    #[test]
    fn a_script_goes_beside_the_config() {
        let host = generate_key("host").unwrap();
        let text = user_data(&input(&host, Some("#!/bin/sh\necho hi > /tmp/x\n"))).unwrap();
        assert!(text.starts_with("Content-Type: multipart/mixed"));
        assert!(text.contains("text/x-shellscript") && text.contains("echo hi > /tmp/x"));
        assert!(text.contains("text/cloud-config") && text.contains("ssh_authorized_keys"));
    }

    #[test]
    fn the_seed_is_a_fat_volume_labelled_cidata_with_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seed.img");
        write_seed(&path, &[("meta-data", "instance-id: vm-1\n"), ("user-data", "#cloud-config\n")]).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let fs = fatfs::FileSystem::new(file, fatfs::FsOptions::new()).unwrap();
        assert_eq!(fs.volume_label(), "CIDATA");
        let mut text = String::new();
        fs.root_dir().open_file("meta-data").unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "instance-id: vm-1\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
