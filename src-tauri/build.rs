fn main() {
    const COMMANDS: &[&str] = include!("command_names.rs");
    println!("cargo:rerun-if-changed=src-tauri/command_names.rs");
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/*.json")
        .app_manifest(
            tauri_build::AppManifest::new()
                .commands(COMMANDS)
                .permissions_path_pattern("src-tauri/permissions/*.toml"),
        );
    tauri_build::try_build(attributes).expect("tauri-build failed");
}
