; Fieldline's Windows installer, for NSIS 3 (makensis; Debian 12: apt install nsis).
;
; Built by scripts/build-installers.sh, which passes the version and the paths:
;   makensis -V2 -DVERSION=0.1.0 -DVERSION_QUAD=0.1.0.0 \
;     -DBIN_DIR=/abs/target/x86_64-pc-windows-gnu/debug \
;     -DOUT_FILE=/abs/target/installers/Fieldline-0.1.0-setup.exe \
;     installers/windows/fieldline.nsi
; Relative paths below are relative to this file's folder (makensis changes into it).
;
; What it does:
; - installs for the current user only, without elevation, into
;   %LOCALAPPDATA%\Programs\Fieldline: fieldline-desktop.exe (the app) and fieldline.exe
;   (the CLI), WebView2Loader.dll when the build needs it, and an uninstaller; the CLI is
;   not put on PATH;
; - a Start-menu shortcut "Fieldline" whose AppUserModelID is app.fieldline.console, the
;   id the app's toasts carry, so Windows attributes them to Fieldline (set through the
;   shell's IPropertyStore with NSIS's own System plugin: Debian's nsis has no WinShell
;   plugin, and none is needed);
; - an entry in Settings > Apps (Add/Remove Programs) under HKCU;
; - says so when the Microsoft Edge WebView2 Runtime, which the window needs, is missing
;   (Windows 10 and 11 ship it); setup goes on, since the CLI works without it;
; - English and Korean (chosen from the system's language, or asked when not silent);
; - silent with /S (/D=FOLDER, last, picks another folder); exit status 0, or 2 when it
;   stopped (for instance because Fieldline was running and /S could not ask).
; The uninstaller removes the files, the shortcut, the Add/Remove Programs entry and
; HKCU\Software\Classes\AppUserModelId\app.fieldline.console (which the app writes on every
; start). It keeps the user's data (%LOCALAPPDATA%\app.fieldline.console: the database,
; known_hosts, recordings, the audit log, the WebView2 profile) and the credentials in
; Windows' Credential Manager.

; A 64-bit installer by default, like the app (Debian's makensis ships the amd64 stubs and
; plugins; NSIS's Windows download has only x86 ones: build there with
; -DINSTALLER_TARGET=x86-unicode, a 32-bit installer that compiles from this same script
; but is not tried here, since Debian's wine64 alone runs no 32-bit program).
!define /ifndef INSTALLER_TARGET "amd64-unicode"
Target "${INSTALLER_TARGET}"
Unicode true
ManifestDPIAware true
RequestExecutionLevel user
; LZMA for what ships; a debug build (CI's, for trying the packaging) is packed with zlib,
; in seconds rather than minutes.
!ifdef DEBUG_BUILD
  SetCompressor zlib
!else
  SetCompressor /SOLID lzma
!endif

!ifndef VERSION
  !error "pass -DVERSION=x.y.z (the version of Cargo.toml and tauri.conf.json)"
!endif
!ifndef VERSION_QUAD
  !error "pass -DVERSION_QUAD=x.y.z.0 (four numbers, for the file's version resource)"
!endif
!define /ifndef BIN_DIR "../../target/x86_64-pc-windows-gnu/release"
!define /ifndef OUT_FILE "../../target/installers/Fieldline-${VERSION}-setup.exe"
!define /ifndef ICON_FILE "../../icons/icon.ico"
; -DWEBVIEW2_LOADER=PATH: ship WebView2Loader.dll beside the app (GNU builds load it from
; there; MSVC builds link it in). -DDEBUG_BUILD: say so in the branding line and the file's
; description (debug exes open a console window beside the app: not for shipping).
!ifdef DEBUG_BUILD
  !define BUILD_NOTE " (debug build)"
!else
  !define BUILD_NOTE ""
!endif

!define PRODUCT "Fieldline"
!define APP_EXE "fieldline-desktop.exe"
!define CLI_EXE "fieldline.exe"
; tauri.conf.json's identifier: the toasts' AppUserModelID and the data folder's name.
!define AUMID "app.fieldline.console"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${AUMID}"
!define AUMID_KEY "Software\Classes\AppUserModelId\${AUMID}"
!define SHORTCUT "$SMPROGRAMS\${PRODUCT}.lnk"
; The Evergreen WebView2 Runtime's client id (Microsoft's documented detection keys).
!define WEBVIEW2_CLIENT "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include x64.nsh
!include Win\COM.nsh
!include Win\Propkey.nsh

Name "${PRODUCT}"
OutFile "${OUT_FILE}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT}"
InstallDirRegKey HKCU "${UNINST_KEY}" "InstallLocation"
BrandingText "${PRODUCT} ${VERSION}${BUILD_NOTE}"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION_QUAD}"
VIFileVersion "${VERSION_QUAD}"
VIAddVersionKey /LANG=0 "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileDescription" "${PRODUCT} ${VERSION} Setup${BUILD_NOTE}"
VIAddVersionKey /LANG=0 "LegalCopyright" "MIT License"

