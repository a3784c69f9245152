//! Shows an [`Outgoing`](crate::plan::Outgoing) through the desktop's notification daemon.
//!
//! - **Replacing**: a notification of a group that is already on the screen replaces it
//!   (the Notify call carries the previous notification's id as `replaces_id`), so a repeat
//!   updates the notification instead of stacking a second one.
//! - **Hostile text stays text**: summaries and bodies come from customers (ticket titles,
//!   endpoint names). Daemons that announce `body-markup` read a subset of HTML in the body
//!   (`<b>`, `<a href>`, `<img>`), so the body is escaped for them; both texts are bounded
//!   ([`SUMMARY_MAX_CHARS`], [`BODY_MAX_CHARS`]) and control characters become spaces.
//! - **Clicking**: a notification with something to open carries the default action; on
//!   Linux and the BSDs a background thread waits for it and calls the callback given to
//!   [`Desktop::on_open`] with the `open` string. The thread ends when the notification is
//!   clicked, closed, or replaced. Elsewhere the notification is only shown.
//! - **Windows**: a toast carries Fieldline's AppUserModelID ([`APP_ID`]), so Windows
//!   shows it as Fieldline's (name, Settings > Notifications entry, Focus rules), not as
//!   PowerShell's, which notify-rust uses when told nothing. Windows drops toasts of an
//!   id it does not know, and only an installer's Start-menu shortcut would make it known,
//!   so before the first toast the id is registered for the current user
//!   (`HKCU\Software\Classes\AppUserModelId\<id>`, its display name); should that
//!   fail, toasts fall back to PowerShell's id rather than not showing at all.
//!
//! [`Desktop::show`] blocks on a D-Bus round trip: call it from a blocking context, not
//! from an async executor's worker.

use crate::plan::{Outgoing, Urgency};
use notify_rust::{Notification, Timeout};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The longest summary shown, in characters, the ellipsis included.
pub const SUMMARY_MAX_CHARS: usize = 120;
/// The longest body shown, in characters (before escaping), the ellipsis included.
pub const BODY_MAX_CHARS: usize = 1_000;
/// The category hint of every Fieldline notification (`x-vendor.class`, as the
/// specification asks of categories it does not define).
pub const CATEGORY: &str = "x-fieldline.alert";
/// The key of the action a click on the notification itself invokes.
pub const OPEN_ACTION: &str = "default";
/// The AppUserModelID of Fieldline's toasts on Windows: the app's identifier (the
/// `identifier` of tauri.conf.json, which Tauri's installers also give the shortcut).
pub const APP_ID: &str = fieldline_store::APP_IDENTIFIER;

type OpenCallback = Arc<dyn Fn(String) + Send + Sync>;

/// A notification the daemon accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    /// The daemon's id for it (0 where the platform has no ids).
    pub id: u32,
}

/// Why a notification could not be shown. Never carries the notification's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// No session bus, or nothing on it owns `org.freedesktop.Notifications`.
    #[error("no notification daemon: {cause}")]
    NoDaemon { cause: String },
    /// A daemon answered, with an error.
    #[error("the notification daemon did not show the notification: {cause}")]
    Failed { cause: String },
}

impl NotifyError {
    fn from_notify(error: &notify_rust::error::Error) -> NotifyError {
        classify(&error.to_string())
    }
}

/// Sorts an error message of notify-rust (zbus underneath on Linux) into the two kinds.
fn classify(cause: &str) -> NotifyError {
    const NO_BUS: [&str; 4] = [
        "I/O error",
        "address error",
        "D-Bus handshake failed",
        "failed to connect to",
    ];
    const NO_OWNER: [&str; 3] = ["ServiceUnknown", "NameHasNoOwner", "Error.NoReply"];
    let cause = cause.trim().to_owned();
    if NO_BUS.iter().any(|p| cause.starts_with(p)) {
        NotifyError::NoDaemon {
            cause: format!("cannot reach the session bus ({cause})"),
        }
    } else if NO_OWNER.iter().any(|p| cause.contains(p)) {
        NotifyError::NoDaemon {
            cause: format!("nothing on the session bus shows notifications ({cause})"),
        }
    } else {
        NotifyError::Failed { cause }
    }
}

