//! The daily backups, in the background: every [`CHECK_EVERY`] (the first a minute after
//! the start) a backup is made when one is due (`fieldline_app::backup::auto_backup_if_due`),
//! on a connection of its own so the window's store stays free. A failure is kept in the
//! settings for Settings → Backup to show, and tried again at the next check.

use crate::AppState;
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};

/// How often the loop looks whether a daily backup is due.
const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);
/// The first look, after the start has settled.
const FIRST_CHECK: Duration = Duration::from_secs(60);

pub fn start<R: Runtime>(app: AppHandle<R>) {
    let Some(data_dir) = app.state::<AppState>().data_dir.clone() else {
        return;
    };
    let failed = crate::worker_failed(&app);
    fieldline_app::log::supervise("fieldline-daily-backup", failed, move || {
        std::thread::sleep(FIRST_CHECK);
        loop {
            let folder = crate::commands::with_store(&app.state::<AppState>(), |s| {
                s.setting(fieldline_app::backup::AUTO_FOLDER_SETTING)
            });
            let now = jiff::Timestamp::now();
            if let Ok(Some(folder)) = folder {
                if fieldline_app::backup::auto_due(std::path::Path::new(&folder), now) {
                    let made = fieldline_store::Store::open(&data_dir).and_then(|mut own| {
                        fieldline_app::backup::auto_backup_if_due(&mut own, now)
                    });
                    match made {
                        Ok(Some(path)) => tracing::info!("daily backup made: {}", path.display()),
                        Ok(None) => {}
                        Err(e) => tracing::warn!("daily backup: {e}"),
                    }
                }
            }
            std::thread::sleep(CHECK_EVERY);
        }
    });
}
