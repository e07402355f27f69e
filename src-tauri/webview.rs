//! How the system webview paints, decided before it starts.

/// WebKitGTK's switch: set and not "0", it paints on the CPU.
const SETTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// WebKitGTK (2.46 and later) paints the page's tiles with Skia on the GPU through OpenGL. Without a GPU (a
/// VM, a remote desktop, Xvfb) that OpenGL is Mesa's software rasteriser, and painting through it is slower
/// than Skia painting on the CPU directly: under Xvfb the first screen waited 250–650 ms for its first two
/// frames, about twice a bare Tauri app's page (`.ci/bench-start`, issue 17). So, with no GPU render node,
/// VMDeck asks WebKit for CPU painting. Compositing stays on: the page is drawn as before (and WebKitWebDriver's
/// screenshots work, which they did not with compositing off). A user's own setting, either way, wins.
///
/// Called first thing in `run`, before any thread exists (it sets an environment variable).
pub fn paint_on_the_cpu_when_there_is_no_gpu() {
    #[cfg(target_os = "linux")]
    {
        if std::env::var_os(SETTING).is_some() || has_render_node(std::path::Path::new("/dev/dri")) {
            return;
        }
        // No other thread exists yet (see above), so nothing reads the environment meanwhile.
        std::env::set_var(SETTING, "1");
    }
}

/// Whether WebKit paints on the CPU (for the log).
pub fn paints_on_the_cpu() -> bool {
    std::env::var_os(SETTING).is_some_and(|v| v != "0")
}

/// Whether `dri` holds a GPU render node (`renderD128`, …): what OpenGL needs to run on a GPU.
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
