//! Restoring a backup of the store, whichever front door asks: `fieldline restore` and
//! Settings → Restore. (Making one needs no question: `Store::backup_folder`.)
//!
//! A restore replaces everything the technician sees, so it is asked first as an
//! [`Ask::Restore`]. The CLI restores at once (the app must be closed: the store refuses
//! a database another process has open). The app cannot let go of its own database while
//! it runs, so it *stages* the restore: the backup is checked (on a copy; nothing changes),
//! a note naming it is left in the data folder, and the app restarts; the next start
//! restores before it opens the store ([`finish_staged`]) and the window says how it went.

use crate::consent::{Ask, BackupMade, Confirm, Held};
use fieldline_ipc::{IpcError, Language, RestoreOutcome};
use fieldline_keychain::SecretStore;
use fieldline_ssh::profile::AuthMethod;
use fieldline_store::backup::{self, RestoreReport};
use fieldline_store::{Store, StoreError};
use fieldline_sync::secret::kept_token;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The note in the data folder that asks the next start of the app to restore a backup:
/// the backup's path, alone, as UTF-8.
pub const STAGED_FILE: &str = "restore-staged";

/// How long a starting app waits for the one it replaces to close the database.
pub const WAIT_FOR_PREVIOUS: Duration = Duration::from_secs(15);

/// The named tables of `rows`, as a question or a summary shows them.
pub fn holds(rows: &BTreeMap<String, i64>) -> Vec<(Held, i64)> {
    Held::ALL
        .iter()
        .map(|(held, table)| (*held, rows.get(*table).copied().unwrap_or(0)))
        .collect()
}

/// The question for restoring `source` into `data_dir`: what is replaced by what (from
/// the backup's manifest, when it is a backup folder), and what is kept.
pub fn question(source: &Path, data_dir: &Path, restarts: bool) -> Result<Ask, IpcError> {
    if !backup::backup_database(source).is_file() {
        return Err(IpcError::Store {
            message: format!(
                "{} is neither a backup folder (with fieldline.db) nor a database file. Nothing was changed.",
                source.display()
            ),
        });
    }
    let manifest = if source.is_dir() {
        backup::read_manifest(source)?
    } else {
        None
    };
    Ok(Ask::Restore {
        backup: source.display().to_string(),
        data_dir: data_dir.display().to_string(),
        made: manifest.map(|m| BackupMade {
            holds: holds(&m.rows),
            created: when(&m.created),
            fieldline: m.fieldline,
            schema: m.schema,
            files: m.files,
        }),
        restarts,
    })
}

/// A manifest's time as a person reads it (`2026-12-08 00:40 UTC`); as written when it is
/// not a time.
fn when(created: &str) -> String {
    created
        .parse::<jiff::Timestamp>()
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| created.to_owned())
}

fn ask(
    source: &Path,
    data_dir: &Path,
    restarts: bool,
    confirm: &dyn Confirm,
    lang: Language,
) -> Result<(), IpcError> {
    confirm
        .confirm(&question(source, data_dir, restarts)?)
        .require(lang)
        .map_err(|message| IpcError::NotApproved { message })
}

/// Restores `source` into `data_dir` now, once the technician allowed it (the CLI; no
/// other process may have the database open).
pub fn restore_now(
    source: &Path,
    data_dir: &Path,
    confirm: &dyn Confirm,
    lang: Language,
) -> Result<RestoreReport, IpcError> {
    ask(source, data_dir, false, confirm, lang)?;
    Ok(backup::restore(source, data_dir)?)
}

