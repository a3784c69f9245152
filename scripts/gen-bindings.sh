#!/usr/bin/env bash
# Regenerates ui/src/bindings.ts and the window's capability (the commands it may call)
# from the Rust declarations in crates/fieldline-ipc.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p ui/src
FIELDLINE_UPDATE_BINDINGS=1 cargo test -q -p fieldline-ipc --test bindings committed_
echo "wrote ui/src/bindings.ts and src-tauri/capabilities/default.json"
