//! Adding, changing and removing accounts so that the store and the keychain never disagree.

use super::model::{Account, AccountDraft, AccountSettings, EnclaiveSignIn, Journal};
use super::proxy_login;
use super::store::{AccountStore, SecretStore};
use crate::error::{AppError, ErrorCode, Result};
use crate::providers::cloudvm::CloudVm;
use crate::providers::enclaive::{Enclaive, EnclaiveAuth, EnclaiveScope};
use crate::providers::http::{Http, RetryPolicy, DEFAULT_TIMEOUT};
use crate::providers::hyperstack::Hyperstack;
use crate::providers::local::{Local, LocalEnv};
use crate::providers::lunanode::Lunanode;
use crate::providers::{message_of, Provider};
use crate::secret::Secret;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use ts_rs::TS;

/// What "Test connection" found.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConnectionReport {
    pub vm_count: u32,
    /// One line for the form, e.g. "Signed in to Hyperstack: 3 VMs".
    pub summary: String,
}

/// An account as the list shows it: whether its secret is in the keychain (None: the keychain could not
/// be asked).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AccountView {
    #[serde(flatten)]
    pub account: Account,
    pub has_secret: Option<bool>,
}

pub struct AccountService {
    pub(super) store: Arc<dyn AccountStore>,
    pub(super) secrets: Arc<dyn SecretStore>,
    /// Where local VMs live; None where this app has no local backend (tests of the clouds).
    local: Option<Arc<LocalEnv>>,
    /// One change at a time: a change reads, edits and writes the whole list.
    pub(super) changing: Mutex<()>,
    counter: AtomicU64,
}

impl AccountService {
    pub fn new(store: Arc<dyn AccountStore>, secrets: Arc<dyn SecretStore>) -> Self {
        Self { store, secrets, local: None, changing: Mutex::new(()), counter: AtomicU64::new(0) }
    }

    /// Enables "This computer" accounts, whose VMs live under `env`.
    pub fn with_local(mut self, env: Arc<LocalEnv>) -> Self {
        self.local = Some(env);
        self
    }

    /// What the user must be told about the stored settings (an unreadable file kept aside).
    pub fn notices(&self) -> Vec<String> {
        let _ = self.store.load(); // reads the file if nothing has yet; its problems are what is told
        self.store.notices()
    }

    /// Where local VMs live, when this app has them.
    pub fn local_env(&self) -> Option<Arc<LocalEnv>> {
        self.local.clone()
    }

    /// Adds the "This computer" account once (QEMU being installed, which the caller checks): a newcomer
    /// without a cloud account can start at once. A user who removes it does not get it back at the next
    /// start; adding it by hand still works. Returns it when it was added.
    pub fn ensure_local_account(&self) -> Result<Option<Account>> {
        let Some(env) = &self.local else { return Ok(None) };
        let offered = env.data_dir.join(".local-account-offered");
        if offered.exists() {
            return Ok(None);
        }
        let _guard = self.changing.lock().unwrap();
        let mut accounts = self.store.load()?;
        if accounts.iter().any(|a| matches!(a.draft.settings, AccountSettings::Local {})) {
            crate::fsutil::write_private(&offered, b"")?;
            return Ok(None);
        }
        let draft = AccountDraft {
            label: "This computer".into(),
            color: "#5b6b7f".into(),
            settings: AccountSettings::Local {},
            vault_path_template: None,
            proxy: None,
            ca_certificate_pem: None,
        };
        let account = Account { id: self.new_id(&accounts), draft, journal: Journal::Saved };
        accounts.push(account.clone());
        self.store.save(&accounts)?;
        crate::fsutil::create_private_dir(&env.data_dir)?;
        crate::fsutil::write_private(&offered, b"")?;
        Ok(Some(account))
    }

