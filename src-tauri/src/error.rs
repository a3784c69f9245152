//! Turns store errors into the structured errors the UI branches on.

use fieldline_ipc::IpcError;
use fieldline_store::StoreError;

pub fn to_ipc(e: StoreError) -> IpcError {
    let message = e.to_string();
    match e {
        StoreError::Invalid(issues) => IpcError::Invalid { message, issues },
        StoreError::Rejected(_) => IpcError::Invalid {
            message,
            issues: Vec::new(),
        },
        StoreError::NotFound { .. } => IpcError::NotFound { message },
        StoreError::AlreadyExists { .. } => IpcError::AlreadyExists { message },
        StoreError::BadFile(_) => IpcError::BadFile { message },
        StoreError::NewerDatabase {
            found, supported, ..
        } => IpcError::NewerDatabase {
            message,
            found,
            supported,
        },
        StoreError::NoDataDir
        | StoreError::Io { .. }
        | StoreError::Open { .. }
        | StoreError::NotFieldline { .. }
        | StoreError::Sqlite(_)
        | StoreError::Damaged { .. } => IpcError::Store { message },
    }
}
