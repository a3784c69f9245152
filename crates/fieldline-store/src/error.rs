use fieldline_core::{issue, ChangeError, FleetIssue};
use std::path::PathBuf;

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
    Sqlite(#[from] rusqlite::Error),
    #[error("the database holds a damaged {what} row {id:?}: {detail}")]
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

impl From<ChangeError> for StoreError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::NotFound { what, id } => StoreError::NotFound { what, id },
            ChangeError::AlreadyExists { what, id } => StoreError::AlreadyExists { what, id },
            ChangeError::Invalid(issues) => StoreError::Invalid(issues),
        }
    }
}
