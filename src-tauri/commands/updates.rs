//! Updates through `tauri-plugin-updater`: check, download with progress, install, restart.
//!
//! The plugin verifies every download against the public key in `tauri.conf.json` (`plugins.updater`)
//! and, with `requireSignedVersion`, that the signature was made for the version the server announces.
//! The JS side of the plugin is not exposed: these three commands are the whole surface.

use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_updater::{Error as UpdaterError, Update, UpdaterExt};
use tokio::sync::Mutex;
use vmdeck_engine::updates::{from_source_error, UpdateFailure, UpdateOffer, UpdateProgress};
use vmdeck_engine::AppError;

/// The update the last check found, waiting for the user to install it.
#[derive(Default)]
pub struct PendingUpdate(Mutex<Option<Update>>);

/// Asks the update server whether a newer release exists; `None` when this is the newest.
#[tauri::command]
pub async fn update_check(
    app: AppHandle,
    pending: State<'_, PendingUpdate>,
) -> Result<Option<UpdateOffer>, AppError> {
    // A copy built from source has no package to replace: say so instead of asking a server.
    if tauri::utils::platform::bundle_type().is_none() {
        return Err(from_source_error());
    }
    let updater = app.updater().map_err(to_app_error)?;
    let found = updater.check().await.map_err(to_app_error)?;
    let offer = found.as_ref().map(|update| UpdateOffer {
        version: update.version.clone(),
        current_version: update.current_version.clone(),
        notes: update.body.clone(),
        date: update.raw_json.get("pub_date").and_then(|date| date.as_str()).map(str::to_owned),
    });
    if let Some(update) = &found {
        tracing::info!(version = %update.version, "an update is available");
    }
    *pending.0.lock().await = found;
    Ok(offer)
}

/// Downloads the update the last check found, verifies its signature and installs it; the new version
/// runs after `app_restart` (on Windows the installer takes over and restarts the app itself).
#[tauri::command]
pub async fn update_install(
    pending: State<'_, PendingUpdate>,
    on_progress: Channel<UpdateProgress>,
) -> Result<(), AppError> {
    let Some(update) = pending.0.lock().await.take() else {
        return Err(AppError::new(
            vmdeck_engine::ErrorCode::NotFound,
            "There is no update to install: check for updates first.",
        ));
    };
    let mut downloaded = 0u64;
    let mut reported = 0u64;
    let bytes = update
        .download(
            |chunk, total| {
                downloaded += chunk as u64;
                // About one message per 256 KiB: enough for a smooth bar, few enough for the IPC.
                if downloaded - reported >= 256 * 1024 || Some(downloaded) == total {
                    reported = downloaded;
                    let _ = on_progress.send(UpdateProgress { downloaded, total });
                }
            },
            || {},
        )
        .await
        .map_err(to_app_error)?;
    let version = update.version.clone();
    // The package manager (dpkg, rpm) or installer runs synchronously; keep it off the async runtime.
    super::blocking(move || update.install(bytes).map_err(to_app_error)).await?;
    tracing::info!(%version, "update installed; it runs after a restart");
    Ok(())
}

/// Restarts VMDeck (after an installed update).
#[tauri::command]
pub fn app_restart(app: AppHandle) {
    app.restart();
}

fn to_app_error(err: UpdaterError) -> AppError {
    tracing::warn!("update: {err}");
    let cause = err.to_string();
    let failure = match err {
        UpdaterError::Reqwest(_) | UpdaterError::Network(_) | UpdaterError::Io(_) => {
            UpdateFailure::Unreachable(cause)
        }
        UpdaterError::ReleaseNotFound
        | UpdaterError::TargetNotFound(_)
        | UpdaterError::TargetsNotFound(_)
        | UpdaterError::Serialization(_)
        | UpdaterError::Semver(_)
        | UpdaterError::UrlParse(_) => UpdateFailure::BadManifest(cause),
        UpdaterError::Minisign(_)
        | UpdaterError::Base64(_)
        | UpdaterError::SignatureUtf8(_)
        | UpdaterError::SignedVersionMismatch { .. }
        | UpdaterError::MissingSignedVersion => UpdateFailure::BadSignature(cause),
        UpdaterError::InvalidUpdaterFormat | UpdaterError::BinaryNotFoundInArchive => {
            UpdateFailure::WrongPackage
        }
        UpdaterError::AuthenticationFailed
        | UpdaterError::DebInstallFailed
        | UpdaterError::PackageInstallFailed => UpdateFailure::InstallRefused(cause),
        _ => UpdateFailure::Other(cause),
    };
    failure.into_error()
}
