//! In-app SSH terminals: open (with the host key decision), input, resize, close.

use super::blocking;
use crate::state::AppState;
use std::time::Duration;
use tauri::{Manager, State};
use vmdeck_engine::audit::AuditEntry;
use vmdeck_engine::ssh::stored_keys::StoredKey;
use vmdeck_engine::ssh::{
    connect, HostKeyDecision, KnownHosts, ShellSocket, SshAuth, SshCredential, SshLogin, SshOpened,
};
use vmdeck_engine::{AppError, ErrorCode, Secret};

fn known_hosts(state: &AppState) -> KnownHosts {
    let mut known = KnownHosts::new(state.dirs.data_dir.join("known_hosts"));
    // The user's own trusted keys count too; VMDeck writes only its own file.
    known.also_read =
        std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".ssh/known_hosts"));
    known
}

/// Turns the dialog's choice into an SSH login method (reading Vault where asked) and, from Vault, a user.
async fn auth_of(state: &AppState, credential: SshCredential) -> Result<(SshAuth, Option<String>), AppError> {
    Ok(match credential {
        SshCredential::Password { password } => (SshAuth::Password(password), None),
        SshCredential::KeyFile { path, passphrase } => {
            (SshAuth::KeyFile { path: path.into(), passphrase }, None)
        }
        SshCredential::Agent => (SshAuth::Agent, None),
        SshCredential::StoredKey { name, passphrase } => {
            let keys = state.stored_keys.clone();
            let private_key = blocking(move || keys.private_key(&name)).await?;
            (SshAuth::KeyMemory { private_key, passphrase }, None)
        }
        SshCredential::ProviderPassword { account_id, vm_id } => {
            match super::provider(state, account_id).await?.login_password(&vm_id).await? {
                Some((user, password)) => (SshAuth::Password(password), Some(user)),
                None => {
                    return Err(AppError::new(
                        ErrorCode::NotFound,
                        "The provider reports no password for this VM.",
                    ))
                }
            }
        }
        SshCredential::Vault { path, account_id, .. } => {
            let mut entry = AuditEntry::new("vault_read").target(path.clone());
            if let Some(account) = &account_id {
                entry = entry.account(account);
            }
            let read = async { super::vault_for(state, account_id).await?.credentials_at(&path).await }.await;
            let creds = super::audited(state, entry, read)?;
            let auth = match (creds.private_key, creds.password) {
                (Some(private_key), _) => SshAuth::KeyMemory { private_key, passphrase: creds.passphrase },
                (None, Some(password)) => SshAuth::Password(password),
                (None, None) => {
                    return Err(AppError::new(
                        ErrorCode::NotFound,
                        format!("The secret at {path} holds no password or private key."),
                    )
                    .with_detail("fields", creds.fields))
                }
            };
            (auth, creds.username)
        }
    })
}

/// A login VMDeck fetches (Vault, the provider's password) goes only to a host of the VM it is for,
/// resolved here from (account, VM), not taken from the page.
async fn check_login_host(state: &AppState, credential: &SshCredential, host: &str) -> Result<(), AppError> {
    let (account_id, vm_id) = match credential {
        SshCredential::ProviderPassword { account_id, vm_id } => (account_id.clone(), vm_id.clone()),
        SshCredential::Vault { account_id: Some(account_id), vm_id: Some(vm_id), .. } => {
            (account_id.clone(), vm_id.clone())
        }
        SshCredential::Vault { .. } => {
            return Err(AppError::new(
                ErrorCode::PermissionDenied,
                "A login read from Vault goes only to the VM it is for: open SSH from that VM's row.",
            ))
        }
        _ => return Ok(()),
    };
    let provider = super::provider(state, account_id.clone()).await?;
    let vm = super::vm_as_seen(provider.as_ref(), &vm_id).await?;
    let id = account_id.clone();
    let account = super::on_accounts(state, move |accounts| accounts.get(&id)).await?;
    let saved_targets = state.ssh_targets.clone();
    let saved = blocking(move || saved_targets.get(&account_id, &vm_id)).await?;
    vmdeck_engine::targets::login_host_allowed(&account, &vm, saved.as_ref(), host)
}

#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn ssh_open(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    host: String,
    port: u16,
    user: String,
    credential: SshCredential,
    decision: HostKeyDecision,
    cols: u32,
    rows: u32,
) -> Result<SshOpened, AppError> {
    let mut entry = AuditEntry::new("ssh_open").target(format!("{host}:{port}"));
    // The VM a fetched login is for; a typed login names only its host.
    match &credential {
        SshCredential::Vault { account_id: Some(account), vm_id, .. } => {
            entry = entry.account(account);
            if let Some(vm) = vm_id {
                entry = entry.vm(vm);
            }
        }
        SshCredential::ProviderPassword { account_id, vm_id } => entry = entry.account(account_id).vm(vm_id),
        _ => {}
    }
    let opened = open_shell(app, &state, host, port, user, credential, decision, cols, rows).await;
    super::audited(&state, entry, opened)
}

