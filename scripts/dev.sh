#!/usr/bin/env bash
# One command for a newcomer: installs what is needed, builds, loads the demo fleet,
# starts the demo simulator and opens the app. Close the window to stop everything.
# Uses a separate data folder (~/.local/share/fieldline-demo) so your real store is untouched;
# set FIELDLINE_DATA_DIR to choose another.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup.sh
npm --prefix ui run build
cargo build --workspace --bins

export FIELDLINE_DATA_DIR="${FIELDLINE_DATA_DIR:-$HOME/.local/share/fieldline-demo}"
./target/debug/fieldline demo &
demo_pid=$!
trap 'kill $demo_pid 2>/dev/null || true' EXIT
sleep 1
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "dev: no display; starting Xvfb on :77 (take a screenshot with: DISPLAY=:77 import -window root shot.png)"
  Xvfb :77 -screen 0 1280x800x24 -nolisten tcp &
  trap 'kill $demo_pid 2>/dev/null || true; kill $! 2>/dev/null || true' EXIT
  export DISPLAY=:77
  sleep 1
fi
./target/debug/fieldline-desktop
