//! How the system webview draws, decided before it starts.

/// WebKitGTK composites the page with OpenGL. Without a GPU (a VM, a remote desktop, Xvfb) that GL is
/// Mesa's software rasteriser: the first frames take hundreds of milliseconds and its buffers tens of MiB
/// (measured by `.ci/bench-start` and `.ci/bench-memory` under Xvfb, issue 17). With no GPU render node,
/// VMDeck asks WebKit to draw without compositing, which is what such a machine does best. A user's own
/// WEBKIT_DISABLE_COMPOSITING_MODE (either way) wins.
///
/// Called first thing in `run`, before any thread exists (it sets an environment variable).
pub fn draw_without_gpu_compositing_when_there_is_no_gpu() {
    #[cfg(target_os = "linux")]
    {
        const SETTING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
        if std::env::var_os(SETTING).is_some() || has_render_node(std::path::Path::new("/dev/dri")) {
            return;
        }
        std::env::set_var(SETTING, "1");
    }
}

/// Whether `dri` holds a GPU render node (`renderD128`, …): what GL needs to run on a GPU.
#[cfg(target_os = "linux")]
fn has_render_node(dri: &std::path::Path) -> bool {
    std::fs::read_dir(dri)
        .map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
        .unwrap_or(false)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::has_render_node;

    #[test]
    fn a_render_node_is_a_gpu_and_a_missing_or_empty_folder_is_none() {
        let dir = std::env::temp_dir().join(format!("vmdeck-dri-{}", std::process::id()));
        assert!(!has_render_node(&dir), "no /dev/dri at all");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("card0"), "").unwrap();
        assert!(!has_render_node(&dir), "a display card without a render node");
        std::fs::write(dir.join("renderD128"), "").unwrap();
        assert!(has_render_node(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
