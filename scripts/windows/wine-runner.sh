#!/usr/bin/env bash
# Cargo's target runner for x86_64-pc-windows-gnu on Linux: runs a Windows program (a test
# binary, or `cargo run --target x86_64-pc-windows-gnu`) under Wine, headless and quiet.
#
#   CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=scripts/windows/wine-runner.sh \
#     cargo test --target x86_64-pc-windows-gnu -p fieldline-core
#
# - Needs `wine` (Debian 12: packages wine and wine64, 8.0) and the bcryptprimitives.dll shim
#   that scripts/setup.sh builds into target/wine/ (Rust >= 1.78 programs do not start on
#   Wine 8 without it). The shim's folder goes on WINEPATH, so the programs a test starts
#   (fieldline.exe) find it too.
# - WINEPREFIX: the caller's if set (scripts/windows/test-under-wine.sh makes one throwaway
#   prefix for a whole run), else a throwaway one made here and deleted afterwards.
# - No display: DISPLAY is unset, so a program that opens a window fails instead of waiting.
# - Every run ends: after FIELDLINE_WINE_TIMEOUT seconds (default 300; the slowest test
#   binary takes about 10 s) the Windows processes still running are listed, the program
#   is stopped and the runner exits 124, which fails the test run.
# The program's exit status is passed on (a failed test binary exits 101).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 PROGRAM.exe [ARGS...]" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
shim_dir="${FIELDLINE_WINE_SHIM_DIR:-$target_dir/wine}"
timeout_s="${FIELDLINE_WINE_TIMEOUT:-300}"

command -v wine >/dev/null || {
  echo "wine-runner: wine not found (Debian: apt install wine wine64; or run scripts/setup.sh)" >&2
  exit 127
}
[ -f "$shim_dir/bcryptprimitives.dll" ] || {
  echo "wine-runner: $shim_dir/bcryptprimitives.dll missing; run scripts/setup.sh" >&2
  exit 127
}

# A test binary listed in FIELDLINE_WINE_SKIP ("package binary-stem reason" lines, written
# by test-under-wine.sh from not-under-wine.txt) is not run; the log says so and why.
if [ -n "${FIELDLINE_WINE_SKIP:-}" ] && [ -n "${CARGO_PKG_NAME:-}" ]; then
  stem="$(basename "$1" .exe)"
  stem="${stem%-*}"
  while read -r pkg bin reason; do
    if [ "$pkg" = "$CARGO_PKG_NAME" ] && [ "$bin" = "$stem" ]; then
      echo "wine-runner: not run under Wine: $pkg $bin: $reason (scripts/windows/not-under-wine.txt)"
      exit 0
    fi
  done <"$FIELDLINE_WINE_SKIP"
fi

export WINEDEBUG="${WINEDEBUG:--all}"
# No Mono or Gecko installer on a new prefix, no menu entries or file associations.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml,winemenubuilder.exe=d}"
# Wine's PATH (DLL search path included), as a Windows path: the shim's folder on drive Z:.
export WINEPATH="Z:${shim_dir//\//\\}${WINEPATH:+;$WINEPATH}"
unset DISPLAY WAYLAND_DISPLAY

own_prefix=""
if [ -z "${WINEPREFIX:-}" ]; then
  own_prefix="$(mktemp -d "${TMPDIR:-/tmp}/fieldline-wine.XXXXXX")"
  export WINEPREFIX="$own_prefix"
  cleanup() {
    timeout 30 wineserver -k >/dev/null 2>&1 || true
    rm -rf "$own_prefix"
  }
  trap cleanup EXIT
  # Made and left to settle before the program starts (see test-under-wine.sh); the
  # wineserver it starts must not hold our output open.
  { timeout 300 wineboot --init </dev/null >/dev/null 2>&1 && timeout 120 wineserver -w; } || {
    echo "wine-runner: could not create a Wine prefix in $own_prefix" >&2
    exit 1
  }
fi

# The program runs in the background (its stdin kept: `cargo run` stays interactive) under
# a time limit: past it the log gets the Windows processes still running (which child hung,
# with its arguments), then the program is stopped. Whatever it left in the prefix ends
# with the prefix's wineserver.
wine "$@" <&0 &
pid=$!
if ! timeout "$timeout_s" tail --pid="$pid" -s 0.1 -f /dev/null; then
  {
    echo "wine-runner: $(basename "$1") did not finish within ${timeout_s} s under Wine; stopping it."
    echo "wine-runner: Windows processes still running in $WINEPREFIX (pid, parent, seconds, command):"
    for p in $(pgrep -f '[.]exe' || true); do
      if tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qxF "WINEPREFIX=$WINEPREFIX"; then
        ps -o pid=,ppid=,etimes=,args= -p "$p" | sed 's/^/  /'
      fi
    done
  } >&2
  kill -TERM "$pid" 2>/dev/null || true
  timeout 10 tail --pid="$pid" -s 0.1 -f /dev/null || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  exit 124
fi
status=0
wait "$pid" || status=$?
exit "$status"
