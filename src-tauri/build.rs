//! The shell's build: Tauri's, with the window allowed exactly the commands its capability
//! names. Listing app commands here makes Tauri deny every command not granted by a
//! capability (by default all app commands would be open to every window); the list is
//! read from the capability itself, which `scripts/gen-bindings.sh` generates from
//! `fieldline_ipc::for_each_command!` (a test fails when it is stale).

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let capability = std::fs::read_to_string("src-tauri/capabilities/default.json")
        .expect("src-tauri/capabilities/default.json");
    let commands: Vec<&'static str> = capability
        .lines()
        .filter_map(|l| l.trim().trim_end_matches(',').strip_prefix("\"allow-"))
        .filter_map(|l| l.strip_suffix('"'))
        .map(|slug| &*Box::leak(slug.replace('-', "_").into_boxed_str()))
        .collect();
    assert!(!commands.is_empty(), "the capability names no command");
    // Capabilities live beside the shell's sources, not at the repository's top level.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(
                tauri_build::AppManifest::new().commands(Box::leak(commands.into_boxed_slice())),
            ),
    )
    .expect("tauri build script failed");
}