    pub(super) fn new_id(&self, taken: &[Account]) -> String {
        loop {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            let id = format!(
                "acct-{:x}{:02x}",
                nanos & 0xffff_ffff_ffff,
                self.counter.fetch_add(1, Ordering::SeqCst) & 0xff
            );
            if !taken.iter().any(|a| a.id == id) {
                return id;
            }
        }
    }

    /// Finishes what a crash interrupted: an `adding` account is undone (secret and all), a `removing`
    /// one is removed; proxy logins older versions kept in the file move to the keychain. Call once at
    /// start-up. Returns how many interrupted changes were fixed.
    pub fn recover(&self) -> Result<usize> {
        let _guard = self.changing.lock().unwrap();
        let accounts = self.store.load()?;
        let (pending, mut saved): (Vec<Account>, Vec<Account>) =
            accounts.into_iter().partition(|a| a.journal != Journal::Saved);
        for account in &pending {
            self.secrets.delete(&account.id)?;
            self.secrets.delete(&proxy_login::key(&account.id))?;
            tracing::warn!(account = %account.id, journal = ?account.journal, "finished an interrupted account change");
        }
        // On the same read at start: proxy logins older versions saved in the file go to the keychain.
        let moved = self.take_proxy_logins(&mut saved)?;
        if moved > 0 {
            tracing::info!(moved, "proxy logins moved to the keychain");
        }
        if !pending.is_empty() || moved > 0 {
            self.store.save(&saved)?;
        }
        Ok(pending.len())
    }

    /// The ids of the saved accounts, from the settings file alone (no keychain call).
    pub fn saved_ids(&self) -> Result<Vec<String>> {
        Ok(self.store.load()?.into_iter().filter(|a| a.journal == Journal::Saved).map(|a| a.id).collect())
    }

    pub fn list(&self) -> Result<Vec<AccountView>> {
        let accounts = self.store.load()?;
        Ok(accounts
            .into_iter()
            .filter(|a| a.journal == Journal::Saved)
            .map(|account| {
                let has_secret = if account.draft.settings.needs_secret() {
                    self.secrets.get(&account.id).ok().map(|s| s.is_some())
                } else {
                    Some(true)
                };
                AccountView { account, has_secret }
            })
            .collect())
    }

    pub fn get(&self, id: &str) -> Result<Account> {
        self.store
            .load()?
            .into_iter()
            .find(|a| a.id == id && a.journal == Journal::Saved)
            .ok_or_else(|| not_found(id))
    }

    /// Saves settings and secret, or neither: the account is journalled as `adding` first, the secret
    /// written next, and the journal cleared last.
    pub fn add(&self, draft: AccountDraft, secret: Secret) -> Result<Account> {
        draft.validate()?;
        if secret.is_empty() && draft.settings.needs_secret() {
            return Err(AppError::invalid_input(
                "secret",
                format!("The {} is required.", draft.settings.secret_label()),
            ));
        }
        let (draft, proxy) = proxy_login::take(draft);
        let _guard = self.changing.lock().unwrap();
        let mut accounts = self.store.load()?;
        let account = Account { id: self.new_id(&accounts), draft, journal: Journal::Adding };
        accounts.push(account.clone());
        self.store.save(&accounts)?;
        let stored = self.secrets.set(&account.id, &secret).and_then(|()| match &proxy {
            Some(login) => self.secrets.set(&proxy_login::key(&account.id), login),
            None => Ok(()),
        });
        if let Err(err) = stored {
            let _ = self.secrets.delete(&account.id);
            let _ = self.secrets.delete(&proxy_login::key(&account.id));
            accounts.retain(|a| a.id != account.id);
            self.store.save(&accounts)?;
            return Err(err);
        }
        accounts.last_mut().expect("pushed above").journal = Journal::Saved;
        self.store.save(&accounts)?;
        Ok(Account { journal: Journal::Saved, ..account })
    }

