#!/usr/bin/env bash
# Runs every check and every test: formatting, lints, the UI's type check, linter and unit
# tests, the supply-chain checks (scripts/supply-chain.sh), and the Rust tests, including
# the end-to-end tests that drive the real app window under Xvfb over WebDriver; then the
# Windows leg (fieldline.exe, fieldline-desktop.exe and the tests built and linted for
# Windows, the tests run as Windows programs under Wine), the installers (NSIS for Windows,
# .deb for Linux) and the macOS check. Run scripts/setup.sh once first.
#
# Usage: scripts/test.sh [--fast]
#   --fast   the inner loop: formatting, the UI's type check, linter and unit tests, and
#            the Rust unit tests (every crate's lib and bins, linted by clippy as they
#            build); no integration or end-to-end test, no Windows, macOS, supply-chain,
#            fuzz or installer step. Minutes on a warm target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Each step says when it starts (seconds since the start): BENCHMARKS.md's CI figures.
step() { printf '\n==> %s (at %d s)\n' "$*" "$SECONDS"; }

fast=0
case "${1:-}" in
  "") ;;
  --fast) fast=1 ;;
  *)
    echo "test.sh: unknown argument \"$1\" (see the top of $0)" >&2
    exit 2
    ;;
esac

step "rustfmt"
cargo fmt --all --check
if ((fast)); then
  step "UI: type check, lint, unit tests, build"
  npm --prefix ui run typecheck
  npm --prefix ui run lint
  npm --prefix ui test
  # The desktop crate embeds the built UI, so even its unit tests need ui/dist.
  npm --prefix ui run build
  source scripts/lint-while-building.sh
  step "Rust unit tests (libs and bins), with clippy (-D warnings)"
  cargo test --workspace --lib --bins --locked
  step "fast checks passed (scripts/test.sh without --fast runs everything)"
  exit 0
fi
step "UI: type check, lint, unit tests, build"
npm --prefix ui run typecheck
npm --prefix ui run lint
npm --prefix ui test
npm --prefix ui run build
# Known-vulnerable, unmaintained or yanked crates, licences, sources (cargo-deny with the
# vendored RustSec database, deny.toml), the UI's production npm packages against vendored
# GitHub advisories, and THIRD-PARTY-LICENSES.md against the lock files: all offline.
step "supply chain: cargo-deny, npm advisories, third-party licences"
bash scripts/supply-chain.sh
# Clippy lints while cargo builds (scripts/lint-while-building.sh): every target of every
# crate (libraries, binaries, tests, examples, benches), -D warnings. `cargo test` builds
# both binaries too (the CLI's tests need `fieldline`, the end-to-end tests
# `fieldline-desktop`), with the test build's features: a separate `cargo build` first
# would compile the Tauri tree twice.
source scripts/lint-while-building.sh
step "build, with clippy (-D warnings)"
cargo test --workspace --all-targets --no-run --locked
step "Rust tests (unit, integration, end to end)"
cargo test --workspace --locked
# Every fuzz target (fuzz/, one per parser of untrusted input) for 5 s from its seeds: a
# smoke run (a dev build without a sanitizer: minutes, not the 14 of the release build
# with AddressSanitizer; longer runs by hand, see README.md). A crash fails the run.
step "fuzz: every target for 5 s"
FUZZ_BUILD=dev FUZZ_SANITIZER=none bash scripts/fuzz.sh 5
# The Windows leg (mingw; Cargo profile under-wine): every library and binary, the desktop app
# included, and the test binaries for x86_64-pc-windows-gnu, linted by clippy while they
# are built (-D warnings: a change that breaks or warns on Windows fails here); then every
# test target under Wine (headless, throwaway prefix, time-limited) except those listed
# with their reasons in scripts/windows/not-under-wine.txt. A failing test fails the run.
step "Windows: build and lint, and the tests under Wine"
bash scripts/windows/test-under-wine.sh
# The installers, from the programs built above (not rebuilt): the Windows NSIS installer
# (makensis), tried under Wine (silent install, the CLI runs, silent uninstall), and the
# Linux .deb (Tauri's bundler). Sizes and SHA-256 in the log and target/installers/.
step "installers: NSIS (Windows) and .deb (Linux)"
bash scripts/build-installers.sh --prebuilt
# macOS: every library and binary, the desktop app included, compiled and linted for
# aarch64-apple-darwin (-D warnings); nothing is linked (that needs Apple's SDK).
step "macOS: check and lint (aarch64-apple-darwin)"
bash scripts/check-macos.sh
step "all checks and tests passed"