/// Shows planned notifications on this desktop. Share one per application (it is `Sync`):
/// it remembers which notification each group has on the screen.
pub struct Desktop {
    app_name: String,
    on_open: Arc<Mutex<Option<OpenCallback>>>,
    #[cfg(all(unix, not(target_os = "macos")))]
    xdg: xdg::State,
    /// The id toasts carry, settled before the first one ([`toast_app_id`]).
    #[cfg(target_os = "windows")]
    app_id: std::sync::OnceLock<Option<&'static str>>,
}

impl fmt::Debug for Desktop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Desktop")
            .field("app_name", &self.app_name)
            .finish_non_exhaustive()
    }
}

impl Desktop {
    /// `app_name` is what the daemon shows as the sender ("Fieldline").
    pub fn new(app_name: &str) -> Desktop {
        Desktop {
            app_name: app_name.to_owned(),
            on_open: Arc::new(Mutex::new(None)),
            #[cfg(all(unix, not(target_os = "macos")))]
            xdg: xdg::State::default(),
            #[cfg(target_os = "windows")]
            app_id: std::sync::OnceLock::new(),
        }
    }

    /// What to do when a notification with an `open` target is clicked: `callback` gets the
    /// target (for example `ticket:12`), on a background thread. Replaces an earlier
    /// callback, also for notifications already on the screen. Linux and the BSDs only;
    /// elsewhere clicks are not reported.
    pub fn on_open(&self, callback: impl Fn(String) + Send + Sync + 'static) {
        *lock(&self.on_open) = Some(Arc::new(callback));
    }

    /// Notes that `group` has the daemon's notification `id` on the screen (shown by an
    /// earlier run), so the group's next notification replaces it. A group already known
    /// in this run keeps what it has.
    pub fn remember(&self, group: &str, id: u32) {
        #[cfg(all(unix, not(target_os = "macos")))]
        self.xdg.remember(group, id);
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        let _ = (group, id);
    }

    /// Shows `n`, replacing the notification its group has on the screen.
    pub fn show(&self, n: &Outgoing) -> Result<Shown, NotifyError> {
        let summary = bounded(&plain(&n.summary, false), SUMMARY_MAX_CHARS);
        let body = bounded(&plain(&n.body, true), BODY_MAX_CHARS);

        let mut notification = Notification::new();
        notification
            .appname(&self.app_name)
            .summary(&summary)
            .timeout(match n.urgency {
                Urgency::Critical => Timeout::Never,
                Urgency::Low | Urgency::Normal => Timeout::Default,
            });
        if n.open.is_some() {
            notification.action(OPEN_ACTION, "Open");
        }
        #[cfg(target_os = "windows")]
        {
            let app_id = self
                .app_id
                .get_or_init(|| toast_app_id(windows::register(APP_ID, &self.app_name).is_ok()));
            if let Some(app_id) = app_id {
                notification.app_id(app_id);
            }
        }

        #[cfg(all(unix, not(target_os = "macos")))]
        {
            self.xdg.show(notification, body, n, &self.on_open)
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            notification.body(&body);
            notification
                .show()
                .map_err(|e| NotifyError::from_notify(&e))?;
            Ok(Shown { id: 0 })
        }
    }
}

/// The AppUserModelID a toast carries: Fieldline's once Windows knows it (`registered`),
/// else none, which notify-rust fills with PowerShell's: a toast under the wrong name
/// beats one Windows drops.
#[cfg_attr(not(target_os = "windows"), allow(dead_code))]
fn toast_app_id(registered: bool) -> Option<&'static str> {
    registered.then_some(APP_ID)
}

