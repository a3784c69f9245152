//! Which folder is the default data folder, and on Windows moving it out of the roaming
//! app-data folder.
//!
//! Windows copies the roaming folder (`%APPDATA%`) to every PC the account signs in to,
//! or keeps it on a server (folder redirection). Fieldline's data belongs to this PC and is
//! large and busy (48 hours of raw check results, recordings, the audit log, a database
//! written every few seconds), so on Windows it lives in the local app-data folder,
//! `%LOCALAPPDATA%\app.fieldline.console` (Tauri's `app_local_data_dir`). Versions before
//! this one used `%APPDATA%\app.fieldline.console`; on the first start that finds a
//! database there and none in the local folder, everything in the old folder is moved over
//! ([`choose`] decides from injected paths, [`move_data`] moves). Linux and macOS keep
//! `dirs::data_dir()`, where local and roaming are the same folder anyway.
//!
//! The move is made so that an interruption loses nothing:
//!
//! - The database goes last (after its `-wal`/`-shm` files): until it has moved, the next
//!   start finds it in the old folder and moves whatever is still there.
//! - Something already in the new folder under the same name is never overwritten: the
//!   move stops and is undone, and Fieldline keeps using the old folder.
//! - When anything fails (on Windows a file another program holds open cannot be moved,
//!   such as the database of an older Fieldline still running), what was moved is put
//!   back and the old folder is used for this start; the next start tries again.
//! - A roaming folder on another drive (folder redirection) cannot be renamed across: its
//!   items are copied, and the originals removed once everything is across.

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::{APP_IDENTIFIER, DATABASE_FILE, DATABASE_SIDE_FILES};

/// Where the default data folder is, as [`choose`] decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Use this folder; nothing to move.
    Use(PathBuf),
    /// The old folder `from` holds a database and the new folder `to` none: move the
    /// data over, then use `to`.
    Move { from: PathBuf, to: PathBuf },
    /// Both hold a database: use `to`, and leave `from` as it is.
    BothHaveData { from: PathBuf, to: PathBuf },
}

/// The default data folder `<local>/app.fieldline.console`, given the OS's local app-data
/// folder and, on Windows, its roaming one (`None` elsewhere: nothing is ever moved).
/// `has_database` tells whether a folder holds a Fieldline database ([`has_database`]).
/// `None` when the OS names no app-data folder at all.
pub fn choose(
    local: Option<&Path>,
    roaming: Option<&Path>,
    has_database: impl Fn(&Path) -> bool,
) -> Option<Choice> {
    let old = roaming.map(|dir| dir.join(APP_IDENTIFIER));
    let Some(new) = local.map(|dir| dir.join(APP_IDENTIFIER)) else {
        // No local folder known: the roaming one is still the user's own.
        return old.map(Choice::Use);
    };
    Some(match old {
        Some(old) if old != new && has_database(&old) => {
            if has_database(&new) {
                Choice::BothHaveData { from: old, to: new }
            } else {
                Choice::Move { from: old, to: new }
            }
        }
        _ => Choice::Use(new),
    })
}

/// Whether `dir` holds a Fieldline database file.
pub fn has_database(dir: &Path) -> bool {
    dir.join(DATABASE_FILE).is_file()
}

/// Carries out `choice`: the folder to use, and what the technician should be told.
pub fn settle(choice: Choice) -> (PathBuf, Option<DataDirNote>) {
    match choice {
        Choice::Use(dir) => (dir, None),
        Choice::Move { from, to } => match move_data(&from, &to) {
            Ok(moved) => (to, Some(DataDirNote::Moved(moved))),
            Err(failed) => (from, Some(DataDirNote::NotMoved(*failed))),
        },
        Choice::BothHaveData { from, to } => (to.clone(), Some(DataDirNote::OldLeft { from, to })),
    }
}

/// What happened to the data folder on this start, worth telling the technician.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataDirNote {
    /// The data was moved from the roaming folder to the local one.
    Moved(Moved),
    /// It could not be moved: the old folder is used for now.
    NotMoved(NotMoved),
    /// Both folders hold a database: the local one is used, the roaming one left alone.
    OldLeft { from: PathBuf, to: PathBuf },
}

/// A move that went through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub from: PathBuf,
    pub to: PathBuf,
    /// The names moved (files and folders), in the order they were moved.
    pub items: Vec<String>,
    /// Originals that were copied across (another drive) but could not be removed.
    pub left_in_old: Vec<String>,
    /// Whether the old folder, then empty, was removed.
    pub old_removed: bool,
}

