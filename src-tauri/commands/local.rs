//! "This computer": QEMU's status for the UI, and the image cache in Settings.

use crate::state::AppState;
use tauri::State;
use vmdeck_engine::providers::local::images::{self, CachedImage};
use vmdeck_engine::providers::local::{machines, qemu::QemuInstall, qemu_install};
use vmdeck_engine::{AppError, ErrorCode};

/// QEMU as found (binaries, accelerator, its note), or the error with the install command.
#[tauri::command]
pub async fn local_qemu_status() -> Result<QemuInstall, AppError> {
    qemu_install().await
}

#[tauri::command]
pub async fn local_images(state: State<'_, AppState>) -> Result<Vec<CachedImage>, AppError> {
    Ok(images::cached(&state.local()?.images_dir()))
}

/// Removes a cached image unless a local VM still boots from it.
#[tauri::command]
pub async fn local_image_remove(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<CachedImage>, AppError> {
    let local = state.local()?;
    let users: Vec<String> = machines::load_all(&local.vms_dir())
        .into_iter()
        .filter(|vm| vm.image_id == id && !matches!(vm.phase, machines::Phase::Failed { .. }))
        .map(|vm| vm.name)
        .collect();
    if !users.is_empty() {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("{} still boot from this image: delete them first.", users.join(", ")),
        )
        .with_detail("vms", users));
    }
    images::remove_cached(&local.images_dir(), &id)?;
    Ok(images::cached(&state.local()?.images_dir()))
}
