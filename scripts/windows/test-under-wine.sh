#!/usr/bin/env bash
# The Windows leg of scripts/test.sh (issue 14): builds `fieldline.exe`,
# `fieldline-desktop.exe` and the workspace's test binaries for x86_64-pc-windows-gnu
# (Cargo profile under-wine, mingw; the workspace's crates linted by clippy, -D
# warnings), then runs the tests as Windows programs under Wine, headless, in a
# throwaway Wine prefix, through cargo's target runner (scripts/windows/wine-runner.sh).
#
# What runs: every test target of the workspace (unit tests of each library and binary,
# every integration test) except those listed, with their reasons, in
# scripts/windows/not-under-wine.txt. A failing test, a test binary that does not start
# under Wine, or one that runs out of time (FIELDLINE_WINE_TIMEOUT, default 300 s per test
# binary) fails this script.
#
# Needs what scripts/setup.sh installs: wine/wine64, mingw, the Rust target, jq, and the
# bcryptprimitives.dll shim in target/wine/. Run alone: `bash scripts/windows/test-under-wine.sh`
# (`--list`: only say what would be built and run).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

TARGET=x86_64-pc-windows-gnu
here="$PWD/scripts/windows"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
exclusions="$here/not-under-wine.txt"
t0=$(date +%s)
say() { printf 'windows: %s\n' "$*"; }

for tool in wine wineboot wineserver jq x86_64-w64-mingw32-gcc; do
  command -v "$tool" >/dev/null || { say "$tool not found; run scripts/setup.sh" >&2; exit 1; }
done
[ -f "$target_dir/wine/bcryptprimitives.dll" ] || {
  say "$target_dir/wine/bcryptprimitives.dll missing; run scripts/setup.sh" >&2
  exit 1
}

# --- Which test targets run: all of the workspace's, minus the listed ones -------------
# "package kind name manifest-dir" for every target with tests (kinds: lib, bin, test).
all=$(cargo metadata --no-deps --format-version 1 --locked |
  jq -r '.packages[] | .name as $p | (.manifest_path | rtrimstr("/Cargo.toml")) as $d
         | .targets[]
         | select(.test and (.kind[0] == "lib" or .kind[0] == "bin" or .kind[0] == "test"))
         | "\($p) \(.kind[0]) \(.name) \($d)"')
key() { # package kind name -> the key used in not-under-wine.txt
  case "$2" in lib) echo "$1 lib" ;; bin) echo "$1 bin:$3" ;; *) echo "$1 $3" ;; esac
}
declare -A known=() dir_of=() skip=()
while read -r pkg kind name dir; do
  known["$(key "$pkg" "$kind" "$name")"]=1
  dir_of["$pkg"]="$dir"
done <<<"$all"
skip_tests=()   # single tests: --skip NAME for every test binary
single_tests=() # their keys, in the file's order
while read -r pkg tgt reason; do
  { [ -z "$pkg" ] || [ "${pkg:0:1}" = "#" ]; } && continue
  [ -n "$reason" ] || { say "$exclusions: '$pkg $tgt' has no reason" >&2; exit 1; }
  if [[ "$tgt" == *::* ]]; then
    test_name="${tgt#*::}"
    if [ -z "${known["$pkg ${tgt%%::*}"]:-}" ] ||
      ! grep -rqsw "fn ${test_name##*::}" "${dir_of["$pkg"]}/src" "${dir_of["$pkg"]}/tests"; then
      say "$exclusions names '$pkg $tgt', which is no test" >&2
      exit 1
    fi
    skip_tests+=(--skip "$test_name")
    single_tests+=("$pkg $tgt")
  else
    [ -n "${known["$pkg $tgt"]:-}" ] || { say "$exclusions names '$pkg $tgt', which is no test target" >&2; exit 1; }
  fi
  skip["$pkg $tgt"]="$reason"
done <"$exclusions"

# Cargo selects by target name across packages (--lib: every library; --test NAME: every
# integration test of that name). A listed target that shares its selector with one that
# runs is built too, and the runner skips it (it reads FIELDLINE_WINE_SKIP: "package
# binary-stem reason" lines, and says so in the log).
run_flags=() n_run=0 n_skip=0
declare -A flag_runs=() seen_flag=()
while read -r pkg kind name dir; do
  case "$kind" in lib) flag="--lib" ;; bin) flag="--bin $name" ;; *) flag="--test $name" ;; esac
  if [ -z "${skip["$(key "$pkg" "$kind" "$name")"]:-}" ]; then flag_runs["$flag"]=1; fi
done <<<"$all"
skipfile="$(mktemp)"
trap 'rm -f "$skipfile"' EXIT
while read -r pkg kind name dir; do
  k="$(key "$pkg" "$kind" "$name")"
  case "$kind" in lib) flag="--lib" ;; bin) flag="--bin $name" ;; *) flag="--test $name" ;; esac
  if [ -n "${skip["$k"]:-}" ]; then
    n_skip=$((n_skip + 1))
    printf '  not under Wine: %-40s %s\n' "$k" "${skip["$k"]}"
    if [ -n "${flag_runs["$flag"]:-}" ]; then
      printf '%s %s %s\n' "$pkg" "${name//-/_}" "${skip["$k"]}" >>"$skipfile"
    fi
  else
    n_run=$((n_run + 1))
  fi
  if [ -n "${flag_runs["$flag"]:-}" ] && [ -z "${seen_flag["$flag"]:-}" ]; then
    seen_flag["$flag"]=1
    read -ra f <<<"$flag"
    run_flags+=("${f[@]}")
  fi
