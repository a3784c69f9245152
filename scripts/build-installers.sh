#!/usr/bin/env bash
# Builds Fieldline's installers on Debian/Ubuntu, into target/installers/:
#
#   Fieldline-VERSION-setup.exe   Windows (x86-64), per-user NSIS installer of
#                                 fieldline-desktop.exe and fieldline.exe, cross-built with
#                                 mingw (x86_64-pc-windows-gnu) and Debian's makensis from
#                                 installers/windows/fieldline.nsi
#   Fieldline_VERSION_amd64.deb   Linux, through Tauri's bundler (the app, its menu entry
#   Fieldline-VERSION-1.x86_64.rpm  and icons, and the CLI as /usr/bin/fieldline)
#   SHA256SUMS, and FILE.sha256 beside each installer
#
# Usage: scripts/build-installers.sh [--release] [--prebuilt] [--no-windows] [--no-deb] [--no-wine]
#   (default)     debug builds: quick, for trying the packaging (not for shipping; a debug
#                 fieldline-desktop.exe opens a console window beside the app)
#   --release     release builds of everything (what ships)
#   --prebuilt    package what scripts/test.sh built, without building it again:
#                 fieldline.exe and fieldline-desktop.exe of its Windows leg (Cargo profile
#                 under-wine) and the Linux fieldline of its tests (debug); the .deb's app is
#                 still built by Tauri's bundler
#   --no-windows  skip the Windows installer;  --no-deb  skip the .deb
#   --no-wine     skip installing and uninstalling the Windows installer under Wine
#
# Installs what it needs when missing (idempotent): Debian's nsis and mingw, the Rust target
# x86_64-pc-windows-gnu, the UI's npm packages, and the Tauri CLI from npm
# (@tauri-apps/cli, its Linux binary comes from npm too) into ~/.cache/fieldline, which takes
# seconds where `cargo install tauri-cli` takes minutes.
#
# Not here: Tauri's own Windows bundles (its NSIS bundler downloads plugins from GitHub, and
# WiX runs only on Windows), the AppImage (downloads a helper), signing, and the MSVC build
# that a shipped Windows installer should carry (needs Windows).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export PATH="$HOME/.cargo/bin:$PATH"

TAURI_CLI_VERSION=2.12.6
WIN_TARGET=x86_64-pc-windows-gnu
release=0 windows=1 deb=1 wine_check=1 prebuilt=0
for a in "$@"; do
  case "$a" in
    --release) release=1 ;;
    --prebuilt) prebuilt=1 ;;
    --no-windows) windows=0 ;;
    --no-deb) deb=0 ;;
    --no-wine) wine_check=0 ;;
    -h | --help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-installers: unknown option $a (see --help)" >&2; exit 2 ;;
  esac
done
profile=debug cargo_profile=()
((release)) && profile=release cargo_profile=(--release)
tools="${FIELDLINE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fieldline}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
out="$target_dir/installers"
mkdir -p "$out"

say() { printf '\n==> %s\n' "$*"; }
took() { printf '    (%s: %d s)\n' "$1" "$((SECONDS - $2))"; }

# --- what it needs ---------------------------------------------------------------------
need_pkgs=()
((windows)) && need_pkgs+=(nsis gcc-mingw-w64-x86-64)
((deb)) && need_pkgs+=(dpkg-dev file)
missing=()
for p in "${need_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "build-installers: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ((windows)) && ! grep -qx "$WIN_TARGET" <<<"$(rustup target list --installed)"; then
  rustup target add "$WIN_TARGET"
fi
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  say "installing the UI's npm packages"
  npm --prefix ui ci --no-audit --no-fund --loglevel=error
fi

# --- the version: Cargo.toml and tauri.conf.json must agree -----------------------------
version="$(cargo metadata --no-deps --format-version 1 --locked |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="fieldline-desktop"))')"
conf_version="$(python3 -c 'import json; print(json.load(open("tauri.conf.json"))["version"])')"
if [ "$version" != "$conf_version" ]; then
  echo "build-installers: Cargo.toml says $version, tauri.conf.json says $conf_version" >&2
  exit 1