!define MUI_ICON "${ICON_FILE}"
!define MUI_UNICON "${ICON_FILE}"
!define MUI_ABORTWARNING
; The language chosen at install time, for the uninstaller (kept in the uninstall key).
!define MUI_LANGDLL_REGISTRY_ROOT HKCU
!define MUI_LANGDLL_REGISTRY_KEY "${UNINST_KEY}"
!define MUI_LANGDLL_REGISTRY_VALUENAME "Installer Language"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "Korean"
!insertmacro MUI_RESERVEFILE_LANGDLL

; The installer's own texts, in both languages (UTF-8).
!include /CHARSET=UTF8 "strings.nsh"

; Sets the AppUserModelID of an existing shortcut: IShellLink + IPersistFile::Load, then
; PKEY_AppUserModel_ID (VT_LPWSTR) through IPropertyStore, then IPersistFile::Save.
; Leaves the HRESULT of the last step in $0 (0 = done).
!macro SetShortcutAppUserModelId LNK ID
  Push $1
  Push $2
  Push $3
  Push $4
  Push $5
  Push $6
  StrCpy $0 -1
  !insertmacro ComHlpr_CreateInProcInstance ${CLSID_ShellLink} ${IID_IShellLink} r1 ""
  ${If} $1 P<> 0
    ${IUnknown::QueryInterface} $1 '("${IID_IPersistFile}",.r2)'
    ${If} $2 P<> 0
      ${IPersistFile::Load} $2 '("${LNK}",${STGM_READWRITE}).r0'
      ${If} $0 = 0
        StrCpy $0 -1
        ${IUnknown::QueryInterface} $1 '("${IID_IPropertyStore}",.r3)'
        ${If} $3 P<> 0
          ; The string, as the PROPVARIANT owns it (CoTaskMemAlloc'd).
          System::Call 'SHLWAPI::SHStrDupW(w "${ID}", *p .r4)i .r0'
          ${If} $0 = 0
            System::Call '*${SYSSTRUCT_PROPERTYKEY}(${PKEY_AppUserModel_ID})p .r5'
            System::Call '*${SYSSTRUCT_PROPVARIANT}(${VT_LPWSTR},,p r4)p .r6'
            ${IPropertyStore::SetValue} $3 '(r5,r6).r0'
            ${If} $0 = 0
              ${IPropertyStore::Commit} $3 '.r0'
            ${EndIf}
            System::Free $5
            System::Free $6
            System::Call 'OLE32::CoTaskMemFree(p r4)'
          ${EndIf}
          ${IUnknown::Release} $3 ""
          ${If} $0 = 0
            ${IPersistFile::Save} $2 '("${LNK}",1).r0'
          ${EndIf}
        ${EndIf}
      ${EndIf}
      ${IUnknown::Release} $2 ""
    ${EndIf}
    ${IUnknown::Release} $1 ""
  ${EndIf}
  Pop $6
  Pop $5
  Pop $4
  Pop $3
  Pop $2
  Pop $1
!macroend

; A running program's file cannot be opened for writing on Windows: that is how setup and
; the uninstaller tell whether Fieldline (window or CLI) still runs, without a plugin.
!macro DefineCheckNotRunning UN
Function ${UN}CheckFileFree ; the file's path on the stack
  Exch $1
  Push $0
  ${Do}
    ${IfNot} ${FileExists} "$1"
      ${Break}
    ${EndIf}
    ClearErrors
    FileOpen $0 "$1" a
    ${IfNot} ${Errors}
      FileClose $0
      ${Break}
    ${EndIf}
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(AppRunning)" /SD IDCANCEL IDRETRY retry
    DetailPrint "$(AppRunning)"
    SetErrorLevel 2
    Abort
    retry:
  ${Loop}
  Pop $0
  Pop $1
FunctionEnd
Function ${UN}CheckNotRunning
  Push "$INSTDIR\${APP_EXE}"
  Call ${UN}CheckFileFree
  Push "$INSTDIR\${CLI_EXE}"
  Call ${UN}CheckFileFree
FunctionEnd
!macroend
!insertmacro DefineCheckNotRunning ""
!insertmacro DefineCheckNotRunning "un."

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "$(Needs64Bit)" /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  ; The app is 64-bit: use the registry as it sees it (a no-op for the 64-bit installer).
  SetRegView 64
  !insertmacro MUI_LANGDLL_DISPLAY
FunctionEnd

Function un.onInit
  SetRegView 64
  !insertmacro MUI_UNGETLANGUAGE
FunctionEnd

; Tells (never blocks) when the WebView2 Runtime is missing: per machine (the 32-bit view,
; where its updater registers it) or per user. Without it the window cannot open, the CLI
; works; the runtime comes from Microsoft, it is not bundled here.
Function CheckWebView2
  Push $0
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_CLIENT}" "pv"
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_CLIENT}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    DetailPrint "$(WebView2Missing)"
    MessageBox MB_OK|MB_ICONINFORMATION "$(WebView2Missing)" /SD IDOK
  ${Else}
    DetailPrint "WebView2 Runtime $0"
  ${EndIf}
  Pop $0
