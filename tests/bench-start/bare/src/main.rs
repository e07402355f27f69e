//! A bare Tauri app for `.ci/bench-start`: it prints `first-screen` on stdout when its page says it painted.

#[tauri::command]
fn first_screen() {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "first-screen");
    let _ = out.flush();
}

fn main() {
    let started = std::time::Instant::now();
    tauri::Builder::default()
        // The same reference point as VMDeck's "set-up done" log line, printed for comparison.
        .setup(move |_| {
            eprintln!("set-up done ms={}", started.elapsed().as_millis());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![first_screen])
        .run(tauri::generate_context!())
        .expect("error while running the bare app");
}