done <<<"$all"
for k in "${single_tests[@]}"; do printf '  not under Wine: %-40s %s\n' "$k" "${skip["$k"]}"; done
say "$n_run test targets run under Wine; $n_skip more and ${#single_tests[@]} single tests are left out (above; scripts/windows/not-under-wine.txt)"
export FIELDLINE_WINE_SKIP="$skipfile"
if [ "${1:-}" = "--list" ]; then # what would be built and run, and nothing else
  echo "cargo test --profile under-wine --target $TARGET --workspace ${run_flags[*]} --no-fail-fast -- --exact ${skip_tests[*]}"
  sed 's/^/  skipped by the runner: /' "$skipfile"
  exit 0
fi

# --- Build (Cargo profile under-wine: unoptimised, no debug information, the quickest to
# compile): every test binary, then the two programs ------------------------------------
# Linted while built (scripts/lint-while-building.sh): a change that warns on Windows
# fails here. The build, the desktop build and the run below share the same wrapper.
# shellcheck source=../lint-while-building.sh
source scripts/lint-while-building.sh
# `cargo test --no-run` builds the test binaries and fieldline.exe (for the CLI's
# integration tests). fieldline-desktop.exe comes from `cargo build --bins`, given one of
# the integration tests again so that cargo resolves features as for tests (with the
# dev-dependencies): then only the desktop crate itself is compiled; without it, much of
# the Tauri tree would be compiled a second time with other features. (Its e2e test, which
# would build it too, does not compile for Windows.)
tb=$(date +%s)
say "building for $TARGET (profile under-wine)"
nice cargo test --no-run --locked --profile under-wine --target "$TARGET" --workspace "${run_flags[@]}"
one_test=""
for ((i = 0; i < ${#run_flags[@]}; i++)); do
  if [ "${run_flags[i]}" = "--test" ]; then one_test="${run_flags[i + 1]}" && break; fi
done
nice cargo build --locked --profile under-wine --target "$TARGET" --workspace --bins ${one_test:+--test "$one_test"}
for exe in fieldline.exe fieldline-desktop.exe; do
  [ -f "$target_dir/$TARGET/under-wine/$exe" ] || { say "$exe was not built" >&2; exit 1; }
done
say "built in $(($(date +%s) - tb)) s: target/$TARGET/under-wine/fieldline.exe and fieldline-desktop.exe (Cargo profile under-wine)"

# --- A throwaway Wine prefix, one for the whole run ------------------------------------
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml,winemenubuilder.exe=d"
WINEPREFIX="$(mktemp -d "${TMPDIR:-/tmp}/fieldline-wine.XXXXXX")"
export WINEPREFIX
unset DISPLAY WAYLAND_DISPLAY
cleanup() {
  timeout 30 wineserver -k >/dev/null 2>&1 || true
  rm -rf "$WINEPREFIX" "$skipfile"
}
trap cleanup EXIT
tp=$(date +%s)
# Made first, then left to settle (wineserver -w: until the boot's processes and the server
# have ended), so that no test starts while the new prefix is still booting. Then a
# wineserver for the whole leg (-p: no exit when idle), detached from our output so that
# nothing holds a pipe open after the run, and one program to start Wine's services.
timeout 300 wineboot --init </dev/null >/dev/null 2>&1 || { say "wineboot failed" >&2; exit 1; }
timeout 120 wineserver -w || { say "the new Wine prefix did not settle" >&2; exit 1; }
timeout 60 wineserver -p </dev/null >/dev/null 2>&1
timeout 120 wine cmd.exe /c exit </dev/null >/dev/null 2>&1 || { say "wine cannot run cmd.exe" >&2; exit 1; }
say "Wine prefix $WINEPREFIX ready in $(($(date +%s) - tp)) s ($(wine --version 2>/dev/null))"

# --- Run, through cargo's target runner ---------------------------------------------
tr=$(date +%s)
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$here/wine-runner.sh"
# The kill test starts a Windows process per kill, about half a second each under Wine:
# 50 here, 200 on Linux.
export FIELDLINE_KILLS=50
status=0
cargo test --locked --profile under-wine --target "$TARGET" --workspace "${run_flags[@]}" --no-fail-fast -- --exact "${skip_tests[@]}" ||
  status=$?
if [ "$status" -eq 0 ]; then
  say "tests under Wine passed in $(($(date +%s) - tr)) s; the Windows leg took $(($(date +%s) - t0)) s"
else
  say "tests under Wine FAILED (above) after $(($(date +%s) - tr)) s; the Windows leg took $(($(date +%s) - t0)) s" >&2
fi
exit "$status"
