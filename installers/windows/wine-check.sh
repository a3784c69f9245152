#!/usr/bin/env bash
# Tries a Fieldline NSIS installer under Wine, in a throwaway prefix, as a user would run it
# silently, and fails on the first thing that is not as it should be:
#
#   installers/windows/wine-check.sh target/installers/Fieldline-0.1.0-setup.exe
#
# 1. `setup.exe /S`: exit 0; fieldline-desktop.exe, fieldline.exe and uninstall.exe in
#    %LOCALAPPDATA%\Programs\Fieldline; the Start-menu shortcut pointing at the app; the
#    HKCU uninstall entry with the installer's version.
# 2. The installed CLI runs (`fieldline.exe --version`, then `fieldline.exe info`, which
#    makes the data folder and its database), with the bcryptprimitives.dll shim on Wine's
#    path (Wine 8 lacks the ProcessPrng that Rust >= 1.78 programs import; the shim is
#    built here from scripts/windows/, never installed). Skipped when that source is absent.
# 3. `uninstall.exe /S`: the files, the shortcut, the uninstall entry and the
#    AppUserModelId key (written here first, as the app does) are gone; the data folder
#    stays.
#
# Not checkable under Wine: the shortcut's AppUserModelID (Wine's shell link takes
# IPropertyStore::SetValue as a stub and stores nothing; the installer's calls are made,
# run with WINEDEBUG=fixme+shell to see them), the window (no WebView2 in Wine), toasts.
# Needs wine and wine64 (Debian 12: 8.0). The installer must be 64-bit (the default of
# fieldline.nsi): Debian's wine64 alone runs no 32-bit program (that needs wine32:i386).
set -euo pipefail

setup="$(realpath "${1:?usage: $0 SETUP.exe}")"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v wine >/dev/null || { echo "wine-check: wine not found (apt install wine wine64)" >&2; exit 127; }

export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="mscoree,mshtml,winemenubuilder.exe=d"
unset DISPLAY WAYLAND_DISPLAY
WINEPREFIX="$(mktemp -d "${TMPDIR:-/tmp}/fieldline-wine-setup.XXXXXX")"
export WINEPREFIX
cleanup() {
  timeout 30 wineserver -k >/dev/null 2>&1 || true
  rm -rf "$WINEPREFIX"
}
trap cleanup EXIT

fail() { echo "wine-check: FAILED: $*" >&2; exit 1; }
ok() { echo "wine-check: ok: $*"; }
w() { timeout 300 wine "$@" </dev/null; }
reg_query() { w reg query "$@" 2>/dev/null | tr -d '\r'; }
reg_exists() { w reg query "$1" >/dev/null 2>&1; } # (Wine's reg says "not found" on stdout)
winpath_u() { winepath -u "$1" 2>/dev/null | tr -d '\r'; }

timeout 300 wineboot --init </dev/null >/dev/null 2>&1 || fail "could not make a Wine prefix"
wineserver -w
local_app_data="$(w cmd /c 'echo %LOCALAPPDATA%' 2>/dev/null | tr -d '\r')"
appdata="$(w cmd /c 'echo %APPDATA%' 2>/dev/null | tr -d '\r')"
inst="$(winpath_u "$local_app_data\\Programs\\Fieldline")"
lnk="$(winpath_u "$appdata\\Microsoft\\Windows\\Start Menu\\Programs\\Fieldline.lnk")"
data="$(winpath_u "$local_app_data\\app.fieldline.console")"
uninst_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\app.fieldline.console'
aumid_key='HKCU\Software\Classes\AppUserModelId\app.fieldline.console'

# 1. Install.
status=0
w "$setup" /S || status=$?
wineserver -w
[ "$status" -eq 0 ] || fail "setup.exe /S exited $status"
ok "setup.exe /S exited 0"
for f in fieldline-desktop.exe fieldline.exe uninstall.exe; do
  [ -f "$inst/$f" ] || fail "$inst/$f not installed"