/// A move that failed and was undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotMoved {
    pub from: PathBuf,
    pub to: PathBuf,
    /// What could not be moved (a name in the old folder, or the folder itself).
    pub item: String,
    pub reason: String,
    /// Items moved before the failure that could not be put back (they are in `to`; the
    /// next start, which finds them there, does not move them again).
    pub stranded: Vec<String>,
}

impl fmt::Display for DataDirNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataDirNote::Moved(m) if m.items.is_empty() => write!(
                f,
                "the data folder is now {} (this PC only); another Fieldline starting at \
                 the same time moved it from the roaming folder {}",
                m.to.display(),
                m.from.display()
            ),
            DataDirNote::Moved(m) => {
                write!(
                    f,
                    "moved the data folder from {} (the roaming app-data folder, which \
                     Windows copies between PCs) to {} (this PC only): {}",
                    m.from.display(),
                    m.to.display(),
                    m.items.join(", ")
                )?;
                if !m.left_in_old.is_empty() {
                    write!(
                        f,
                        "; copies of {} are still in {} and can be deleted",
                        m.left_in_old.join(", "),
                        m.from.display()
                    )?;
                } else if !m.old_removed {
                    write!(
                        f,
                        "; the old folder {} could not be removed and can be deleted",
                        m.from.display()
                    )?;
                }
                Ok(())
            }
            DataDirNote::NotMoved(n) => {
                write!(
                    f,
                    "could not move the data folder from {} to {} ({}: {}); Fieldline \
                     uses {} this time and tries again at the next start (close any \
                     other Fieldline window or command first)",
                    n.from.display(),
                    n.to.display(),
                    n.item,
                    n.reason,
                    n.from.display()
                )?;
                if !n.stranded.is_empty() {
                    write!(
                        f,
                        "; {} could not be put back and stay in {} until then",
                        n.stranded.join(", "),
                        n.to.display()
                    )?;
                }
                Ok(())
            }
            DataDirNote::OldLeft { from, to } => write!(
                f,
                "the data folder is {}; an older one in the roaming app-data folder, {}, \
                 also holds a Fieldline database and was left as it is: delete it once \
                 nothing in it is needed",
                to.display(),
                from.display()
            ),
        }
    }
}

/// Moves everything in `from` into `to` (created if missing), the database last; undoes
/// the move when any part fails. See the module's notes.
pub fn move_data(from: &Path, to: &Path) -> Result<Moved, Box<NotMoved>> {
    move_data_with(from, to, &|a, b| fs::rename(a, b))
}

/// How one item got across.
enum Done {
    Renamed(OsString),
    Copied(OsString),
}

fn move_data_with(
    from: &Path,
    to: &Path,
    rename: &dyn Fn(&Path, &Path) -> io::Result<()>,
) -> Result<Moved, Box<NotMoved>> {
    let failed = |item: &str, reason: io::Error, stranded: Vec<String>| {
        Box::new(NotMoved {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
            item: item.to_owned(),
            reason: reason.to_string(),
            stranded,
        })
    };
    let folder = |dir: &Path| dir.display().to_string();
    fieldline_fs::ensure_private_dir(to).map_err(|e| failed(&folder(to), e, Vec::new()))?;
    let mut names: Vec<OsString> = fs::read_dir(from)
        .and_then(|entries| entries.map(|e| e.map(|e| e.file_name())).collect())
        .map_err(|e| failed(&folder(from), e, Vec::new()))?;
    sort_for_moving(&mut names);

    let mut done = Vec::new();
    for name in names {
        let (source, target) = (from.join(&name), to.join(&name));
        let shown = name.to_string_lossy().into_owned();
        if !exists(&source) {
            // Moved meanwhile by another Fieldline starting at the same time.
            continue;
        }
        if exists(&target) {
            let stranded = undo(from, to, &done, rename);
            let clash = io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} already exists", target.display()),
            );
            return Err(failed(&shown, clash, stranded));
        }
        match rename(&source, &target) {
            Ok(()) => done.push(Done::Renamed(name)),
            Err(e) if e.kind() == io::ErrorKind::NotFound && !exists(&source) => continue,
            Err(e) if crosses_devices(&e) => match copy_tree(&source, &target) {
                Ok(()) => done.push(Done::Copied(name)),
                Err(e) => {
                    let _ = remove_tree(&target);
                    let stranded = undo(from, to, &done, rename);
                    return Err(failed(&shown, e, stranded));
                }
            },
            Err(e) => {
                let stranded = undo(from, to, &done, rename);
                return Err(failed(&shown, e, stranded));
            }
        }
    }

    // Everything is across: only now do the originals of copies go.
    let mut left_in_old = Vec::new();
    for item in &done {
        if let Done::Copied(name) = item {
            if remove_tree(&from.join(name)).is_err() {
                left_in_old.push(name.to_string_lossy().into_owned());
            }
        }
    }
    let old_removed = left_in_old.is_empty() && fs::remove_dir(from).is_ok();
    let items = done
        .iter()
        .map(|d| match d {
            Done::Renamed(name) | Done::Copied(name) => name.to_string_lossy().into_owned(),
        })
        .collect();
    Ok(Moved {
        from: from.to_path_buf(),
        to: to.to_path_buf(),
        items,
        left_in_old,
        old_removed,
    })
}

