//! Against the keychain of the OS the test runs on: the macOS Keychain, the Windows Credential Manager, or
//! the Secret Service on Linux. The CI workflow runs it on each OS (`--include-ignored`); `.ci/test` runs it
//! inside its own D-Bus session and keyring. Ignored by a plain `cargo test`: a desktop keychain may prompt.

use vmdeck_engine::accounts::{KeychainSecrets, SecretStore};
use vmdeck_engine::keychain::Keychain;

#[test]
#[ignore = "uses the OS keychain; run by CI on each OS"]
fn the_platform_keychain_is_the_one_compiled_in_and_answers() {
    let expected = if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(windows) {
        "Windows Credential Manager"
    } else {
        "Secret Service (D-Bus)"
    };
    let status = Keychain::new("dev.vmdeck.test.native").probe();
    assert_eq!(status.backend, expected);
    assert!(status.available, "{:?}", status.problem);
}

#[test]
#[ignore = "uses the OS keychain; run by CI on each OS"]
fn a_secret_survives_a_new_handle_and_is_gone_after_delete() {
    let id = format!("native-{}", std::process::id());
    let secret = vmdeck_engine::Secret::new("native-s3cr3t ✓");
    KeychainSecrets::new(Keychain::new("dev.vmdeck.test.native")).set(&id, &secret).unwrap();
    // A second handle reads what the first wrote: it is in the OS store, not in this process.
    let again = KeychainSecrets::new(Keychain::new("dev.vmdeck.test.native"));
    assert_eq!(again.get(&id).unwrap().unwrap().expose(), "native-s3cr3t ✓");
    again.delete(&id).unwrap();
    assert!(again.get(&id).unwrap().is_none());
}