    /// Changes settings (and the secret, when one is given).
    pub fn update(&self, id: &str, draft: AccountDraft, secret: Option<Secret>) -> Result<Account> {
        draft.validate()?;
        let _guard = self.changing.lock().unwrap();
        let mut accounts = self.store.load()?;
        let index = accounts
            .iter()
            .position(|a| a.id == id && a.journal == Journal::Saved)
            .ok_or_else(|| not_found(id))?;
        let (draft, proxy) = proxy_login::take(draft);
        match secret.filter(|s| !s.is_empty()) {
            Some(secret) => self.secrets.set(id, &secret)?,
            None => self.check_scope(&accounts[index].draft, &draft)?,
        }
        // A typed proxy login replaces the saved one; another proxy (or none) drops it.
        match proxy {
            Some(login) => self.secrets.set(&proxy_login::key(id), &login)?,
            None if proxy_login::bare(&accounts[index].draft) != proxy_login::bare(&draft) => {
                self.secrets.delete(&proxy_login::key(id))?
            }
            None => {}
        }
        accounts[index].draft = draft;
        self.store.save(&accounts)?;
        Ok(accounts[index].clone())
    }

    pub fn rename(&self, id: &str, label: &str) -> Result<Account> {
        let mut draft = self.get(id)?.draft;
        draft.label = label.to_owned();
        self.update(id, draft, None)
    }

    /// Removes the account and its keychain entry: journalled as `removing` first, so a crash in between
    /// is finished by `recover`.
    pub fn remove(&self, id: &str) -> Result<()> {
        let _guard = self.changing.lock().unwrap();
        let mut accounts = self.store.load()?;
        let index = accounts
            .iter()
            .position(|a| a.id == id && a.journal == Journal::Saved)
            .ok_or_else(|| not_found(id))?;
        accounts[index].journal = Journal::Removing;
        self.store.save(&accounts)?;
        self.secrets.delete(id)?;
        self.secrets.delete(&proxy_login::key(id))?;
        accounts.remove(index);
        self.store.save(&accounts)
    }

    /// A copy with its own keychain entry holding the same secret.
    pub fn duplicate(&self, id: &str) -> Result<Account> {
        let original = self.get(id)?;
        let secret = self.secrets.get(id)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                "This account has no secret in the keychain to copy; enter it first.",
            )
        })?;
        let mut draft = self.with_proxy_login(id, &original.draft, &original.draft)?;
        draft.label = format!("{} (copy)", draft.label).chars().take(60).collect();
        self.add(draft, secret)
    }

    /// The saved secret, for use with `draft` as the form now has it: refused when the form changed where the
    /// secret would go (address, proxy, CA, sign-in method), so it reaches only a place the user confirmed.
    pub fn secret_for(&self, id: &str, draft: &AccountDraft) -> Result<Secret> {
        self.check_scope(&self.get(id)?.draft, draft)?;
        self.secret(id)
    }

    fn check_scope(&self, saved: &AccountDraft, draft: &AccountDraft) -> Result<()> {
        if saved.secret_scope() == draft.secret_scope() || !draft.settings.needs_secret() {
            return Ok(());
        }
        Err(AppError::invalid_input(
            "secret",
            format!(
                "You changed where this account connects (address, proxy, certificate or sign-in): enter the {} again, so it is sent only where you confirm.",
                draft.settings.secret_label()
            ),
        ))
    }

    pub fn secret(&self, id: &str) -> Result<Secret> {
        self.secrets.get(id)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::AuthFailed,
                "This account has no secret in the keychain; edit it and enter the secret.",
            )
            .with_detail("account_id", id)
        })
    }

    /// The provider client of a saved account, with its secret from the keychain.
    pub fn provider(&self, id: &str) -> Result<Arc<dyn Provider>> {
        let account = self.get(id)?;
        if !account.draft.settings.needs_secret() {
            return match &self.local {
                Some(env) => Ok(Arc::new(Local::new(env.clone()))),
                None => {
                    Err(AppError::new(ErrorCode::Unsupported, "Local VMs are not available in this build."))
                }
            };
        }
        build_provider(&self.with_proxy_login(id, &account.draft, &account.draft)?, self.secret(id)?)
    }
}

