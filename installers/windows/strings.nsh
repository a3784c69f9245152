; The installer's own texts (UTF-8; fieldline.nsi includes it with /CHARSET=UTF8).
; MUI's pages bring their own English and Korean texts.

LangString ShortcutDescription ${LANG_ENGLISH} "The MSP technician's console"
LangString ShortcutDescription ${LANG_KOREAN} "MSP 기술자를 위한 콘솔"

LangString Needs64Bit ${LANG_ENGLISH} "Fieldline needs 64-bit Windows."
LangString Needs64Bit ${LANG_KOREAN} "Fieldline을 설치하려면 64비트 Windows가 필요합니다."

LangString AppRunning ${LANG_ENGLISH} "Fieldline is running. Close its window and its icon in the notification area (and any fieldline command), then choose Retry."
LangString AppRunning ${LANG_KOREAN} "Fieldline이 실행 중입니다. 창과 알림 영역의 아이콘(그리고 실행 중인 fieldline 명령)을 모두 닫은 뒤 [다시 시도]를 누르세요."

LangString WebView2Missing ${LANG_ENGLISH} "Fieldline's window needs the Microsoft Edge WebView2 Runtime. Windows 10 and 11 include it, but it was not found on this computer.$\r$\n$\r$\nSetup goes on: the fieldline command-line tool works without it, but the window will not open until the runtime is installed. Get the Evergreen WebView2 Runtime from Microsoft (https://developer.microsoft.com/microsoft-edge/webview2/) or ask your IT department."
LangString WebView2Missing ${LANG_KOREAN} "Fieldline 창을 표시하려면 Microsoft Edge WebView2 런타임이 필요합니다. Windows 10과 11에는 기본으로 들어 있지만 이 컴퓨터에서는 찾지 못했습니다.$\r$\n$\r$\n설치는 계속됩니다. fieldline 명령줄 도구는 런타임 없이도 동작하지만, 창은 런타임을 설치해야 열립니다. Microsoft에서 Evergreen WebView2 런타임을 받거나(https://developer.microsoft.com/microsoft-edge/webview2/) IT 담당자에게 문의하세요."

LangString AumidFailed ${LANG_ENGLISH} "Could not give the shortcut Fieldline's notification id; notifications still show"
LangString AumidFailed ${LANG_KOREAN} "바로 가기에 Fieldline 알림 ID를 지정하지 못했습니다. 알림은 그대로 표시됩니다"

LangString DataKept ${LANG_ENGLISH} "Your data stays in $LOCALAPPDATA\app.fieldline.console and your saved credentials in Windows Credential Manager."
LangString DataKept ${LANG_KOREAN} "데이터는 $LOCALAPPDATA\app.fieldline.console 폴더에, 저장된 자격 증명은 Windows 자격 증명 관리자에 그대로 남습니다."
