# Sourced by scripts/test.sh and scripts/windows/test-under-wine.sh: cargo builds the
# workspace's own crates with clippy's driver (RUSTC_WORKSPACE_WRAPPER, as `cargo clippy`
# sets it) and clippy's `-D warnings`, so one build both compiles and lints them. A
# separate `cargo clippy` pass would check the whole dependency tree once more (about 8
# minutes cold on 2 cores). Every cargo command of a run must see the same two variables,
# or cargo rebuilds the workspace's crates in between.
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)"
CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
