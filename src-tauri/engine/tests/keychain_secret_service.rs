//! Against a real Secret Service: gnome-keyring-daemon in the D-Bus session that `.ci/test` starts.
//! Ignored by a plain `cargo test` (a desktop session's keyring may prompt); `.ci/test` runs it with
//! `--include-ignored`.

use vmdeck_engine::keychain::Keychain;

#[test]
#[ignore = "needs an unlocked Secret Service; run by .ci/test inside dbus-run-session"]
fn probe_finds_the_running_secret_service() {
    let status = Keychain::new("dev.vmdeck.test").probe();
    assert_eq!(status.problem, None);
    assert!(status.available);
    assert_eq!(status.backend, "Secret Service (D-Bus)");
}

#[test]
#[ignore = "needs an unlocked Secret Service; run by .ci/test inside dbus-run-session"]
fn account_secrets_round_trip_through_the_real_keychain() {
    use vmdeck_engine::accounts::{KeychainSecrets, SecretStore};
    let secrets = KeychainSecrets::new(Keychain::new("dev.vmdeck.test"));
    let secret = vmdeck_engine::Secret::new("s3cr3t-value");
    secrets.set("acct-roundtrip", &secret).unwrap();
    assert_eq!(secrets.get("acct-roundtrip").unwrap().unwrap().expose(), "s3cr3t-value");
    // Seen from outside the app, as `secret-tool` shows what is stored.
    let lookup = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "dev.vmdeck.test", "username", "account:acct-roundtrip"])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by .ci/test");
    assert_eq!(String::from_utf8_lossy(&lookup.stdout).trim(), "s3cr3t-value");
    secrets.delete("acct-roundtrip").unwrap();
    assert!(secrets.get("acct-roundtrip").unwrap().is_none());
    secrets.delete("acct-roundtrip").unwrap();
}
