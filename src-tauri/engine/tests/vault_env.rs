//! The Vault CLI's environment conventions. Its own test binary, because it changes the environment.

use vmdeck_engine::vault::VaultConfig;

#[test]
fn vault_addr_and_the_token_file_are_read_as_the_cli_does() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join(".vault-token"), "hvs.from-file\n").unwrap();
    // The only test of this binary: nothing else reads the environment meanwhile.
    std::env::set_var("HOME", home.path());
    std::env::remove_var("VAULT_TOKEN");
    std::env::set_var("VAULT_ADDR", "https://vault.example:8200");
    std::env::set_var("VAULT_NAMESPACE", "team-a");
    let config = VaultConfig::from_env().unwrap();
    assert_eq!(
        (config.address.as_str(), config.namespace.as_deref()),
        ("https://vault.example:8200", Some("team-a"))
    );
    assert_eq!(VaultConfig::token_from_env().unwrap().expose(), "hvs.from-file");
    std::env::set_var("VAULT_TOKEN", "hvs.from-env");
    assert_eq!(VaultConfig::token_from_env().unwrap().expose(), "hvs.from-env");
}