fn not_found(id: &str) -> AppError {
    AppError::new(ErrorCode::NotFound, "This account does not exist (any more).")
        .with_detail("account_id", id)
}

/// The HTTP client of an account: its kind's error wording, its own proxy and CA.
fn account_http(draft: &AccountDraft) -> Result<Http> {
    let kind = draft.settings.kind();
    Http::with_options(
        kind,
        message_of(kind),
        DEFAULT_TIMEOUT,
        RetryPolicy::default(),
        draft.proxy.as_deref(),
        draft.ca_certificate_pem.as_deref(),
    )
}

fn enclaive_auth(sign_in: EnclaiveSignIn, email: &str, secret: Secret) -> EnclaiveAuth {
    match sign_in {
        EnclaiveSignIn::Password => EnclaiveAuth::Login { email: email.to_owned(), password: secret },
        EnclaiveSignIn::Token => EnclaiveAuth::Token(secret),
    }
}

/// A provider client for settings and a secret, saved or not.
pub fn build_provider(draft: &AccountDraft, secret: Secret) -> Result<Arc<dyn Provider>> {
    let http = account_http(draft)?;
    Ok(match &draft.settings {
        AccountSettings::Enclaive { base_url, sign_in, email, team_id, project_id, vault_address } => {
            let scope = EnclaiveScope { team_id: team_id.clone(), project_id: project_id.clone() };
            let auth = enclaive_auth(*sign_in, email, secret);
            Arc::new(Enclaive::with_http(base_url, scope, auth, http).with_vault(vault_address.clone()))
        }
        AccountSettings::Hyperstack { base_url, .. } => {
            Arc::new(Hyperstack::with_http(base_url, secret, http))
        }
        AccountSettings::Lunanode { base_url, api_id, .. } => {
            Lunanode::validate(api_id, secret.expose())?;
            Arc::new(Lunanode::with_http(base_url, api_id, secret, http))
        }
        AccountSettings::Cloudvm { base_url, access_key, environment, machine_types, .. } => Arc::new(
            CloudVm::with_http(base_url, environment, machine_types.clone(), access_key, &secret, http),
        ),
        AccountSettings::Local {} => {
            return Err(AppError::new(ErrorCode::Internal, "A local account's provider needs its folders."))
        }
    })
}

/// A project of an enclaive team, for the account form's picker.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ProjectChoice {
    pub id: String,
    pub name: String,
}

/// The projects of the team an enclaive draft names, signed in with the typed secret.
pub async fn enclaive_projects(draft: &AccountDraft, secret: Secret) -> Result<Vec<ProjectChoice>> {
    let AccountSettings::Enclaive { base_url, sign_in, email, team_id, .. } = &draft.settings else {
        return Err(AppError::invalid_input("kind", "Only enclaive accounts have projects."));
    };
    if team_id.trim().is_empty() {
        return Err(AppError::invalid_input("team_id", "Enter the team ID first."));
    }
    let scope = EnclaiveScope { team_id: team_id.clone(), project_id: String::new() };
    let auth = enclaive_auth(*sign_in, email, secret);
    let projects = Enclaive::with_http(base_url, scope, auth, account_http(draft)?).projects().await?;
    Ok(projects.into_iter().map(|(id, name)| ProjectChoice { id, name }).collect())
}

/// "Test connection": an authenticated read with the settings and secret as typed, before saving.
pub async fn test_connection(draft: &AccountDraft, secret: Secret) -> Result<ConnectionReport> {
    draft.validate()?;
    let provider = build_provider(draft, secret)?;
    let vms = provider.list_vms().await?;
    let count = vms.len() as u32;
    let noun = if count == 1 { "VM" } else { "VMs" };
    Ok(ConnectionReport {
        vm_count: count,
        summary: format!("Signed in to {}: {count} {noun}", provider.kind().display_name()),
    })
}
