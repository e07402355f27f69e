//! A bare Tauri app for `.ci/bench-start`: it prints `first-screen` on stdout when its page says it painted.

struct StartedAt(std::time::Instant);

#[tauri::command]
fn first_screen(started: tauri::State<'_, StartedAt>, page_ms: f64) {
    use std::io::Write;
    // The same split VMDeck logs: since `main` began, and the page's own share.
    eprintln!("first screen painted ms={} page_ms={}", started.0.elapsed().as_millis(), page_ms.round());
    let mut out = std::io::stdout();
    let _ = writeln!(out, "first-screen");
    let _ = out.flush();
}

fn main() {
    let started = std::time::Instant::now();
    tauri::Builder::default()
        .manage(StartedAt(started))
        // The same reference point as VMDeck's "set-up done" log line, printed for comparison.
        .setup(move |_| {
            eprintln!("set-up done ms={}", started.elapsed().as_millis());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![first_screen])
        .run(tauri::generate_context!())
        .expect("error while running the bare app");
}
