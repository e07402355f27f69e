//! The TypeScript bindings in `ui/src/lib/bindings.ts` are generated from these Rust types.
//!
//! `cargo test -p vmdeck-engine bindings` fails when the committed file is stale;
//! `UPDATE_BINDINGS=1 cargo test -p vmdeck-engine bindings` rewrites it.

use crate::fleet::AccountListing;
use crate::model::*;
use crate::{app_info::AppInfo, error::AppError, error::ErrorCode, keychain::KeychainStatus};
use std::path::PathBuf;
use ts_rs::{Config, TS};

const HEADER: &str = "// Generated from the Rust types of src-tauri/engine by `UPDATE_BINDINGS=1 cargo test -p vmdeck-engine bindings`.\n// Do not edit by hand.\n";

fn declarations(cfg: &Config) -> Vec<String> {
    vec![
        ErrorCode::decl(cfg),
        AppError::decl(cfg),
        KeychainStatus::decl(cfg),
        AppInfo::decl(cfg),
        crate::updates::UpdateOffer::decl(cfg),
        crate::updates::UpdateProgress::decl(cfg),
        ProviderKind::decl(cfg),
        VmState::decl(cfg),
        IpVersion::decl(cfg),
        Address::decl(cfg),
        Price::decl(cfg),
        Flavor::decl(cfg),
        Region::decl(cfg),
        Image::decl(cfg),
        KeyPair::decl(cfg),
        Direction::decl(cfg),
        SecurityRule::decl(cfg),
        SecurityGroup::decl(cfg),
        Catalog::decl(cfg),
        Vm::decl(cfg),
        ConsoleKind::decl(cfg),
        Capabilities::decl(cfg),
        PowerAction::decl(cfg),
        CreateRequest::decl(cfg),
        PreparedCall::decl(cfg),
        crate::create::FieldProblem::decl(cfg),
        crate::create::CreateCheck::decl(cfg),
        crate::templates::Template::decl(cfg),
        ConsoleTarget::decl(cfg),
        AccountListing::decl(cfg),
        crate::targets::CredentialSource::decl(cfg),
        crate::targets::SshTarget::decl(cfg),
        crate::accounts::ImportItem::decl(cfg),
        crate::targets::saved::SavedSshTarget::decl(cfg),
        crate::ssh::openssh_config::ManagedSshConfig::decl(cfg),
        crate::fleet::notices::NotificationSettings::decl(cfg),
        crate::audit::AuditEntry::decl(cfg),
        crate::providers::cloudvm::server_files::ServerEnvironment::decl(cfg),
        crate::accounts::EnclaiveSignIn::decl(cfg),
        crate::accounts::AccountSettings::decl(cfg),
        crate::accounts::Journal::decl(cfg),
        crate::accounts::AccountDraft::decl(cfg),
        crate::accounts::Account::decl(cfg),
        crate::accounts::AccountView::decl(cfg),
        crate::accounts::ConnectionReport::decl(cfg),
        crate::accounts::ProjectChoice::decl(cfg),
        crate::vault::VaultAuth::decl(cfg),
        crate::vault::KvVersion::decl(cfg),
        crate::vault::VaultConfig::decl(cfg),
        crate::vault::VaultStatus::decl(cfg),
        crate::vault::FieldMapping::decl(cfg),
        crate::vault::VaultOverview::decl(cfg),
        crate::ssh::HostKeyDecision::decl(cfg),
        crate::providers::local::qemu::QemuInstall::decl(cfg),
        crate::providers::local::images::CachedImage::decl(cfg),
        crate::ssh::SshCredential::decl(cfg),
        crate::ssh::SshClosed::decl(cfg),
        crate::ssh::SshOpened::decl(cfg),
        crate::ssh::stored_keys::StoredKey::decl(cfg),
        crate::vnc::VncCredential::decl(cfg),
        crate::vnc::VncOpened::decl(cfg),
    ]
}

fn render() -> String {
    let cfg = Config::new();
    let mut out = String::from(HEADER);
    for decl in declarations(&cfg) {
        out.push_str("\nexport ");
        out.push_str(&decl);
        out.push('\n');
    }
    out
}

fn bindings_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings.ts")
}

#[test]
fn bindings_are_fresh() {
    let expected = render();
    let path = bindings_path();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "{} is stale; regenerate it with `UPDATE_BINDINGS=1 cargo test -p vmdeck-engine bindings`",
        path.display()
    );
}
