use fieldline_core::{issue, ChangeError, FleetIssue};
use std::path::{Path, PathBuf};

/// What went wrong with the local store, in the technician's terms.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no data folder: this system has no app-data folder; pass --data-dir DIR or set FIELDLINE_DATA_DIR")]
    NoDataDir,
    #[error("cannot use the data folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path} is not a Fieldline database; choose another data folder")]
    NotFieldline { path: PathBuf },
    #[error(
        "the database {path} was written by a newer Fieldline (schema {found}; this version understands up to {supported}). \
         Nothing was changed: update Fieldline, or use another data folder"
    )]
    NewerDatabase {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("the database failed: {0}")]
    Sqlite(rusqlite::Error),
    /// The disk holding the data folder has no room left: SQLite's `SQLITE_FULL`, or a
    /// store that cannot be opened or written where a probe write finds no space
    /// ([`Store::open`](crate::Store::open)). The change was not saved; what was saved
    /// before is untouched (a failed transaction rolls back whole).
    #[error("{DISK_FULL_TEXT}")]
    DiskFull,
    /// A damaged row; or, with `what` = [`DAMAGED_DATABASE`], the whole database failed
    /// `PRAGMA quick_check` (or is no SQLite file at all): `id` is its path and `detail`
    /// the whole explanation, naming the copy of it Fieldline made first (see
    /// [`StoreError::damaged_database`]).
    #[error("{}", damaged_text(what, id, detail))]
    Damaged {
        what: &'static str,
        id: String,
        detail: String,
    },
    #[error("there is no {what} with id {id:?}; it may have been deleted meanwhile")]
    NotFound { what: &'static str, id: String },
    #[error("a {what} with id {id:?} already exists; choose another id")]
    AlreadyExists { what: &'static str, id: String },
    #[error("nothing was saved:\n{}", issue::render(.0))]
    Invalid(Vec<FleetIssue>),
    #[error("{0}")]
    BadFile(String),
    /// A request the store refuses, in words (a maintenance window for a site that does
    /// not exist, an acknowledgement without a comment).
    #[error("{0}")]
    Rejected(String),
}

/// What [`StoreError::DiskFull`] says (the CLI prints it; the window has its own words in
/// both languages, keyed by the IPC error's kind).
pub const DISK_FULL_TEXT: &str =
    "the disk holding Fieldline's data is full: this change was not saved, \
     and everything saved before is kept. Free some space on that disk, then try again";

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
            StoreError::DiskFull
        } else {
            StoreError::Sqlite(e)
        }
    }
}

impl StoreError {
    /// Whether this failure may come from a disk with no room left: worth a probe
    /// ([`crate::backup::no_room`]) before it is reported as what it seems.
    pub(crate) fn may_be_disk_full(&self) -> bool {
        match self {
            StoreError::Io { source, .. } => {
                matches!(
                    source.kind(),
                    std::io::ErrorKind::StorageFull | std::io::ErrorKind::Other
                )
            }
            StoreError::Open { source, .. } | StoreError::Sqlite(source) => matches!(
                source.sqlite_error_code(),
                Some(rusqlite::ErrorCode::SystemIoFailure | rusqlite::ErrorCode::CannotOpen)
            ),
            _ => false,
        }
    }
}

impl From<ChangeError> for StoreError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::NotFound { what, id } => StoreError::NotFound { what, id },
            ChangeError::AlreadyExists { what, id } => StoreError::AlreadyExists { what, id },
            ChangeError::Invalid(issues) => StoreError::Invalid(issues),
        }
    }
}

/// [`StoreError::Damaged`]'s `what` when the whole database is damaged.
pub const DAMAGED_DATABASE: &str = "database";

fn damaged_text(what: &str, id: &str, detail: &str) -> String {
    if what == DAMAGED_DATABASE {
        detail.to_owned()
    } else {
        format!("the database holds a damaged {what} row {id:?}: {detail}")
    }
}

impl StoreError {
    /// The database at `path` is damaged (`detail`: what SQLite found); `copy`: where its
    /// files were copied before it was refused, or why they could not be.
    pub fn damaged_database(
        path: &Path,
        copy: &Result<PathBuf, String>,
        detail: &str,
    ) -> StoreError {
        StoreError::Damaged {
            what: DAMAGED_DATABASE,
            id: path.display().to_string(),
            detail: damaged_database_text(path, copy, detail),
        }
    }
}

fn damaged_database_text(path: &Path, copy: &Result<PathBuf, String>, detail: &str) -> String {
    let kept = match copy {
        Ok(copy) => format!(
            "Fieldline made a copy of it at {} (with its -wal and -shm files, if any).",
            copy.display()
        ),
        Err(e) => format!(
            "Fieldline could not make a copy of it ({e}): copy {} and its -wal and -shm files somewhere safe before anything else.",
            path.display()
        ),
    };
    let backups = path
        .parent()
        .map(|dir| dir.join(crate::backup::BACKUPS_DIR).display().to_string())
        .unwrap_or_else(|| crate::backup::BACKUPS_DIR.to_owned());
    format!(
        "the database {} is damaged ({detail}). Nothing in it was changed. {kept} \
         To go on from a backup, run `fieldline restore FILE` with a backup folder made by \
         `fieldline backup` or a copy kept before an upgrade (in {backups}); the restore sets \
         the damaged database aside and deletes nothing.",
        path.display()
    )
}
