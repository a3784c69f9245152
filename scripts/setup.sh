#!/usr/bin/env bash
# Installs everything Fieldline needs to build, run and test on Debian 12 / Ubuntu 22.04+:
# system packages (Tauri's WebKitGTK stack, Xvfb, WebKitWebDriver, a CJK font, D-Bus,
# GNOME Keyring, Request Tracker 5 for the sync tests, the monitoring stack and sshd for
# the fleet status tests, mingw and Wine for the Windows build and its tests),
# the UI's npm packages (exact versions from ui/package-lock.json) and tauri-driver.
# Idempotent: run it again any time.
set -euo pipefail
cd "$(dirname "$0")/.."

TAURI_DRIVER_VERSION=2.1.0
PACKAGES=(
  # building the Tauri app
  build-essential pkg-config file libwebkit2gtk-4.1-dev libgtk-3-dev
  libayatana-appindicator3-dev librsvg2-dev libssl-dev libsoup-3.0-dev libxdo-dev
  # running it without a display, driving it over WebDriver, checking screenshots
  xvfb xauth webkit2gtk-driver dbus dbus-x11 at-spi2-core
  # answering the native dialogs Rust raises (as a person would) and photographing them
  xdotool imagemagick
  # a real notification daemon for the notification tests
  dunst
  # the OS keychain: Secret Service (GNOME Keyring) for connection secrets, and its tests
  libdbus-1-dev gnome-keyring libsecret-tools
  # a real Request Tracker 5 for the helpdesk sync tests (SQLite, standalone server)
  request-tracker5 rt5-db-sqlite rt5-standalone
  # fleet status tests: a DNS server, node_exporter, Prometheus, Alertmanager, blackbox
  # (the benchmark's peer), network namespaces (offline and unprivileged-ping tests), sshd
  dnsmasq-base prometheus-node-exporter prometheus prometheus-alertmanager
  prometheus-blackbox-exporter iproute2 util-linux openssh-server openssh-client
  # remote sessions: recordings are played back by asciinema in a test
  asciinema
  # backup tools whose snapshot age the ssh_command preset reads
  restic borgbackup
  # Korean glyphs
  fonts-noto-cjk
  # the Windows build, checked on every run (C parts: SQLite, libssh2, OpenSSL), and its
  # tests run as Windows programs under Wine 8 (64-bit only: no i386 architecture needed);
  # jq reads cargo's metadata for scripts/windows/test-under-wine.sh
  gcc-mingw-w64-x86-64 wine wine64 jq
  # the installers: makensis for Windows, dpkg-deb for the .deb
  nsis dpkg-dev file
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # Request Tracker must not set up a system database on install (its tests make their own).
  echo 'request-tracker5 request-tracker5/dbconfig-install boolean false' | $SUDO debconf-set-selections
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust from https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: npm not found; install Node.js 20 or newer" >&2; exit 1; }

# Rust's standard library for Windows (GNU ABI), for the Windows build and tests in
# scripts/test.sh.
if ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
  echo "setup: adding the Rust target x86_64-pc-windows-gnu"
  rustup target add x86_64-pc-windows-gnu
fi

# Wine 8 lacks bcryptprimitives.dll, whose ProcessPrng every Rust >= 1.78 program imports:
# a shim over RtlGenRandom lets the Windows test binaries start under Wine
# (scripts/windows/wine-runner.sh puts its folder on WINEPATH). Rebuilt when its source changes.
shim_dir="${CARGO_TARGET_DIR:-$PWD/target}/wine"
shim="$shim_dir/bcryptprimitives.dll"
if [ ! -f "$shim" ] || [ scripts/windows/bcryptprimitives.c -nt "$shim" ] ||
  [ scripts/windows/bcryptprimitives.def -nt "$shim" ]; then
  echo "setup: building the Wine shim $shim"
  mkdir -p "$shim_dir"
  x86_64-w64-mingw32-gcc -shared -O2 -s -o "$shim.tmp" scripts/windows/bcryptprimitives.c \
    scripts/windows/bcryptprimitives.def -ladvapi32
  mv "$shim.tmp" "$shim"
fi

if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "setup: installing the UI's npm packages"
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi

if ! command -v tauri-driver >/dev/null || [ "$(tauri-driver --version 2>/dev/null | awk '{print $2}')" != "$TAURI_DRIVER_VERSION" ]; then
  echo "setup: installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install tauri-driver --version "$TAURI_DRIVER_VERSION" --locked --quiet
fi
echo "setup: done"