/// Windows' registry of the toasts' sender.
#[cfg(target_os = "windows")]
mod windows {
    /// Makes `app_id` known to Windows for the current user under `display_name`, as
    /// Microsoft documents for apps without a package or a Start-menu shortcut. Written on
    /// every start (the same values): a later rename of the app is picked up, and an
    /// installer's shortcut with the same id can live beside it.
    pub(super) fn register(app_id: &str, display_name: &str) -> windows_registry::Result<()> {
        let key = windows_registry::CURRENT_USER
            .create(format!(r"Software\Classes\AppUserModelId\{app_id}"))?;
        key.set_string("DisplayName", display_name)
    }
}

/// The freedesktop.org notification protocol over D-Bus (Linux, the BSDs).
#[cfg(all(unix, not(target_os = "macos")))]
mod xdg {
    use super::{escape_markup, lock, NotifyError, OpenCallback, Shown, CATEGORY};
    use crate::plan::{Outgoing, Urgency};
    use notify_rust::{Hint, Notification, NotificationHandle, NotificationResponse};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    pub(super) struct State {
        /// What each group has on the screen. Locked across the Notify call, so two
        /// notifications of one group never race each other's replacement.
        on_screen: Mutex<HashMap<String, OnScreen>>,
        /// Whether the daemon reads markup in bodies, once it said so.
        body_markup: Mutex<Option<bool>>,
    }

    struct OnScreen {
        id: u32,
        /// Dropped when the notification is replaced, which ends the thread waiting for a
        /// click on it (the daemon reports clicks to the newest sender only).
        _stop_waiting: Option<async_channel::Sender<()>>,
    }

    impl State {
        pub(super) fn remember(&self, group: &str, id: u32) {
            lock(&self.on_screen)
                .entry(group.to_owned())
                .or_insert(OnScreen {
                    id,
                    _stop_waiting: None,
                });
        }

        pub(super) fn show(
            &self,
            mut notification: Notification,
            body: String,
            n: &Outgoing,
            on_open: &Arc<Mutex<Option<OpenCallback>>>,
        ) -> Result<Shown, NotifyError> {
            let body = if self.body_markup() {
                escape_markup(&body)
            } else {
                body
            };
            notification
                .body(&body)
                .urgency(match n.urgency {
                    Urgency::Low => notify_rust::Urgency::Low,
                    Urgency::Normal => notify_rust::Urgency::Normal,
                    Urgency::Critical => notify_rust::Urgency::Critical,
                })
                .hint(Hint::Category(CATEGORY.to_owned()));

            let mut on_screen = lock(&self.on_screen);
            if let Some(previous) = on_screen.get(&n.group) {
                notification.id(previous.id);
            }
            let handle = notification.show().map_err(|e| {
                // Maybe another daemon is starting: ask it again next time.
                *lock(&self.body_markup) = None;
                NotifyError::from_notify(&e)
            })?;
            let id = handle.id();
            let stop_waiting = n
                .open
                .clone()
                .map(|open| wait_for_click(handle, open, Arc::clone(on_open)));
            // Dropping the entry this replaces stops the wait for a click on it.
            on_screen.insert(
                n.group.clone(),
                OnScreen {
                    id,
                    _stop_waiting: stop_waiting,
                },
            );
            Ok(Shown { id })
        }

        fn body_markup(&self) -> bool {
            let mut known = lock(&self.body_markup);
            if let Some(known) = *known {
                return known;
            }
            match notify_rust::get_capabilities() {
                Ok(capabilities) => {
                    let markup = capabilities.iter().any(|c| c == "body-markup");
                    *known = Some(markup);
                    markup
                }
                // Unknown: escaping is the safe side.
                Err(_) => true,
            }
        }
    }

