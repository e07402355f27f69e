//! Files the app writes that hold something that matters: private folders (0700), private files
//! (0600), written whole or not at all (temp file in the same folder, fsync, rename, fsync the folder).

use crate::error::{AppError, Result};
use std::io::Write;
use std::path::Path;

fn io(path: &Path, err: std::io::Error) -> AppError {
    AppError::internal(format!("{}: {err}", path.display())).with_detail("path", path.display().to_string())
}

/// Makes every file and folder this process creates from now on readable only by the user (umask 077 on
/// Unix): logs, caches and the webview's own storage too, which VMDeck does not write itself.
pub fn private_by_default() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file mode creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates `dir` readable only by the user on Unix, and so every parent it has to create (the app's
/// cache root above the image cache, say); folders that were there keep their mode, except `dir`.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    let missing: Vec<&Path> =
        dir.ancestors().take_while(|a| !a.as_os_str().is_empty() && !a.exists()).collect();
    std::fs::create_dir_all(dir).map_err(|err| io(dir, err))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for made in missing.iter().copied().chain(std::iter::once(dir)) {
            std::fs::set_permissions(made, std::fs::Permissions::from_mode(0o700))
                .map_err(|err| io(made, err))?;
        }
    }
    #[cfg(not(unix))]
    let _ = missing;
    Ok(())
}

/// Writes `bytes` to `path` atomically, readable only by the user on Unix.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().ok_or_else(|| AppError::internal(format!("{} has no folder", path.display())))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let write = || -> std::io::Result<()> {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    };
    write().map_err(|err| {
        let _ = std::fs::remove_file(&tmp);
        io(path, err)
    })
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn after_private_by_default_new_files_are_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        super::private_by_default();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.log");
        std::fs::write(&file, b"x").unwrap();
        std::fs::create_dir(dir.path().join("cache")).unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(dir.path().join("cache")).unwrap().permissions().mode() & 0o777, 0o700);
    }

    #[test]
    fn private_files_replace_whole_and_are_user_only() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        super::create_private_dir(&sub).unwrap();
        let file = sub.join("x.json");
        super::write_private(&file, b"one").unwrap();
        super::write_private(&file, b"two").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(&sub).unwrap().count(), 1, "no temp file left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(std::fs::metadata(&sub).unwrap().permissions().mode() & 0o777, 0o700);
            let made_parent = dir.path().join("a");
            assert_eq!(
                std::fs::metadata(made_parent).unwrap().permissions().mode() & 0o777,
                0o700,
                "a parent it made"
            );
            let before = std::fs::metadata(dir.path()).unwrap().permissions().mode();
            assert_eq!(
                std::fs::metadata(dir.path()).unwrap().permissions().mode(),
                before,
                "one that was there"
            );
        }
    }
}
