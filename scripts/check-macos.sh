#!/usr/bin/env bash
# Checks (clippy, -D warnings) every library and binary of the workspace, the desktop app
# included, for macOS on Apple silicon, from Linux:
#
#   cargo clippy --workspace --lib --bins --locked --target aarch64-apple-darwin -- -D warnings
#
# A change that does not compile for macOS, or that warns there, fails here. This is a
# CHECK ONLY: nothing is linked and no macOS program comes out of it. Linking (and so
# running, bundling or signing) needs Apple's SDK and linker, that is a Mac.
#
# What it needs, installed here if missing (idempotent; run it as often as you like):
# - the Rust standard library for the target (`rustup target add`);
# - a C compiler for the target, for the C parts that build scripts compile (bundled
#   SQLite, libssh2): zig (PyPI `ziglang`, in a virtualenv under the tools folder, see
#   below) as `CC_<target>`, through a wrapper made here. zig ships macOS's libc headers,
#   so these parts are really compiled for macOS;
# - OpenSSL's headers (Debian's libssl-dev): libssh2 uses OpenSSL on macOS, and
#   openssl-sys wants an OpenSSL for the target, which cannot be had without Apple's SDK.
#   The check points openssl-sys at Debian's headers (OpenSSL 3, the same API) and at
#   Debian's library folder, which is never used since nothing links;
# - Objective-C (mac-notification-sys's notify.m, objc2-exception-helper's try_catch.m)
#   needs Apple's Foundation/AppKit headers: the wrapper turns those compiles into empty
#   objects. The Rust code that calls them is checked as usual.
#
# Options (environment):
#   FIELDLINE_MACOS_TARGET   aarch64-apple-darwin (default) or x86_64-apple-darwin (Intel
#                            Macs; the same recipe, not run on this machine so far)
#   FIELDLINE_TOOLS_DIR      where zig and the wrappers go (default ~/.cache/fieldline)
#   arguments, if any, replace `--workspace` (e.g. `-p fieldline-core -p fieldline-cli`)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

target="${FIELDLINE_MACOS_TARGET:-aarch64-apple-darwin}"
case "$target" in
  aarch64-apple-darwin) zig_target=aarch64-macos ;;
  x86_64-apple-darwin) zig_target=x86_64-macos ;;
  *) echo "check-macos: unsupported target $target" >&2; exit 2 ;;
esac
ZIGLANG_VERSION=0.17.1
tools="${FIELDLINE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fieldline}"
venv="$tools/zig-venv"
wrap="$tools/macos-check/$target"

say() { printf 'check-macos: %s\n' "$*"; }

command -v cargo >/dev/null || { echo "check-macos: cargo not found; install Rust from https://rustup.rs" >&2; exit 1; }

# 1. The Rust target and clippy.
if ! grep -qx "$target" <<<"$(rustup target list --installed)"; then
  say "adding the Rust target $target"
  rustup target add "$target"
fi
if ! cargo clippy --version >/dev/null 2>&1; then
  say "adding clippy"
  rustup component add clippy
fi

# 2. zig, from PyPI, in its own virtualenv (about 440 MB, once).
zig_ok() {
  [ -x "$venv/bin/python" ] &&
    [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("ziglang"))' 2>/dev/null)" = "$ZIGLANG_VERSION" ]
}
apt_install() {
  local SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing $*"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if ! zig_ok; then
  # Debian's python3 makes virtualenvs only with python3-venv (ensurepip).
  if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt_install python3 python3-venv
  fi
  say "installing zig (PyPI ziglang $ZIGLANG_VERSION) into $venv"
  mkdir -p "$tools"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "ziglang==$ZIGLANG_VERSION"
fi
zig="$("$venv/bin/python" -c 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')"
[ -x "$zig" ] || { echo "check-macos: zig not found at $zig" >&2; exit 1; }

# 3. OpenSSL's headers (Debian splits them: the arch-specific configuration.h lives under
# the multiarch folder). One folder with both, and nothing else of /usr/include, so that
# zig's macOS libc headers are the ones used.
[ -f /usr/include/openssl/ssl.h ] || apt_install libssl-dev
multiarch="$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH)"
ssl_inc="$tools/macos-check/openssl-include"
mkdir -p "$ssl_inc/openssl"
# (Links are only touched when missing: openssl-sys reruns when the folder changes.)
for f in /usr/include/openssl/*.h "/usr/include/$multiarch/openssl/"*.h; do
  l="$ssl_inc/openssl/$(basename "$f")"
  [ "$(readlink "$l" 2>/dev/null)" = "$f" ] || ln -sfn "$f" "$l"
done

# 4. The wrappers (rewritten only when they change, so cargo's fingerprints stay warm).
mkdir -p "$wrap"
write_if_changed() { # FILE, content on stdin
  local tmp
  tmp="$(mktemp)"
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1" && chmod 755 "$1"; fi
}
write_if_changed "$wrap/cc" <<EOF
#!/bin/sh
# C compiler for $target, for a check only (made by scripts/check-macos.sh).
# C goes to zig; Objective-C (needs Apple's SDK) becomes an empty object.
zig='$zig'
out=""; objc=0; prev=""
for a in "\$@"; do
  case "\$prev" in -o) out="\$a" ;; -x) case "\$a" in objective-c*) objc=1 ;; esac ;; esac
  case "\$a" in
    *.m|*.mm|-xobjective-c|-xobjective-c++|-ObjC|-ObjC++) objc=1 ;;
    -o?*) out="\${a#-o}" ;;
  esac
  prev="\$a"
done
if [ "\$objc" = 1 ]; then
  [ -n "\$out" ] || { echo "macos-check cc: Objective-C without -o" >&2; exit 1; }
  echo "macos-check cc: Objective-C needs Apple's SDK; writing an empty object to \$out" >&2
  exec "\$zig" cc -target $zig_target -x c -c /dev/null -o "\$out"
fi
# cc-rs passes Apple clang's target flags; zig takes its target from -target.
skip=0
for a in "\$@"; do
  shift
  if [ "\$skip" = 1 ]; then skip=0; continue; fi
  case "\$a" in
    -arch|-isysroot) skip=1; continue ;;
    --target=*|-mmacosx-version-min=*|-mmacos-version-min=*) continue ;;
  esac
  set -- "\$@" "\$a"
done
exec "\$zig" cc -target $zig_target "\$@"
EOF
write_if_changed "$wrap/ar" <<EOF
#!/bin/sh
exec '$zig' ar "\$@"
EOF

# 5. The check.
t="$(echo "$target" | tr 'a-z-' 'A-Z_')"
tl="$(echo "$target" | tr '-' '_')"
export "CC_$tl=$wrap/cc" "AR_$tl=$wrap/ar"
export "${t}_OPENSSL_LIB_DIR=/usr/lib/$multiarch" "${t}_OPENSSL_INCLUDE_DIR=$ssl_inc"
# Never build OpenSSL from source for the target (a vendored feature would need the SDK too).
export "${t}_OPENSSL_NO_VENDOR=1"

what="every library and binary of the workspace"
(($#)) && what="$*"
say "checking $what for $target (compile and lint only; nothing is linked)"
say "stand-ins: Debian's OpenSSL headers, empty objects for Objective-C (mac-notification-sys, objc2)"
start=$SECONDS
selection=(--workspace)
(($#)) && selection=("$@")
cargo clippy "${selection[@]}" --lib --bins --locked --target "$target" -- -D warnings
say "OK: $what checks for $target ($((SECONDS - start)) s)"
say "not done here (needs a Mac): linking, running, tests, the .app/.dmg bundle, signing"