    /// Waits on a thread of its own for a click on the notification behind `handle`, until
    /// the notification is closed or the returned sender is dropped.
    fn wait_for_click(
        handle: NotificationHandle,
        open: String,
        on_open: Arc<Mutex<Option<OpenCallback>>>,
    ) -> async_channel::Sender<()> {
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let waiting = move || {
            let clicked = futures_lite::future::block_on(futures_lite::future::or(
                async {
                    let mut clicked = false;
                    handle
                        .wait_for_action_async(|response| {
                            clicked = matches!(response, NotificationResponse::Default);
                        })
                        .await;
                    clicked
                },
                async {
                    // Err once the sender is dropped: the notification was replaced.
                    let _ = stopped.recv().await;
                    false
                },
            ));
            drop(handle);
            if clicked {
                let callback = lock(&on_open).clone();
                if let Some(callback) = callback {
                    callback(open);
                }
            }
        };
        // Without a thread the notification still shows; a click then does nothing.
        let _ = std::thread::Builder::new()
            .name("fieldline-notify-click".to_owned())
            .spawn(waiting);
        stop
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `text` with control characters as spaces (a body keeps its line breaks).
fn plain(text: &str, keep_newlines: bool) -> String {
    text.chars()
        .map(|c| match c {
            '\n' if keep_newlines => '\n',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// `text` cut to at most `max` characters, ending in "…" when cut.
fn bounded(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
            let mut cut = text[..end].trim_end().to_owned();
            cut.push('…');
            cut
        }
    }
}

/// `text` as markup that reads as exactly `text`.
#[cfg_attr(not(all(unix, not(target_os = "macos"))), allow(dead_code))]
fn escape_markup(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_markup_daemons_read() {
        assert_eq!(
            escape_markup(r#"<a href="x">pwn</a> & <b>"#),
            r#"&lt;a href="x"&gt;pwn&lt;/a&gt; &amp; &lt;b&gt;"#
        );
        assert_eq!(escape_markup("&amp;"), "&amp;amp;");
        assert_eq!(escape_markup("plain 한글"), "plain 한글");
    }

    #[test]
    fn bounds_at_a_char_boundary_with_an_ellipsis() {
        assert_eq!(bounded("short", 120), "short");
        let exact = "a".repeat(120);
        assert_eq!(bounded(&exact, 120), exact);
        let long = "가".repeat(500);
        let cut = bounded(&long, 120);
        assert_eq!(cut.chars().count(), 120);
        assert!(cut.ends_with('…'));
        assert!(cut.starts_with("가가"));
        assert_eq!(bounded("abc   defgh", 7), "abc…");
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(plain("a\nb\tc\u{1b}[31m", false), "a b c [31m");
        assert_eq!(plain("a\nb\r\n", true), "a\nb \n");
    }

    /// Windows attributes toasts by this id; it must stay the app's identifier.
    #[test]
    fn toasts_carry_the_apps_identifier() {
        let conf = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tauri.conf.json"
        ))
        .expect("tauri.conf.json");
        let conf: serde_json::Value = serde_json::from_str(&conf).expect("tauri.conf.json");
        assert_eq!(conf["identifier"].as_str(), Some(APP_ID));
        assert_eq!(toast_app_id(true), Some("app.fieldline.console"));
        // Not registered: notify-rust's default (PowerShell's), so the toast still shows.
        assert_eq!(toast_app_id(false), None);
    }

    #[test]
    fn errors_say_whether_a_daemon_is_missing() {
        let no_bus = classify("I/O error: No such file or directory (os error 2)");
        assert!(matches!(no_bus, NotifyError::NoDaemon { .. }));
        assert!(no_bus
            .to_string()
            .starts_with("no notification daemon: cannot reach the session bus"));
        let no_owner =
            classify("org.freedesktop.DBus.Error.ServiceUnknown: The name is not activatable");
        assert!(matches!(no_owner, NotifyError::NoDaemon { .. }));
        let refused = classify("org.freedesktop.DBus.Error.InvalidArgs: bad hint");
        assert!(matches!(refused, NotifyError::Failed { .. }));
    }
}