FunctionEnd

Section "${PRODUCT}" SecMain
  SectionIn RO
  SetShellVarContext current
  Call CheckNotRunning

  SetOutPath "$INSTDIR"
  File "${BIN_DIR}/${APP_EXE}"
  File "${BIN_DIR}/${CLI_EXE}"
!ifdef WEBVIEW2_LOADER
  File "${WEBVIEW2_LOADER}"
!endif
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; The shortcut (working folder: $OUTDIR, the install folder), then its AppUserModelID.
  CreateShortcut "${SHORTCUT}" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0 \
    SW_SHOWNORMAL "" "$(ShortcutDescription)"
  !insertmacro SetShortcutAppUserModelId "${SHORTCUT}" "${AUMID}"
  ${If} $0 = 0
    DetailPrint "AppUserModelID ${AUMID}: ${SHORTCUT}"
  ${Else}
    ; Toasts still show: the app registers its id itself on every start.
    DetailPrint "$(AumidFailed) ($0)"
  ${EndIf}

  ; Settings > Apps (Add/Remove Programs), for this user.
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${PRODUCT}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE},0"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  ; (MUI saves it only when its pages run; /S skips them)
  WriteRegStr HKCU "${UNINST_KEY}" "Installer Language" "$LANGUAGE"
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" "$0"

  Call CheckWebView2
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  Call un.CheckNotRunning

  Delete "${SHORTCUT}"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\uninstall.exe"
  ; Only when empty: whatever else someone put there stays.
  RMDir "$INSTDIR"

  DeleteRegKey HKCU "${AUMID_KEY}"
  DeleteRegKey HKCU "${UNINST_KEY}"
  DetailPrint "$(DataKept)"
SectionEnd
