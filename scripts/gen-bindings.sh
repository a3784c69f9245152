#!/usr/bin/env bash
# Regenerates ui/src/bindings.ts from the Rust declarations in crates/fieldline-ipc.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p ui/src
FIELDLINE_UPDATE_BINDINGS=1 cargo test -q -p fieldline-ipc --test bindings committed_bindings_match_the_rust_declarations
echo "wrote ui/src/bindings.ts"
