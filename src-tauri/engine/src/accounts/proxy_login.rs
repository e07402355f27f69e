//! A proxy's user and password: typed inside the proxy URL (`http://user:pass@proxy:3128`), kept in the
//! keychain beside the account's secret (entry `<account id>#proxy`), never in the settings file. The
//! saved proxy URL carries no userinfo; the login is put back only when a request is sent.

use super::model::{Account, AccountDraft, Journal};
use super::service::AccountService;
use crate::error::Result;
use crate::secret::Secret;

/// The keychain entry of an account's proxy login.
pub fn key(account_id: &str) -> String {
    format!("{account_id}#proxy")
}

/// The proxy URL without its userinfo, and the userinfo (`user:password`, as written in the URL).
pub fn split(proxy: &str) -> (String, Option<Secret>) {
    let Ok(mut url) = reqwest::Url::parse(proxy.trim()) else { return (proxy.to_owned(), None) };
    if url.username().is_empty() && url.password().is_none() {
        return (proxy.trim().to_owned(), None);
    }
    let login = match url.password() {
        Some(password) => format!("{}:{password}", url.username()),
        None => url.username().to_owned(),
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    (url.as_str().trim_end_matches('/').to_owned(), Some(Secret::new(login)))
}

/// The proxy URL with `login` put back in.
pub fn join(proxy: &str, login: &Secret) -> String {
    let Ok(mut url) = reqwest::Url::parse(proxy.trim()) else { return proxy.to_owned() };
    let (user, password) = match login.expose().split_once(':') {
        Some((user, password)) => (user, Some(password)),
        None => (login.expose(), None),
    };
    let _ = url.set_username(user);
    let _ = url.set_password(password);
    url.as_str().trim_end_matches('/').to_owned()
}

/// The draft as it is saved, and the proxy login it carried (None when it had none).
pub fn take(mut draft: AccountDraft) -> (AccountDraft, Option<Secret>) {
    let Some(proxy) = draft.proxy.as_deref().filter(|p| !p.trim().is_empty()) else { return (draft, None) };
    let (bare, login) = split(proxy);
    draft.proxy = Some(bare);
    (draft, login)
}

/// The proxy of a draft without userinfo, for comparing where requests go.
pub fn bare(draft: &AccountDraft) -> Option<String> {
    draft.proxy.as_deref().filter(|p| !p.trim().is_empty()).map(|p| split(p).0)
}

impl AccountService {
    /// Moves proxy logins an older version saved inside the proxy URL to the keychain (`recover` does it
    /// at start). Keychain first, then the file: a crash in between leaves a login in both, never neither.
    pub fn move_proxy_logins(&self) -> Result<usize> {
        let _guard = self.changing.lock().unwrap();
        let mut accounts = self.store.load()?;
        let moved = self.take_proxy_logins(&mut accounts)?;
        if moved > 0 {
            self.store.save(&accounts)?;
        }
        Ok(moved)
    }

    /// Takes the logins out of the saved accounts' proxy URLs into the keychain; the caller saves.
    pub(super) fn take_proxy_logins(&self, accounts: &mut [Account]) -> Result<usize> {
        let mut moved = 0;
        for account in accounts.iter_mut().filter(|a| a.journal == Journal::Saved) {
            let (bare, login) = take(account.draft.clone());
            if let Some(login) = login {
                self.secrets.set(&key(&account.id), &login)?;
                account.draft = bare;
                moved += 1;
            }
        }
        Ok(moved)
    }

    /// `draft` with the saved proxy login put back when it goes through the same proxy and carries none
    /// of its own: what a request with the saved account's settings needs.
    pub fn draft_for_use(&self, id: &str, draft: &AccountDraft) -> Result<AccountDraft> {
        self.with_proxy_login(id, &self.get(id)?.draft, draft)
    }

    /// As `draft_for_use`, with the saved draft of account `id` already at hand.
    pub(super) fn with_proxy_login(
        &self,
        id: &str,
        saved: &AccountDraft,
        draft: &AccountDraft,
    ) -> Result<AccountDraft> {
        let mut draft = draft.clone();
        let Some(proxy) = draft.proxy.clone().filter(|p| !p.trim().is_empty()) else { return Ok(draft) };
        let (proxy_bare, typed) = split(&proxy);
        if typed.is_some() || bare(saved).as_deref() != Some(proxy_bare.as_str()) {
            return Ok(draft);
        }
        if let Some(login) = self.secrets.get(&key(id))? {
            draft.proxy = Some(join(&proxy, &login));
        }
        Ok(draft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_taken_out_of_the_url_and_put_back() {
        let (bare, login) = split("http://bob:s3cr%40t@proxy.lan:3128");
        assert_eq!(bare, "http://proxy.lan:3128");
        assert_eq!(login.as_ref().unwrap().expose(), "bob:s3cr%40t");
        assert_eq!(join(&bare, &login.unwrap()), "http://bob:s3cr%40t@proxy.lan:3128");
        assert_eq!(split("http://proxy.lan:3128").1.map(|s| s.expose().to_owned()), None);
        assert_eq!(split("http://token@proxy.lan:3128").1.unwrap().expose(), "token");
    }
}