/// The app's restore, first half: asks (saying the app restarts), checks that `source` can
/// be restored without changing anything, and leaves the note for the next start. The
/// caller then restarts the app.
pub fn stage(
    source: &Path,
    data_dir: &Path,
    confirm: &dyn Confirm,
    lang: Language,
) -> Result<(), IpcError> {
    ask(source, data_dir, true, confirm, lang)?;
    backup::check(source, data_dir)?;
    let source = std::path::absolute(source).map_err(|e| IpcError::Store {
        message: format!("{}: {e}", source.display()),
    })?;
    let note = data_dir.join(STAGED_FILE);
    fieldline_fs::write_private(&note, source.to_string_lossy().as_bytes()).map_err(|e| {
        IpcError::Store {
            message: format!("cannot write {}: {e}", note.display()),
        }
    })
}

/// The app's restore, second half, as it starts and before it opens the store: restores
/// the backup a previous run staged, if there is one. The note goes first, so a restore
/// that fails is reported once, not tried again at every start. Waits up to `wait` for
/// the previous run to close the database.
pub fn finish_staged(data_dir: &Path, wait: Duration) -> Option<Staged> {
    let note = data_dir.join(STAGED_FILE);
    let text = std::fs::read(&note).ok()?;
    let source = PathBuf::from(String::from_utf8_lossy(&text).into_owned());
    if let Err(e) = std::fs::remove_file(&note) {
        return Some(Staged {
            backup: source,
            result: Err(format!(
                "cannot remove {}, so the restore was not done: {e}",
                note.display()
            )),
        });
    }
    let result = if backup::wait_until_unused(data_dir, wait) {
        backup::restore(&source, data_dir).map_err(|e| e.to_string())
    } else {
        Err(format!(
            "{} stayed in use by another Fieldline, so the backup was not restored. Nothing \
             was changed: close every Fieldline window and command, then restore again",
            data_dir.join(fieldline_store::DATABASE_FILE).display()
        ))
    };
    Some(Staged {
        backup: source,
        result,
    })
}

/// What a start did with a staged restore.
#[derive(Debug)]
pub struct Staged {
    pub backup: PathBuf,
    pub result: Result<RestoreReport, String>,
}

impl Staged {
    /// As the window shows it, with what needs a secret again (read from the restored
    /// store, once it is open).
    pub fn outcome(&self, store: Option<&Store>, secrets: &dyn SecretStore) -> RestoreOutcome {
        let (error, set_aside) = match &self.result {
            Ok(report) => (
                None,
                report
                    .set_aside
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
            ),
            Err(e) => (Some(e.clone()), Vec::new()),
        };
        let missing = match (&self.result, store) {
            (Ok(_), Some(store)) => secrets_to_enter(store, secrets),
            _ => SecretsToEnter::default(),
        };
        RestoreOutcome {
            backup: self.backup.display().to_string(),
            error,
            set_aside,
            profiles_without_secret: missing.profiles,
            connections_without_secret: missing.connections,
        }
    }
}

/// What the keychain of this computer lacks for the restored store: secrets are never in
/// a backup, so another computer (or a keychain that lost them) needs them entered again.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SecretsToEnter {
    /// Credential profiles that keep a key or password in the keychain and find none.
    pub profiles: Vec<String>,
    /// Helpdesk connections without their token.
    pub connections: Vec<String>,
}

/// The names of what needs its secret entered again after a restore (empty lists when the
/// store cannot be read: the window shows the store's own error then).
pub fn secrets_to_enter(store: &Store, secrets: &dyn SecretStore) -> SecretsToEnter {
    let profiles = store
        .ssh_profiles::<fieldline_ssh::profile::CredentialProfile>()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| {
            !matches!(
                p.method,
                AuthMethod::Agent | AuthMethod::Key { key_file: Some(_) }
            )
        })
        .map(|p| crate::profiles::view(secrets, p))
        .filter(|v| !v.has_secret)
        .map(|v| v.profile.name)
        .collect();
    let connections = store
        .connections()
        .unwrap_or_default()
        .into_iter()
        .filter(|c| kept_token(secrets, c, Some(c)).is_err())
        .map(|c| c.name)
        .collect();
    SecretsToEnter {
        profiles,
        connections,
    }
}

