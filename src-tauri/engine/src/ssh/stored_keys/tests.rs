use super::*;
use crate::accounts::{MemorySecrets, MemorySettings};

const KEY: &str =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

fn keys() -> (StoredKeys, Arc<MemorySettings>, Arc<MemorySecrets>) {
    let settings = Arc::new(MemorySettings::default());
    let secrets = Arc::new(MemorySecrets::default());
    (StoredKeys::new(settings.clone(), secrets.clone()), settings, secrets)
}

#[test]
fn a_key_is_listed_by_name_and_its_text_lives_only_in_the_keychain() {
    let (keys, settings, secrets) = keys();
    let listed = keys.save("laptop", Secret::new(KEY)).unwrap();
    assert_eq!(listed, vec![StoredKey { name: "laptop".into(), kind: "OPENSSH PRIVATE KEY".into() }]);
    assert_eq!(keys.private_key("laptop").unwrap().expose(), KEY);
    assert_eq!(secrets.ids(), vec!["laptop"]);
    let stored = settings.get("ssh_keys").unwrap().unwrap().to_string();
    assert!(!stored.contains("b3BlbnNzaC1rZXkt"), "no key material in the settings: {stored}");
    assert!(keys.remove("laptop").unwrap().is_empty());
    assert!(secrets.ids().is_empty());
    assert_eq!(keys.private_key("laptop").unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn text_that_is_no_private_key_is_refused_before_anything_is_saved() {
    let (keys, _, secrets) = keys();
    let err = keys.save("pub", Secret::new("ssh-ed25519 AAAAC3Nza vmdeck@host")).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(secrets.ids().is_empty());
}

#[test]
fn a_failed_list_write_leaves_no_orphaned_secret_and_a_locked_keychain_saves_nothing() {
    let (keys, settings, secrets) = keys();
    settings.fail_writes(true);
    assert!(keys.save("laptop", Secret::new(KEY)).is_err());
    assert!(secrets.ids().is_empty(), "the keychain entry was taken back");
    settings.fail_writes(false);
    secrets.fail_with(Some(ErrorCode::KeychainLocked));
    assert_eq!(keys.save("laptop", Secret::new(KEY)).unwrap_err().code, ErrorCode::KeychainLocked);
    secrets.fail_with(None);
    assert!(keys.list().unwrap().is_empty(), "nothing listed without its secret");
}
