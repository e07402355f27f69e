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