/// The setting that holds the folder of the daily backups (absent: none are made).
pub const AUTO_FOLDER_SETTING: &str = "backup.daily_folder";
/// The setting that holds why the last daily backup failed (absent after a success).
pub const AUTO_ERROR_SETTING: &str = "backup.daily_error";
/// Daily backups kept in their folder; older ones Fieldline made there are removed.
pub const AUTO_KEEP: usize = 7;
/// How old the newest backup in the folder may get before the next one is made.
pub const AUTO_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// The daily backups as Settings shows them.
pub fn auto_view(store: &Store) -> Result<fieldline_ipc::AutoBackup, StoreError> {
    let folder = store.setting(AUTO_FOLDER_SETTING)?;
    let newest = folder
        .as_deref()
        .and_then(|f| backup::backups_in(Path::new(f)).pop())
        .map(|(time, _)| time.to_string());
    Ok(fieldline_ipc::AutoBackup {
        folder,
        keep: AUTO_KEEP as u32,
        newest,
        error: store.setting(AUTO_ERROR_SETTING)?,
    })
}

/// Makes the daily backups in `folder` (one the technician picked: outside the data folder,
/// so only ever from a native picker or the CLI), or none (`None`).
pub fn set_auto_folder(store: &mut Store, folder: Option<&Path>) -> Result<(), StoreError> {
    match folder {
        Some(f) => {
            let f = std::path::absolute(f).map_err(|source| StoreError::Io {
                path: f.to_path_buf(),
                source,
            })?;
            store.set_setting(AUTO_FOLDER_SETTING, &f.to_string_lossy())?;
        }
        None => store.delete_setting(AUTO_FOLDER_SETTING)?,
    }
    store.delete_setting(AUTO_ERROR_SETTING)?;
    Ok(())
}

/// The daily backup, when one is due: daily backups are on and the newest backup in their
/// folder is [`AUTO_EVERY`] old (or there is none). Then the oldest beyond [`AUTO_KEEP`]
/// are removed. A failure (a drive unplugged, a full disk) is kept for Settings to show
/// and tried again at the next call; a success clears it. The backup made, if one was.
pub fn auto_backup_if_due(
    store: &mut Store,
    now: jiff::Timestamp,
) -> Result<Option<PathBuf>, StoreError> {
    let Some(folder) = store.setting(AUTO_FOLDER_SETTING)? else {
        return Ok(None);
    };
    let folder = PathBuf::from(folder);
    if !auto_due(&folder, now) {
        return Ok(None);
    }
    let made = store.backup_folder(&folder).and_then(|report| {
        backup::prune_backups(&folder, AUTO_KEEP)?;
        Ok(report.folder)
    });
    match made {
        Ok(path) => {
            store.delete_setting(AUTO_ERROR_SETTING)?;
            Ok(Some(path))
        }
        Err(e) => {
            store.set_setting(AUTO_ERROR_SETTING, &e.to_string())?;
            Err(e)
        }
    }
}

