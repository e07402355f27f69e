//! With no D-Bus session to reach, the probe must say so with a coded error and advice, not panic,
//! and the kernel-keyring fallback must then hold secrets.
//! Its own test binary, because it changes the process environment.
#![cfg(target_os = "linux")]

use vmdeck_engine::{keychain::Keychain, ErrorCode};

#[test]
fn probe_reports_an_unreachable_secret_service_as_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let missing_bus = dir.path().join("no-bus-here");
    // SAFETY: the only test in this binary, so no other thread reads the environment meanwhile.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", format!("unix:path={}", missing_bus.display()));

    let status = Keychain::new("dev.vmdeck.test").probe();

    assert!(!status.available);
    let problem = status.problem.expect("a reason");
    assert_eq!(problem.code, ErrorCode::KeychainUnavailable, "{problem:?}");
    assert!(problem.message.contains("Secret Service"), "{}", problem.message);

    // The documented fallback: the kernel keyring, which needs no desktop session.
    let status = Keychain::new("dev.vmdeck.test").fall_back_if_unavailable();
    assert!(status.available, "{status:?}");
    assert_eq!(status.backend, "Linux kernel keyring (fallback)");
    assert!(status.note.unwrap().contains("until you log out"));
    use vmdeck_engine::accounts::{KeychainSecrets, SecretStore};
    let secrets = KeychainSecrets::new(Keychain::new("dev.vmdeck.test"));
    secrets.set("kernel-fallback", &vmdeck_engine::Secret::new("kept-in-kernel")).unwrap();
    assert_eq!(secrets.get("kernel-fallback").unwrap().unwrap().expose(), "kept-in-kernel");
    secrets.delete("kernel-fallback").unwrap();
    assert!(secrets.get("kernel-fallback").unwrap().is_none());
}
