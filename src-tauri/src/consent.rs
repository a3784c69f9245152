//! Consent the window cannot forge: questions and file pickers raised by Rust as native
//! dialogs (GTK on Linux, the system's own on Windows and macOS), never pages in the webview.
//!
//! A command that reaches a customer or writes outside the data folder asks here before it
//! does anything (see `fieldline_app::consent`). The dialogs block, so they are shown from a
//! blocking thread, one at a time: a script in the window cannot stack questions to make the
//! technician click through them.

use crate::AppState;
use fieldline_app::consent::{terminal_language, Ask, Confirm, Decision};
use fieldline_ipc::{IpcError, Language};
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_dialog::{DialogExt, FilePath, MessageDialogButtons, MessageDialogKind};

/// One native question at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The language the technician chose in the window (else the system's).
pub fn language<R: Runtime>(app: &AppHandle<R>) -> Language {
    let state = app.state::<AppState>();
    crate::commands::with_store(&state, |s| s.setting(crate::commands::LANGUAGE_KEY))
        .ok()
        .flatten()
        .as_deref()
        .and_then(Language::parse)
        .unwrap_or_else(terminal_language)
}

/// Asks with a native dialog over the main window.
pub struct Native<R: Runtime> {
    pub app: AppHandle<R>,
    /// The language the questions are asked in.
    pub lang: Language,
}

/// A button label with its keyboard mnemonic where the toolkit reads one (GTK: `_A`, shown
/// underlined, Alt+A presses it; Korean labels carry the Latin letter after them, as GNOME
/// does). Elsewhere the label is shown as it is.
fn with_mnemonic(label: &str, key: char, lang: Language) -> String {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return label.to_owned();
    }
    match lang {
        Language::En => match label
            .char_indices()
            .find(|(_, c)| c.eq_ignore_ascii_case(&key))
        {
            Some((i, _)) => format!("{}_{}", &label[..i], &label[i..]),
            None => label.to_owned(),
        },
        Language::Ko => format!("{label}(_{})", key.to_ascii_uppercase()),
    }
}

impl<R: Runtime> Confirm for Native<R> {
    fn confirm(&self, ask: &Ask) -> Decision {
        let lang = self.lang;
        let text = ask.text(lang);
        let (accept, cancel) = (
            with_mnemonic(&text.accept, 'a', lang),
            with_mnemonic(&text.cancel, 'c', lang),
        );
        let _one = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !ask.fits_a_dialog() {
            let mut notice = self
                .app
                .dialog()
                .message(ask.too_long(lang))
                .title(text.title)
                .kind(MessageDialogKind::Warning)
                .buttons(MessageDialogButtons::OkCustom(cancel));
            if let Some(window) = self.app.get_webview_window("main") {
                notice = notice.parent(&window);
            }
            notice.blocking_show();
            return Decision::Unasked(ask.too_long(lang));
        }
        let mut dialog = self
            .app
            .dialog()
            .message(text.body)
            .title(text.title)
            .kind(MessageDialogKind::Warning)
            .buttons(MessageDialogButtons::OkCancelCustom(accept, cancel));
        if let Some(window) = self.app.get_webview_window("main") {
            dialog = dialog.parent(&window);
        }
        if dialog.blocking_show() {
            Decision::Approved
        } else {
            Decision::Declined
        }
    }
}

/// Runs an operation of the operations layer off the async threads, with the store, native
/// questions and the technician's language (read once for the whole operation).
pub async fn operate<R: Runtime, T: Send + 'static>(
    app: &AppHandle<R>,
    op: impl FnOnce(&AppState, &Native<R>, Language) -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let lang = language(&app);
        let native = Native {
            app: app.clone(),
            lang,
        };
        op(&app.state::<AppState>(), &native, lang)
    })
    .await
    .map_err(|e| IpcError::Remote {
        message: format!("the work stopped: {e}"),
    })?
}

/// Asks `ask` natively, off the async threads; `Err` (in the technician's language) unless
/// approved.
pub async fn require<R: Runtime>(app: &AppHandle<R>, ask: Ask) -> Result<(), IpcError> {
    operate(app, move |_, native, lang| {
        native
            .confirm(&ask)
            .require(lang)
            .map_err(|message| IpcError::NotApproved { message })
    })
    .await
}

/// What a native picker is for.
#[derive(Debug, Clone, Copy)]
pub enum Pick {
    /// A folder to download into.
    Folder,
    /// A file to upload.
    File,
    /// Where to save a new file (the suggested name).
    Save,
}

/// A path chosen by the technician in a native picker, or `None` when cancelled. A path
/// typed in the window is never used for a file outside the data folder; at most it says
/// where the picker opens (`start`, else Downloads, else home) and which name it suggests.
pub async fn pick<R: Runtime>(
    app: &AppHandle<R>,
    what: Pick,
    title: (&str, &str),
    suggested: Option<String>,
    start: Option<PathBuf>,
) -> Result<Option<PathBuf>, IpcError> {
    let app = app.clone();
    let title = match language(&app) {
        Language::En => title.0.to_owned(),
        Language::Ko => title.1.to_owned(),
    };
    tauri::async_runtime::spawn_blocking(move || {
        let _one = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut picker = app.dialog().file().set_title(title);
        if let Some(dir) = start
            .filter(|d| d.is_dir())
            .or_else(dirs::download_dir)
            .or_else(dirs::home_dir)
        {
            picker = picker.set_directory(dir);
        }
        if let Some(window) = app.get_webview_window("main") {
            picker = picker.set_parent(&window);
        }
        let chosen: Option<FilePath> = match what {
            Pick::Folder => picker.blocking_pick_folder(),
            Pick::File => {
                if let Some(name) = suggested {
                    picker = picker.set_file_name(name);
                }
                picker.blocking_pick_file()
            }
            Pick::Save => {
                if let Some(name) = suggested {
                    picker = picker.set_file_name(name);
                }
                picker.blocking_save_file()
            }
        };
        Ok(chosen.and_then(|p| p.into_path().ok()))
    })
    .await
    .map_err(|e| IpcError::Remote {
        message: format!("the file picker stopped: {e}"),
    })?
}

/// GTK's mnemonics: the dialogs of Linux and the BSDs.
#[cfg(all(test, not(any(target_os = "windows", target_os = "macos"))))]
mod tests {
    use super::*;

    #[test]
    fn gtk_buttons_get_a_mnemonic_in_both_languages() {
        assert_eq!(with_mnemonic("Allow", 'a', Language::En), "_Allow");
        assert_eq!(with_mnemonic("Cancel", 'c', Language::En), "_Cancel");
        assert_eq!(with_mnemonic("허용", 'a', Language::Ko), "허용(_A)");
    }
}