/// Everything else first, then the database's side files, the database itself last.
fn sort_for_moving(names: &mut [OsString]) {
    let rank = |name: &OsString| {
        let name = name.to_string_lossy();
        if name == DATABASE_FILE {
            2
        } else if DATABASE_SIDE_FILES
            .iter()
            .any(|suffix| name == format!("{DATABASE_FILE}{suffix}"))
        {
            1
        } else {
            0
        }
    };
    names.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
}

/// Puts back what `done` moved, the last first; the names that could not be put back.
fn undo(
    from: &Path,
    to: &Path,
    done: &[Done],
    rename: &dyn Fn(&Path, &Path) -> io::Result<()>,
) -> Vec<String> {
    let mut stranded = Vec::new();
    for item in done.iter().rev() {
        let (name, back) = match item {
            Done::Renamed(name) => (name, rename(&to.join(name), &from.join(name))),
            // The original is still in place: only the copy goes.
            Done::Copied(name) => (name, remove_tree(&to.join(name))),
        };
        if back.is_err() {
            stranded.push(name.to_string_lossy().into_owned());
        }
    }
    stranded
}

/// Whether anything (a file, a folder, a link) is at `path`.
fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// A rename that failed because the two folders are on different drives or file systems.
fn crosses_devices(error: &io::Error) -> bool {
    // ERROR_NOT_SAME_DEVICE (17), should the standard library not sort it.
    error.kind() == io::ErrorKind::CrossesDevices
        || (cfg!(windows) && error.raw_os_error() == Some(17))
}

/// Copies the file or folder `source` to the new `target`, privately (files `0600`,
/// folders `0700` on Unix). Links are refused rather than followed.
fn copy_tree(source: &Path, target: &Path) -> io::Result<()> {
    let kind = fs::symlink_metadata(source)?.file_type();
    if kind.is_dir() {
        fieldline_fs::create_new_private_dir(target)?;
        for entry in fs::read_dir(source)? {
            let entry = entry?;
            copy_tree(&entry.path(), &target.join(entry.file_name()))?;
        }
        Ok(())
    } else if kind.is_file() {
        fieldline_fs::copy_private(source, target).map(drop)
    } else {
        Err(io::Error::other(format!(
            "{} is a link; move it by hand",
            source.display()
        )))
    }
}