done
# GNU builds of the app load WebView2Loader.dll from their own folder.
if command -v x86_64-w64-mingw32-objdump >/dev/null &&
  grep -qi 'DLL Name: WebView2Loader.dll' <<<"$(x86_64-w64-mingw32-objdump -p "$inst/fieldline-desktop.exe" 2>/dev/null)"; then
  [ -f "$inst/WebView2Loader.dll" ] || fail "fieldline-desktop.exe imports WebView2Loader.dll, which was not installed"
fi
ok "installed: $(cd "$inst" && printf '%s ' *)"
[ -f "$lnk" ] || fail "no Start-menu shortcut at $lnk"
python3 - "$lnk" <<'EOF' || fail "the shortcut does not point at fieldline-desktop.exe"
import sys
lnk = open(sys.argv[1], "rb").read()
path = "Programs\\Fieldline\\fieldline-desktop.exe"
sys.exit(0 if path.encode() in lnk or path.encode("utf-16-le") in lnk else 1)
EOF
ok "Start-menu shortcut → fieldline-desktop.exe"
entry="$(reg_query "$uninst_key")"
echo "$entry" | grep -q 'DisplayName.*Fieldline' || fail "no uninstall entry under $uninst_key"
version="$(echo "$entry" | awk '$1=="DisplayVersion"{print $3}')"
echo "$entry" | grep -q 'QuietUninstallString' || fail "no QuietUninstallString"
ok "Add/Remove Programs entry (HKCU), version $version"

# 2. The installed CLI runs.
shim_src="$root/scripts/windows/bcryptprimitives.c"
if [ -f "$shim_src" ] && command -v x86_64-w64-mingw32-gcc >/dev/null; then
  shim_dir="$WINEPREFIX/shim"
  mkdir -p "$shim_dir"
  x86_64-w64-mingw32-gcc -shared -O2 -o "$shim_dir/bcryptprimitives.dll" "$shim_src" \
    "$root/scripts/windows/bcryptprimitives.def" -ladvapi32
  export WINEPATH="Z:${shim_dir//\//\\}"
  said="$(w "$inst/fieldline.exe" --version 2>&1 | tr -d '\r')" || fail "fieldline.exe --version: $said"
  [ "$said" = "fieldline $version" ] || fail "fieldline.exe --version said '$said', not 'fieldline $version'"
  ok "installed fieldline.exe --version: $said"
  w "$inst/fieldline.exe" info >/dev/null 2>&1 || fail "fieldline.exe info failed"
  [ -f "$data/fieldline.db" ] || fail "fieldline.exe info made no $data/fieldline.db"
  ok "installed fieldline.exe info made the data folder"
  unset WINEPATH
else
  echo "wine-check: (skipped running the CLI: no scripts/windows/bcryptprimitives.c or mingw)"
  mkdir -p "$data" && echo "stand-in" >"$data/fieldline.db"
fi

# 3. Uninstall (the app would have registered its toast id on its first start).
w reg add "$aumid_key" /v DisplayName /t REG_SZ /d Fieldline /f >/dev/null 2>&1
reg_exists "$aumid_key" || fail "could not write $aumid_key"
status=0
w "$inst/uninstall.exe" /S || status=$?
wineserver -w # the uninstaller runs on from a copy in %TEMP%
[ "$status" -eq 0 ] || fail "uninstall.exe /S exited $status"
[ ! -e "$inst" ] || fail "$inst still there: $(cd "$inst" && printf '%s ' *)"
[ ! -e "$lnk" ] || fail "the shortcut is still there"
! reg_exists "$uninst_key" || fail "the uninstall entry is still there"
! reg_exists "$aumid_key" || fail "$aumid_key is still there"
[ -f "$data/fieldline.db" ] || fail "the uninstaller removed the user's data"
ok "uninstall.exe /S removed files, shortcut, uninstall entry and AppUserModelId key; kept the data folder"
echo "wine-check: passed ($(basename "$setup"))"
