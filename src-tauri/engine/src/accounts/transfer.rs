//! Accounts moved between computers: an export holds the settings of every account and never a secret;
//! an import is shown first (what it adds, and which fields decide where a secret would go: proxy, CA,
//! plain http, Vault path) and added only when the user confirms it.

use super::model::{Account, AccountDraft, AccountSettings, Journal};
use super::service::AccountService;
use crate::error::{AppError, Result};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The export file: settings only, never a secret.
#[derive(Debug, Serialize, Deserialize)]
struct ExportFile {
    vmdeck_accounts: u32,
    accounts: Vec<AccountDraft>,
}

/// One account an import would add, as the preview shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ImportItem {
    pub label: String,
    pub kind: crate::model::ProviderKind,
    pub address: String,
    /// What to look at before trusting it: a proxy, its own CA, plain http, a Vault path, a near copy.
    pub flags: Vec<String>,
}

fn read(json: &str) -> Result<Vec<AccountDraft>> {
    let file: ExportFile = serde_json::from_str(json).map_err(|err| {
        AppError::invalid_input("import", format!("This is not a VMDeck accounts export: {err}."))
    })?;
    for draft in &file.accounts {
        draft.validate().map_err(|err| {
            AppError::invalid_input("import", format!("\u{201c}{}\u{201d}: {}", draft.label, err.message))
        })?;
    }
    Ok(file.accounts)
}

fn flags_of(draft: &AccountDraft, existing: &[Account]) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(proxy) = draft.proxy.as_deref().filter(|p| !p.trim().is_empty()) {
        let (bare, login) = super::proxy_login::split(proxy);
        flags.push(format!("Its requests go through the proxy {bare}"));
        if login.is_some() {
            flags.push("The proxy's user and password are not imported: enter them on the account".into());
        }
    }
    if draft.ca_certificate_pem.as_deref().is_some_and(|p| !p.trim().is_empty()) {
        flags.push("It trusts a certificate authority of its own for its server".into());
    }
    if draft.settings.base_url().trim().starts_with("http://") {
        flags.push("Plain http (to this computer only)".into());
    }
    if let Some(template) = draft.vault_path_template.as_deref().filter(|t| !t.trim().is_empty()) {
        flags.push(format!("Reads VM logins from Vault at {template}"));
    }
    if let AccountSettings::Enclaive { vault_address: Some(vault), .. } = &draft.settings {
        flags.push(format!("Sends enclaive's Vault token to {vault}"));
    }
    if let AccountSettings::Cloudvm { ssh_host_template: Some(template), .. } = &draft.settings {
        flags.push(format!("SSH hosts from the template {template}"));
    }
    let same = |a: &Account| {
        a.draft.settings.kind() == draft.settings.kind()
            && a.draft.settings.base_url().trim_end_matches('/')
                == draft.settings.base_url().trim_end_matches('/')
    };
    if let Some(twin) = existing.iter().find(|a| same(a)) {
        flags.push(format!("You have an account at this address already ({})", twin.draft.label));
    }
    flags
}

impl AccountService {
    /// Every saved account as JSON, without secrets.
    pub fn export(&self) -> Result<String> {
        let accounts = self.list()?.into_iter().map(|v| v.account.draft).collect();
        serde_json::to_string_pretty(&ExportFile { vmdeck_accounts: 1, accounts })
            .map_err(|err| AppError::internal(format!("Could not write the export: {err}")))
    }

    /// What `import` would add, each with what deserves a look; nothing is saved.
    pub fn import_preview(&self, json: &str) -> Result<Vec<ImportItem>> {
        let existing = self.store.load()?;
        Ok(read(json)?
            .iter()
            .map(|draft| ImportItem {
                label: draft.label.clone(),
                kind: draft.settings.kind(),
                address: crate::error::without_userinfo(draft.settings.base_url()),
                flags: flags_of(draft, &existing),
            })
            .collect())
    }

    /// Adds the accounts of an export; their secrets are entered afterwards (they show as missing).
    pub fn import(&self, json: &str) -> Result<Vec<Account>> {
        let drafts = read(json)?;
        let _guard = self.changing.lock().unwrap();
        let mut accounts = self.store.load()?;
        let mut added = Vec::new();
        for draft in drafts {
            // An export never carries a proxy login; one typed into the file is not taken in as a secret.
            let (draft, _) = super::proxy_login::take(draft);
            let account = Account { id: self.new_id(&accounts), draft, journal: Journal::Saved };
            accounts.push(account.clone());
            added.push(account);
        }
        self.store.save(&accounts)?;
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{JsonFileStore, MemorySecrets};
    use std::sync::Arc;

    fn service(dir: &std::path::Path) -> AccountService {
        AccountService::new(
            Arc::new(JsonFileStore::new(dir.join("accounts.json"))),
            Arc::new(MemorySecrets::default()),
        )
    }

    const EXPORT: &str = r##"{"vmdeck_accounts": 1, "accounts": [
        {"label": "Lab", "color": "#2f6fde", "settings": {"kind": "hyperstack", "base_url": "https://infrahub-api.nexgencloud.com/v1", "default_environment": null},
         "vault_path_template": "secret/data/{vmName}", "proxy": "http://bob:pw@proxy.lan:3128", "ca_certificate_pem": null},
        {"label": "Local server", "color": "#22884a", "settings": {"kind": "cloudvm", "base_url": "http://127.0.0.1:8080", "access_key": "AK", "environment": "aws-test1", "machine_types": []},
         "vault_path_template": null, "proxy": null, "ca_certificate_pem": null}
    ]}"##;

    #[test]
    fn the_preview_names_what_decides_where_secrets_go_and_saves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = service(dir.path());
        let preview = accounts.import_preview(EXPORT).unwrap();
        assert_eq!(preview.len(), 2);
        assert!(
            preview[0].flags.iter().any(|f| f == "Its requests go through the proxy http://proxy.lan:3128"),
            "{:?}",
            preview[0].flags
        );
        assert!(preview[0].flags.iter().any(|f| f.contains("secret/data/{vmName}")));
        assert!(!format!("{preview:?}").contains("bob:pw"), "no proxy password in the preview");
        assert!(preview[1].flags.iter().any(|f| f.starts_with("Plain http")));
        assert!(accounts.list().unwrap().is_empty(), "a preview adds nothing");
        accounts.import(EXPORT).unwrap();
        let again = accounts.import_preview(EXPORT).unwrap();
        assert!(again[0].flags.iter().any(|f| f.contains("already (Lab)")), "{:?}", again[0].flags);
    }

    #[test]
    fn a_bad_colour_or_template_refuses_the_whole_import_naming_the_account() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = service(dir.path());
        for (bad, field) in [
            (EXPORT.replace("\"#2f6fde\"", "\"red; background:url(x)\""), "colour"),
            (EXPORT.replace("secret/data/{vmName}", "secret/data/{vmName"), "placeholder"),
            (EXPORT.replace("secret/data/{vmName}", "secret/data/{password}"), "placeholder"),
        ] {
            let err = accounts.import_preview(&bad).unwrap_err();
            assert!(err.message.contains("\u{201c}Lab\u{201d}"), "{field}: {}", err.message);
            assert!(accounts.import(&bad).is_err());
        }
        assert!(accounts.list().unwrap().is_empty());
    }
}
