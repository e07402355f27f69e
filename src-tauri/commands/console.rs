//! VNC consoles: a bridge per console for raw VNC endpoints (which logs in itself when VMDeck fetches the
//! password, so it never reaches the page), and provider console URLs in a window of their own that has
//! no access to the app's commands.

use crate::state::{AppState, VncConsole};
use tauri::{AppHandle, State, WebviewUrl, WebviewWindowBuilder};
use vmdeck_engine::audit::AuditEntry;
use vmdeck_engine::model::ConsoleTarget;
use vmdeck_engine::vnc::{VncBridge, VncCredential, VncOpened};
use vmdeck_engine::{AppError, ErrorCode};

/// Opens a console to `host:port`, which must be an address of the VM (or its provider's console endpoint):
/// the VM is read from its provider here, not taken from the page.
#[tauri::command]
pub async fn vnc_open(
    state: State<'_, AppState>,
    account_id: String,
    vm_id: String,
    host: String,
    port: u16,
    credential: VncCredential,
) -> Result<VncOpened, AppError> {
    let entry =
        AuditEntry::new("console_open").account(&account_id).vm(&vm_id).target(format!("{host}:{port}"));
    let opened = open_console(&state, account_id, vm_id, host, port, credential).await;
    super::audited(&state, entry, opened)
}

async fn open_console(
    state: &AppState,
    account_id: String,
    vm_id: String,
    host: String,
    port: u16,
    credential: VncCredential,
) -> Result<VncOpened, AppError> {
    let provider = super::provider(state, account_id.clone()).await?;
    let vm = super::vm_as_seen(provider.as_ref(), &vm_id).await?;
    let console = match provider.capabilities().console {
        vmdeck_engine::model::ConsoleKind::Vnc => provider.console(&vm_id).await.ok(),
        _ => None,
    };
    if !vmdeck_engine::vnc::target_allowed(&vm, console.as_ref(), &host) {
        return Err(AppError::new(
            ErrorCode::PermissionDenied,
            format!("VMDeck opens a console only to an address of {} ({host} is not one).", vm.name),
        )
        .with_detail("host", host));
    }
    // A password VMDeck fetches (Vault, or the one it set on a local VM) is used by the bridge, not sent
    // to the page; a typed one goes through noVNC as the user types it.
    let password = match &credential {
        VncCredential::Provider { account_id: of, vm_id: vm } if *of == account_id && *vm == vm_id => {
            provider.console_password(&vm_id).await?
        }
        VncCredential::Provider { .. } => {
            return Err(AppError::new(
                ErrorCode::PermissionDenied,
                "A console uses the password of its own VM only.",
            ))
        }
        VncCredential::Vault { path, account_id: of } => {
            let read = async { super::vault_for(state, of.clone()).await?.credentials_at(path).await }.await;
            let mut entry = AuditEntry::new("vault_read").target(path.clone());
            if let Some(of) = of {
                entry = entry.account(of);
            }
            let creds = super::audited(state, entry, read)?;
            Some(creds.vnc_password.ok_or_else(|| {
                AppError::new(ErrorCode::NotFound, format!("The secret at {path} holds no VNC password."))
                    .with_detail("fields", creds.fields)
            })?)
        }
        VncCredential::Prompt | VncCredential::None => None,
    };
    let bridge = VncBridge::start_with(&host, port, password).await?;
    let url = bridge.url();
    let id = state.next_console_id();
    state.vnc_consoles.lock().expect("vnc consoles").insert(id, VncConsole { bridge });
    Ok(VncOpened { id, url })
}

#[tauri::command]
pub async fn vnc_close(state: State<'_, AppState>, id: u64) -> Result<(), AppError> {
    let console = state.vnc_consoles.lock().expect("vnc consoles").remove(&id);
    if let Some(console) = console {
        console.bridge.close().await;
    }
    Ok(())
}

/// What the provider offers as a console for this VM.
#[tauri::command]
pub async fn machine_console(
    state: State<'_, AppState>,
    account_id: String,
    vm_id: String,
) -> Result<ConsoleTarget, AppError> {
    let target = async { super::provider(&state, account_id.clone()).await?.console(&vm_id).await }.await;
    super::audited(&state, AuditEntry::new("console_open").account(&account_id).vm(&vm_id), target)
}

/// Opens a provider's console page in its own window. Only the main window holds a capability, so this
/// window's page cannot call any command.
#[tauri::command]
pub async fn console_open_window(
    app: AppHandle,
    state: State<'_, AppState>,
    url: String,
    title: String,
) -> Result<(), AppError> {
    // The same rule as links opened in the browser: plain http(s) only.
    let checked = vmdeck_engine::opener::checked_link(&url)?;
    let parsed: tauri::Url = checked.parse().map_err(|_| AppError::invalid_input("url", "Not a link."))?;
    let label = format!("console-{}", state.next_console_id());
    WebviewWindowBuilder::new(&app, label, WebviewUrl::External(parsed))
        .title(format!("Console — {title}"))
        .inner_size(1024.0, 768.0)
        .build()
        .map_err(|err| AppError::internal(format!("Could not open the console window: {err}")))?;
    Ok(())
}
