//! Saving what the UI exports (the Activity page's CSV and JSON) to a file the user picks in the system's
//! own save dialog. The page hands over the text only: it never names a path, so it can write nowhere the
//! user did not choose.

use super::blocking;
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;
use vmdeck_engine::AppError;

/// Asks where to save `contents` (suggesting `suggested_name`), then writes it atomically. The path written,
/// or None when the user cancelled.
#[tauri::command]
pub async fn save_text_as(
    app: AppHandle,
    suggested_name: String,
    contents: String,
) -> Result<Option<String>, AppError> {
    // The dialog runs on the UI thread; this one waits for it off the async runtime.
    blocking(move || {
        let mut dialog = app.dialog().file().set_file_name(&suggested_name);
        if let Some(extension) = std::path::Path::new(&suggested_name).extension().and_then(|e| e.to_str()) {
            dialog = dialog.add_filter(extension.to_uppercase(), &[extension]);
        }
        let Some(chosen) = dialog.blocking_save_file() else { return Ok(None) };
        let path = chosen.into_path().map_err(|err| {
            AppError::internal(format!("The chosen place is not a file on this computer: {err}"))
        })?;
        vmdeck_engine::fsutil::write_private(&path, contents.as_bytes())?;
        tracing::info!(bytes = contents.len(), "saved an export");
        Ok(Some(path.display().to_string()))
    })
    .await
}