fi
numeric="${version%%[-+]*}"
[[ "$numeric" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "build-installers: odd version $version" >&2; exit 1; }
echo "build-installers: Fieldline $version, $profile build"

artefacts=()

# --- Windows ---------------------------------------------------------------------------
if ((windows)); then
  if ((!prebuilt)); then
    say "UI build (embedded into fieldline-desktop.exe)"
    t=$SECONDS
    npm --prefix ui run build --silent
    took "UI" $t
  fi

  say "Windows exes ($WIN_TARGET, $profile)"
  t=$SECONDS
  bin="$target_dir/$WIN_TARGET/$profile"
  ((prebuilt)) && bin="$target_dir/$WIN_TARGET/under-wine"
  if ((prebuilt)); then
    for exe in fieldline-desktop.exe fieldline.exe; do
      [ -f "$bin/$exe" ] || { echo "build-installers: --prebuilt, but $bin/$exe is missing" >&2; exit 1; }
    done
    echo "    (--prebuilt: $bin/fieldline-desktop.exe and fieldline.exe as they are)"
  else
    nice cargo build --locked "${cargo_profile[@]}" --target "$WIN_TARGET" -p fieldline-desktop -p fieldline-cli
    took "cargo build" $t
  fi

  # With the GNU toolchain, webview2-com loads WebView2's loader from a DLL beside the exe
  # (MSVC builds link it statically): ship it when the exe imports it.
  loader_def=()
  imports="$(x86_64-w64-mingw32-objdump -p "$bin/fieldline-desktop.exe" | grep 'DLL Name:')"
  if grep -qi 'DLL Name: WebView2Loader.dll' <<<"$imports"; then
    [ -f "$bin/WebView2Loader.dll" ] || { echo "build-installers: $bin/WebView2Loader.dll missing" >&2; exit 1; }
    loader_def=(-DWEBVIEW2_LOADER="$bin/WebView2Loader.dll")
  fi

  # What is packed: the two programs without their symbols and debug information (a debug
  # build's 250 MB become a few dozen, and LZMA packs them in seconds, not minutes).
  stage="$out/windows-$profile"
  rm -rf "$stage" && mkdir -p "$stage"
  for exe in fieldline-desktop.exe fieldline.exe; do
    x86_64-w64-mingw32-strip -o "$stage/$exe" "$bin/$exe"
  done

  say "NSIS installer"
  t=$SECONDS
  setup="$out/Fieldline-$version-setup.exe"
  debug_def=()
  ((release)) || debug_def=(-DDEBUG_BUILD)
  nice makensis -V2 \
    -DVERSION="$version" -DVERSION_QUAD="$numeric.0" \
    -DBIN_DIR="$stage" -DOUT_FILE="$setup" -DICON_FILE="$root/icons/icon.ico" \
    "${loader_def[@]}" "${debug_def[@]}" installers/windows/fieldline.nsi
  took "makensis" $t
  artefacts+=("$setup")

  if ((wine_check)) && command -v wine >/dev/null; then
    say "the installer under Wine (silent install, then silent uninstall)"
    t=$SECONDS
    installers/windows/wine-check.sh "$setup"
    took "Wine check" $t
  elif ((wine_check)); then
    echo "build-installers: wine not found; the installer was not tried (apt install wine wine64)"
  fi
fi

# --- Linux .deb ------------------------------------------------------------------------
if ((deb)); then
  tauri_prefix="$tools/tauri-cli-$TAURI_CLI_VERSION"
  tauri="$tauri_prefix/node_modules/.bin/tauri"
  if [ ! -x "$tauri" ] || [ "$("$tauri" --version 2>/dev/null)" != "tauri-cli $TAURI_CLI_VERSION" ]; then
    say "installing the Tauri CLI $TAURI_CLI_VERSION (npm) into $tauri_prefix"
    mkdir -p "$tauri_prefix"
    npm install --prefix "$tauri_prefix" --no-save --no-audit --no-fund --loglevel=error \
      "@tauri-apps/cli@$TAURI_CLI_VERSION"
  fi

  say "Linux CLI ($profile), packaged as /usr/bin/fieldline"
  t=$SECONDS
  if ((prebuilt)); then
    [ -f "$target_dir/$profile/fieldline" ] || { echo "build-installers: --prebuilt, but $target_dir/$profile/fieldline is missing" >&2; exit 1; }
    echo "    (--prebuilt: $target_dir/$profile/fieldline as it is)"
  else
    nice cargo build --locked "${cargo_profile[@]}" -p fieldline-cli
    took "cargo build" $t
  fi

  # tauri.conf.json packages target/release/fieldline: name the CLI built for this bundle
  # instead (the debug one for a debug bundle; CARGO_TARGET_DIR honoured).
  cli_file="{\"/usr/bin/fieldline\":\"$target_dir/$profile/fieldline\"}"
  tauri_args=(--ci --bundles deb,rpm
    --config "{\"bundle\":{\"linux\":{\"deb\":{\"files\":$cli_file},\"rpm\":{\"files\":$cli_file}}}}")
  ((release)) || tauri_args+=(--debug)
  t=$SECONDS
  if ((prebuilt)); then
    # The app its tests built (target/debug/fieldline-desktop), bundled as it is: `tauri
    # build` would compile much of the tree again with the bundle's features.
    say ".deb and .rpm through Tauri's bundler ($profile; the app as built)"
    [ -f "$target_dir/$profile/fieldline-desktop" ] || { echo "build-installers: --prebuilt, but $target_dir/$profile/fieldline-desktop is missing" >&2; exit 1; }
    nice "$tauri" bundle "${tauri_args[@]}"
    took "tauri bundle" $t
  else
    say ".deb and .rpm through Tauri's bundler ($profile; builds the UI and the app)"
    nice "$tauri" build "${tauri_args[@]}" -- --locked
    took "tauri build" $t
  fi
  deb_file="$target_dir/$profile/bundle/deb/Fieldline_${version}_amd64.deb"
  rpm_file="$target_dir/$profile/bundle/rpm/Fieldline-${version}-1.x86_64.rpm"
  for f in "$deb_file" "$rpm_file"; do
    [ -f "$f" ] || { echo "build-installers: $f not made" >&2; exit 1; }
    cp -f "$f" "$out/"
    artefacts+=("$out/$(basename "$f")")
  done
  deb_file="$out/$(basename "$deb_file")"

  say "the .deb: dpkg-deb --info"
  dpkg-deb --info "$deb_file"
  say "the .deb: dpkg-deb --contents"
  dpkg-deb --contents "$deb_file"
  contents="$(dpkg-deb --contents "$deb_file" | awk '{sub(/^\.\//, "", $6); print $6}')"
  for f in usr/bin/fieldline-desktop usr/bin/fieldline usr/share/applications/Fieldline.desktop \
    usr/share/doc/fieldline/THIRD-PARTY-LICENSES.md; do
    grep -qx "$f" <<<"$contents" || { echo "build-installers: $f missing from the .deb" >&2; exit 1; }
  done
  echo "    (has /usr/bin/fieldline-desktop, /usr/bin/fieldline, the menu entry and the third-party licences)"
fi

# --- sizes and checksums ---------------------------------------------------------------
if ((${#artefacts[@]})); then
  say "artefacts ($profile)"
  (cd "$out" && sha256sum "${artefacts[@]##*/}" >SHA256SUMS)
  for f in "${artefacts[@]}"; do
    # FILE.sha256 beside each installer (`sha256sum -c FILE.sha256` in target/installers/).
    (cd "$out" && sha256sum "${f##*/}" >"${f##*/}.sha256")
    size=$(stat -c %s "$f")
    printf '%s\n    %d bytes (%s)\n    sha256 %s\n' "$f" "$size" "$(numfmt --to=iec-i --suffix=B "$size")" \
      "$(sha256sum "$f" | cut -d' ' -f1)"
  done
  echo "$out/SHA256SUMS"
fi