fn remove_tree(path: &Path) -> io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn app(dir: &str) -> PathBuf {
        Path::new(dir).join(APP_IDENTIFIER)
    }

    #[test]
    fn choice_of_the_default_folder() {
        let local = Path::new("/u/AppData/Local");
        let roaming = Path::new("/u/AppData/Roaming");
        let with = |dirs: &[&str]| {
            let dirs: Vec<PathBuf> = dirs.iter().map(|d| app(d)).collect();
            move |dir: &Path| dirs.iter().any(|d| d == dir)
        };
        /// Local folder, roaming folder, the folders with a database, the choice.
        type Case<'a> = (
            Option<&'a Path>,
            Option<&'a Path>,
            &'a [&'a str],
            Option<Choice>,
        );
        let cases: [Case; 8] = [
            // Linux and macOS: no roaming folder is passed, nothing moves.
            (
                Some(local),
                None,
                &[],
                Some(Choice::Use(app("/u/AppData/Local"))),
            ),
            (
                Some(local),
                None,
                &["/u/AppData/Local"],
                Some(Choice::Use(app("/u/AppData/Local"))),
            ),
            // Windows, a new installation: the local folder.
            (
                Some(local),
                Some(roaming),
                &[],
                Some(Choice::Use(app("/u/AppData/Local"))),
            ),
            // Windows, data from an earlier version in the roaming folder only: moved.
            (
                Some(local),
                Some(roaming),
                &["/u/AppData/Roaming"],
                Some(Choice::Move {
                    from: app("/u/AppData/Roaming"),
                    to: app("/u/AppData/Local"),
                }),
            ),
            // Already moved.
            (
                Some(local),
                Some(roaming),
                &["/u/AppData/Local"],
                Some(Choice::Use(app("/u/AppData/Local"))),
            ),
            // Both: the local one wins, the roaming one is left alone.
            (
                Some(local),
                Some(roaming),
                &["/u/AppData/Local", "/u/AppData/Roaming"],
                Some(Choice::BothHaveData {
                    from: app("/u/AppData/Roaming"),
                    to: app("/u/AppData/Local"),
                }),
            ),
            // The same folder named twice moves nothing.
            (
                Some(local),
                Some(local),
                &["/u/AppData/Local"],
                Some(Choice::Use(app("/u/AppData/Local"))),
            ),
            // No local folder known: the roaming one rather than none.
            (
                None,
                Some(roaming),
                &["/u/AppData/Roaming"],
                Some(Choice::Use(app("/u/AppData/Roaming"))),
            ),
        ];
        for (local, roaming, databases, expected) in cases {
            assert_eq!(
                choose(local, roaming, with(databases)),
                expected,
                "{local:?} {roaming:?} {databases:?}"
            );
        }
        assert_eq!(choose(None, None, |_| true), None);
    }

    /// A data folder as an earlier version left it in the roaming folder.
    fn old_data(root: &Path) -> (PathBuf, BTreeMap<PathBuf, Vec<u8>>) {
        let old = root.join("Roaming").join(APP_IDENTIFIER);
        let files: BTreeMap<PathBuf, Vec<u8>> = [
            ("fieldline.db", &b"SQLite format 3\0db"[..]),
            ("fieldline.db-wal", b"wal"),
            ("fieldline.db-shm", b"shm"),
            ("known_hosts", b"rt.example ssh-ed25519 AAAA"),
            ("audit.jsonl", b"{\"n\":1}\n"),
            ("recordings/acme/2026-01-01.cast", b"{\"version\":2}\n"),
        ]
        .into_iter()
        .map(|(name, bytes)| (PathBuf::from(name), bytes.to_vec()))
        .collect();
        for (name, bytes) in &files {
            let path = old.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        }
        (old, files)
    }

    /// The local folder as Tauri already uses it on Windows (the WebView2 profile).
    fn local_folder(root: &Path) -> PathBuf {
        let new = root.join("Local").join(APP_IDENTIFIER);
        fs::create_dir_all(new.join("EBWebView")).unwrap();
        fs::write(new.join("EBWebView/Local State"), "{}").unwrap();
        new
    }

    fn assert_holds(dir: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) {
        for (name, bytes) in files {
            assert_eq!(&fs::read(dir.join(name)).unwrap(), bytes, "{name:?}");
        }
    }

    #[test]
    fn everything_moves_to_the_local_folder_the_database_last() {
        let root = tempfile::tempdir().unwrap();
        let (old, files) = old_data(root.path());
        let new = local_folder(root.path());
        let choice = choose(
            Some(&root.path().join("Local")),
            Some(&root.path().join("Roaming")),
            has_database,
        )
        .unwrap();
        assert!(matches!(choice, Choice::Move { .. }), "{choice:?}");

        let (dir, note) = settle(choice);
        assert_eq!(dir, new);
        assert_holds(&new, &files);
        assert!(new.join("EBWebView/Local State").is_file());
        assert!(!old.exists(), "the emptied old folder is removed");
        let Some(DataDirNote::Moved(moved)) = &note else {
            panic!("{note:?}");
        };
        assert_eq!(
            moved.items,
            [
                "audit.jsonl",
                "known_hosts",
                "recordings",
                "fieldline.db-shm",
                "fieldline.db-wal",
                "fieldline.db"
            ]
        );
        let said = note.unwrap().to_string();
        assert!(said.starts_with("moved the data folder from "), "{said}");
        assert!(said.contains(&new.display().to_string()), "{said}");
        assert!(said.contains("known_hosts, recordings"), "{said}");

        // The next start finds it in place.
        assert_eq!(
            choose(
                Some(&root.path().join("Local")),
                Some(&root.path().join("Roaming")),
                has_database,
            ),
            Some(Choice::Use(new))
        );
    }

    #[test]
    fn another_drive_is_copied_and_the_originals_removed_after() {
        let root = tempfile::tempdir().unwrap();
        let (old, files) = old_data(root.path());
        let new = root.path().join("Local").join(APP_IDENTIFIER);
        let redirected =
            |_: &Path, _: &Path| -> io::Result<()> { Err(io::ErrorKind::CrossesDevices.into()) };
        let moved = move_data_with(&old, &new, &redirected).unwrap();
        assert_holds(&new, &files);
        assert_eq!(moved.items.len(), 6);
        assert!(
            moved.left_in_old.is_empty() && moved.old_removed,
            "{moved:?}"
        );
        assert!(!old.exists());
    }

    #[test]
    fn a_failure_puts_everything_back_and_the_old_folder_is_used() {
        let root = tempfile::tempdir().unwrap();
        let (old, files) = old_data(root.path());
        let new = local_folder(root.path());
        // On Windows, an older Fieldline still running holds its database open.
        let held = |from: &Path, to: &Path| {
            if from.ends_with(DATABASE_FILE) {
                Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "the file is used by another process",
                ))
            } else {
                fs::rename(from, to)
            }
        };
        let failed = move_data_with(&old, &new, &held).unwrap_err();
        assert_eq!(failed.item, "fieldline.db");
        assert!(failed.stranded.is_empty(), "{failed:?}");
        assert_holds(&old, &files);
        let mut left: Vec<_> = fs::read_dir(&new)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        left.sort();
        assert_eq!(left, ["EBWebView"]);
        let said = DataDirNote::NotMoved(*failed).to_string();
        assert!(
            said.starts_with("could not move the data folder from "),
            "{said}"
        );
        assert!(
            said.contains("fieldline.db: the file is used by another process"),
            "{said}"
        );
        assert!(said.contains("tries again at the next start"), "{said}");

        // settle() with the real rename: it goes through once nothing holds the file.
        let (dir, note) = settle(Choice::Move {
            from: old.clone(),
            to: new.clone(),
        });
        assert_eq!(dir, new);
        assert!(matches!(note, Some(DataDirNote::Moved(_))), "{note:?}");
        assert_holds(&new, &files);
    }

    #[test]
    fn a_name_already_in_the_local_folder_is_never_overwritten() {
        let root = tempfile::tempdir().unwrap();
        let (old, files) = old_data(root.path());
        let new = local_folder(root.path());
        fs::write(new.join("known_hosts"), "someone else's").unwrap();
        let (dir, note) = settle(Choice::Move {
            from: old.clone(),
            to: new.clone(),
        });
        assert_eq!(dir, old);
        let Some(DataDirNote::NotMoved(failed)) = &note else {
            panic!("{note:?}");
        };
        assert_eq!(failed.item, "known_hosts");
        assert!(failed.reason.contains("already exists"), "{failed:?}");
        assert_holds(&old, &files);
        assert_eq!(
            fs::read_to_string(new.join("known_hosts")).unwrap(),
            "someone else's"
        );
        assert!(!new.join("audit.jsonl").exists());
    }

    #[test]
    fn an_interrupted_move_is_finished_by_the_next_start() {
        let root = tempfile::tempdir().unwrap();
        let (old, files) = old_data(root.path());
        let new = local_folder(root.path());
        // A crash after some items: they are in the new folder, the database is not.
        fs::rename(old.join("audit.jsonl"), new.join("audit.jsonl")).unwrap();
        fs::rename(old.join("recordings"), new.join("recordings")).unwrap();
        let (dir, note) = settle(
            choose(
                Some(&root.path().join("Local")),
                Some(&root.path().join("Roaming")),
                has_database,
            )
            .unwrap(),
        );
        assert_eq!(dir, new);
        let Some(DataDirNote::Moved(moved)) = note else {
            panic!("{note:?}");
        };
        assert_eq!(moved.items.len(), 4, "{moved:?}");
        assert_holds(&new, &files);
        assert!(!old.exists());
    }

    #[test]
    fn both_folders_with_data_leave_the_roaming_one_alone() {
        let root = tempfile::tempdir().unwrap();
        let (old, files) = old_data(root.path());
        let new = local_folder(root.path());
        fs::write(new.join(DATABASE_FILE), "newer").unwrap();
        let (dir, note) = settle(
            choose(
                Some(&root.path().join("Local")),
                Some(&root.path().join("Roaming")),
                has_database,
            )
            .unwrap(),
        );
        assert_eq!(dir, new);
        assert_holds(&old, &files);
        let said = note.unwrap().to_string();
        assert!(said.contains("was left as it is"), "{said}");
    }
}