/// Whether a daily backup into `folder` is due at `now`: its newest backup is
/// [`AUTO_EVERY`] old, or it has none.
pub fn auto_due(folder: &Path, now: jiff::Timestamp) -> bool {
    backup::backups_in(folder)
        .pop()
        .is_none_or(|(newest, _)| now.duration_since(newest) >= AUTO_EVERY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Decision;
    use crate::testing::Recorded;
    use fieldline_keychain::SecretError;
    use fieldline_ssh::profile::{self, CredentialProfile};
    use std::sync::Mutex;

    /// A keychain in memory.
    #[derive(Default)]
    struct Secrets(Mutex<BTreeMap<String, String>>);

    impl SecretStore for Secrets {
        fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
            Ok(self.0.lock().expect("lock").get(account).cloned())
        }
        fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
            self.0
                .lock()
                .expect("lock")
                .insert(account.into(), secret.into());
            Ok(())
        }
        fn delete(&self, account: &str) -> Result<(), SecretError> {
            self.0.lock().expect("lock").remove(account);
            Ok(())
        }
    }

    /// A data folder whose store has the password profile `ops` and the setting
    /// `marker = backed-up`, backed up; then the setting is changed. The backup folder.
    fn backed_up_then_changed(data: &Path, backups: &Path) -> PathBuf {
        let mut store = Store::open(data).expect("store");
        let ops = CredentialProfile {
            name: "ops".into(),
            user: None,
            method: AuthMethod::Password,
        };
        store.put_ssh_profile("ops", &ops).expect("profile");
        store.set_setting("marker", "backed-up").expect("setting");
        let folder = store.backup_folder(backups).expect("backup").folder;
        store.set_setting("marker", "changed").expect("setting");
        folder
    }

    fn marker(data: &Path) -> Option<String> {
        Store::open(data)
            .expect("store")
            .setting("marker")
            .expect("setting")
    }

    #[test]
    fn the_app_stages_a_restore_only_when_allowed_and_only_a_sound_backup() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (data, backups) = (dir.path().join("data"), dir.path().join("usb"));
        let folder = backed_up_then_changed(&data, &backups);
        let note = data.join(STAGED_FILE);

        let no = Recorded::answering(Decision::Declined);
        let refused = stage(&folder, &data, &no, Language::Ko).expect_err("declined");
        assert!(
            matches!(refused, IpcError::NotApproved { .. }),
            "{refused:?}"
        );
        let asked = no.asked();
        match &asked[..] {
            [Ask::Restore {
                backup,
                made: Some(made),
                restarts: true,
                ..
            }] => {
                assert_eq!(backup, &folder.display().to_string());
                assert!(
                    made.holds.contains(&(Held::CredentialProfiles, 1)),
                    "{made:?}"
                );
                assert!(made.files.contains(&"fieldline.db".to_owned()), "{made:?}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!note.exists(), "declined: no note");

        // A file that is no Fieldline database is refused before any note, even allowed.
        let yes = Recorded::answering(Decision::Approved);
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"not a database at all, just bytes").expect("junk");
        let bad = stage(&junk, &data, &yes, Language::En).expect_err("junk");
        assert!(bad.to_string().contains("cannot be restored"), "{bad}");
        assert!(!note.exists(), "refused: no note");
        let missing = stage(&dir.path().join("nowhere"), &data, &yes, Language::En)
            .expect_err("nothing there");
        assert!(
            missing.to_string().contains("neither a backup folder"),
            "{missing}"
        );

        stage(&folder, &data, &yes, Language::En).expect("staged");
        let staged = std::fs::read_to_string(&note).expect("note");
        assert_eq!(Path::new(&staged), folder.as_path());
        assert_eq!(
            marker(&data).as_deref(),
            Some("changed"),
            "nothing restored yet"
        );
    }

    #[test]
    fn the_next_start_restores_once_and_says_what_needs_a_secret() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (data, backups) = (dir.path().join("data"), dir.path().join("usb"));
        let folder = backed_up_then_changed(&data, &backups);
        let yes = Recorded::answering(Decision::Approved);
        assert!(
            finish_staged(&data, Duration::ZERO).is_none(),
            "nothing staged"
        );

        // The previous run still has the database open: refused, reported, not retried.
        stage(&folder, &data, &yes, Language::En).expect("staged");
        let previous = Store::open(&data).expect("the previous run's store");
        let busy = finish_staged(&data, Duration::from_millis(300)).expect("staged");
        let why = busy.result.as_ref().expect_err("in use");
        assert!(
            why.contains("stayed in use") && why.contains("Nothing was changed"),
            "{why}"
        );
        assert!(!data.join(STAGED_FILE).exists(), "reported once");
        assert!(finish_staged(&data, Duration::ZERO).is_none());
        drop(previous);
        assert_eq!(marker(&data).as_deref(), Some("changed"));

        stage(&folder, &data, &yes, Language::En).expect("staged");
        let done = finish_staged(&data, WAIT_FOR_PREVIOUS).expect("staged");
        let report = done.result.as_ref().expect("restored");
        assert!(!report.set_aside.is_empty(), "{report:?}");
        assert_eq!(marker(&data).as_deref(), Some("backed-up"));
        assert!(finish_staged(&data, Duration::ZERO).is_none(), "once");

        let store = Store::open(&data).expect("store");
        let empty = Secrets::default();
        let outcome = done.outcome(Some(&store), &empty);
        assert_eq!(outcome.error, None);
        assert_eq!(outcome.backup, folder.display().to_string());
        assert_eq!(outcome.profiles_without_secret, vec!["ops".to_owned()]);
        let kept = Secrets::default();
        kept.set(&profile::ssh_password_account("ops"), "pw")
            .expect("secret");
        assert!(done
            .outcome(Some(&store), &kept)
            .profiles_without_secret
            .is_empty());
    }

    #[test]
    fn daily_backups_come_when_due_keep_seven_and_say_why_they_failed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (data, usb) = (dir.path().join("data"), dir.path().join("usb"));
        let mut store = Store::open(&data).expect("store");
        let start = jiff::Timestamp::now();
        assert_eq!(auto_backup_if_due(&mut store, start).expect("off"), None);

        // What is not a backup Fieldline made stays, whatever the pruning.
        std::fs::create_dir_all(usb.join("holiday photos")).expect("dir");
        std::fs::create_dir_all(usb.join("fieldline-backup-20200101T000000.000Z")).expect("dir");
        set_auto_folder(&mut store, Some(&usb)).expect("on");
        let first = auto_backup_if_due(&mut store, start).expect("first");
        assert!(first.is_some_and(|f| f.join("manifest.json").is_file()));
        assert_eq!(
            auto_backup_if_due(&mut store, start).expect("not due"),
            None
        );
        let hours = |h: i64| start + jiff::SignedDuration::from_hours(h);
        assert_eq!(
            auto_backup_if_due(&mut store, hours(23)).expect("not yet"),
            None
        );
        for day in 1..=8 {
            assert!(auto_backup_if_due(&mut store, hours(24 * day + 1))
                .expect("due")
                .is_some());
        }
        assert_eq!(backup::backups_in(&usb).len(), AUTO_KEEP);
        assert!(usb.join("holiday photos").is_dir());
        assert!(usb.join("fieldline-backup-20200101T000000.000Z").is_dir());
        let view = auto_view(&store).expect("view");
        assert_eq!(view.folder.as_deref(), Some(usb.to_str().expect("utf-8")));
        assert_eq!(view.keep, 7);
        assert!(view.newest.is_some() && view.error.is_none(), "{view:?}");

        // The folder went away (a drive unplugged; here a file in its place): said, kept
        // for Settings, and cleared by the next success.
        let gone = dir.path().join("unplugged");
        std::fs::write(&gone, b"not a folder").expect("file");
        set_auto_folder(&mut store, Some(&gone)).expect("on");
        assert!(auto_backup_if_due(&mut store, hours(24 * 20)).is_err());
        let failed = auto_view(&store).expect("view");
        assert!(
            failed
                .error
                .as_deref()
                .is_some_and(|e| e.contains("unplugged")),
            "{failed:?}"
        );
        std::fs::remove_file(&gone).expect("remove");
        assert!(auto_backup_if_due(&mut store, hours(24 * 20))
            .expect("back")
            .is_some());
        assert_eq!(auto_view(&store).expect("view").error, None);

        set_auto_folder(&mut store, None).expect("off");
        assert_eq!(auto_view(&store).expect("view").folder, None);
        assert_eq!(
            auto_backup_if_due(&mut store, hours(24 * 40)).expect("off"),
            None
        );
    }
}