#[allow(clippy::too_many_arguments)]
async fn open_shell(
    app: tauri::AppHandle,
    state: &AppState,
    host: String,
    port: u16,
    user: String,
    credential: SshCredential,
    decision: HostKeyDecision,
    cols: u32,
    rows: u32,
) -> Result<SshOpened, AppError> {
    check_login_host(state, &credential, &host).await?;
    let (auth, vault_user) = auth_of(state, credential).await?;
    let user = vault_user.filter(|u| !u.is_empty()).unwrap_or(user);
    let login = SshLogin { host, port, user: user.clone(), auth, timeout: Duration::from_secs(15) };
    let known = known_hosts(state);
    let session = blocking(move || connect(&login, &known, &decision)).await?;
    let id = state.next_ssh_id();
    // The terminal's bytes go over its own socket, not through the main thread (issue 17).
    let terminal = ShellSocket::start(session, cols.max(2), rows.max(2), move || {
        app.state::<AppState>().ssh_sessions.lock().unwrap().remove(&id);
    })
    .await?;
    let url = terminal.url().to_owned();
    state.ssh_sessions.lock().unwrap().insert(id, terminal);
    Ok(SshOpened { id, user, url })
}

fn with_session(state: &AppState, id: u64, work: impl FnOnce(&ShellSocket)) -> Result<(), AppError> {
    match state.ssh_sessions.lock().unwrap().get(&id) {
        Some(handle) => {
            work(handle);
            Ok(())
        }
        None => Err(AppError::new(ErrorCode::NotFound, "This terminal's connection has ended.")),
    }
}

#[tauri::command]
pub fn ssh_resize(state: State<'_, AppState>, id: u64, cols: u32, rows: u32) -> Result<(), AppError> {
    with_session(&state, id, |h| h.resize(cols.max(2), rows.max(2)))
}

#[tauri::command]
pub async fn ssh_close(state: State<'_, AppState>, id: u64) -> Result<(), AppError> {
    let handle = state.ssh_sessions.lock().unwrap().remove(&id);
    if let Some(handle) = handle {
        blocking(move || {
            handle.close();
            Ok(())
        })
        .await?;
    }
    Ok(())
}

/// Removes VMDeck's stored host key of a host (after a VM was rebuilt).
#[tauri::command]
pub async fn ssh_forget_host_key(
    state: State<'_, AppState>,
    host: String,
    port: u16,
) -> Result<u32, AppError> {
    let known = known_hosts(&state);
    blocking(move || known.forget(&host, port).map(|n| n as u32)).await
}

/// Where and as whom to log in to a VM: its address (or the account's host template), the image's usual
/// user, where its credentials are, and over those the host, port and user saved for this VM.
#[tauri::command]
pub async fn machine_ssh_target(
    state: State<'_, AppState>,
    account_id: String,
    vm: vmdeck_engine::model::Vm,
) -> Result<vmdeck_engine::targets::SshTarget, AppError> {
    // The user a provider's record names (the list held the record back).
    let vm = super::machines::with_raw_record(&state, &account_id, vm);
    let id = account_id.clone();
    let account = super::on_accounts(&state, move |accounts| accounts.get(&id)).await?;
    let saved_targets = state.ssh_targets.clone();
    let vm_id = vm.id.clone();
    let saved = blocking(move || saved_targets.get(&account_id, &vm_id)).await?;
    Ok(vmdeck_engine::targets::for_account(&account, &vm, saved))
}

/// "Remember for this VM": saves (or, with None, forgets) the host, port and user the dialog used.
#[tauri::command]
pub async fn machine_ssh_target_save(
    state: State<'_, AppState>,
    account_id: String,
    vm_id: String,
    target: Option<vmdeck_engine::targets::saved::SavedSshTarget>,
) -> Result<(), AppError> {
    let saved_targets = state.ssh_targets.clone();
    blocking(move || saved_targets.set(&account_id, &vm_id, target)).await
}

/// Waits until the VM's SSH server answers (a local VM still booting), so one click lands in a shell.
#[tauri::command]
pub async fn machine_ssh_ready(
    state: State<'_, AppState>,
    account_id: String,
    vm_id: String,
) -> Result<(), AppError> {
    super::provider(&state, account_id).await?.ssh_ready(&vm_id).await
}

/// Runs OpenSSH's `ssh` in the platform's terminal instead of an in-app tab.
#[tauri::command]
pub async fn ssh_open_system_terminal(host: String, port: u16, user: String) -> Result<(), AppError> {
    blocking(move || vmdeck_engine::ssh::system_terminal::open(&host, port, &user)).await
}

/// The SSH keys kept in the keychain, by name.
#[tauri::command]
pub async fn ssh_keys_list(state: State<'_, AppState>) -> Result<Vec<StoredKey>, AppError> {
    let keys = state.stored_keys.clone();
    blocking(move || keys.list()).await
}

#[tauri::command]
pub async fn ssh_key_save(
    state: State<'_, AppState>,
    name: String,
    private_key: Secret,
) -> Result<Vec<StoredKey>, AppError> {
    let keys = state.stored_keys.clone();
    blocking(move || keys.save(&name, private_key)).await
}

#[tauri::command]
pub async fn ssh_key_remove(state: State<'_, AppState>, name: String) -> Result<Vec<StoredKey>, AppError> {
    let keys = state.stored_keys.clone();
    blocking(move || keys.remove(&name)).await
}
