//! The notification loop and the tray icon. One thread runs a round
//! (`fieldline_notify::engine::round`) when a clock is due to cross a threshold, when
//! something changed (a command here, the CLI elsewhere), and at least every
//! [`MAX_SLEEP`]; it shows what is due on the desktop and puts the counts on the tray.
//! Clicking a notification emits `open-item` and brings the window forward.

use crate::AppState;
use fieldline_ipc::{events, OpenItem};
use fieldline_notify::desktop::Desktop;
use fieldline_notify::engine;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;
use tauri::{Emitter, Manager, Runtime};

/// The longest the loop sleeps without a reason to wake.
pub const MAX_SLEEP: Duration = Duration::from_secs(30);

/// Wakes the notification loop (a ticket, the SLA configuration or the settings changed).
#[derive(Clone)]
pub struct Wake(mpsc::Sender<()>);

impl Wake {
    pub fn now(&self) {
        let _ = self.0.send(());
    }
}

/// A handle that wakes no loop (the mock runtime in tests, or before setup).
pub fn detached() -> Wake {
    Wake(mpsc::channel().0)
}

pub fn show_window<R: Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// The tray icon with its menu, or `None` where the desktop has no tray.
fn tray<R: Runtime>(app: &tauri::AppHandle<R>) -> Option<tauri::tray::TrayIcon<R>> {
    use tauri::menu::{Menu, MenuItem};
    use tauri::tray::TrayIconBuilder;
    let open = MenuItem::with_id(app, "open", "Open Fieldline", true, None::<&str>).ok()?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>).ok()?;
    let menu = Menu::with_items(app, &[&open, &quit]).ok()?;
    let mut builder = TrayIconBuilder::with_id("fieldline")
        .tooltip("Fieldline")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => show_window(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    match builder.build(app) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!("no tray icon: {e}");
            None
        }
    }
}

/// Starts the loop; returns the handle that wakes it.
pub fn start<R: Runtime>(app: tauri::AppHandle<R>) -> Wake {
    let (tx, rx) = mpsc::channel::<()>();
    let tray = tray(&app);
    let failed = crate::worker_failed(&app);
    fieldline_app::log::supervise("fieldline-notifications", failed, move || {
        let desktop = Desktop::new("Fieldline");
        // A group's next notification replaces what an earlier run left on the screen.
        if let Ok(guard) = app.state::<AppState>().store.lock() {
            if let Ok(store) = guard.as_ref() {
                let _ = engine::restore_on_screen(store, &desktop);
            }
        }
        let clicked = app.clone();
        desktop.on_open(move |target| {
            show_window(&clicked);
            let _ = clicked.emit(events::OPEN_ITEM, OpenItem { target });
        });
        let mut last_label = String::new();
        loop {
            let state = app.state::<AppState>();
            let now = state.clock.now();
            let round = {
                let Ok(mut guard) = state.store.lock() else {
                    return Err("the store is unavailable after an earlier failure".into());
                };
                match guard.as_mut() {
                    Ok(store) => engine::round(store, &desktop, now),
                    Err(_) => return Ok(()), // no store: nothing to notify about
                }
            };
            let mut sleep = MAX_SLEEP;
            match round {
                Ok(r) => {
                    for (o, e) in &r.failed {
                        tracing::warn!("notification not shown ({}): {e}", o.group);
                    }
                    if let Some(next) = r.next_crossing {
                        let ms = now.duration_until(next).as_millis().max(0);
                        let ms = u64::try_from(ms).unwrap_or(u64::MAX);
                        sleep = sleep.min(Duration::from_millis(ms + 50));
                    }
                    let label = match (r.breached, r.warned) {
                        (0, 0) => "Fieldline".to_string(),
                        (b, w) => format!("Fieldline: {b} SLA breached, {w} warnings"),
                    };
                    if label != last_label {
                        if let Some(t) = &tray {
                            let _ = t.set_tooltip(Some(&label));
                            let _ = t.set_title(
                                (r.breached + r.warned > 0)
                                    .then(|| format!("{}/{}", r.breached, r.warned))
                                    .as_deref(),
                            );
                        }
                        last_label = label;
                    }
                }
                Err(e) => tracing::error!("notification round failed: {e}"),
            }
            match rx.recv_timeout(sleep) {
                Ok(()) => {
                    // Several changes at once make one round.
                    while rx.try_recv().is_ok() {}
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
    });
    Wake(tx)
}
