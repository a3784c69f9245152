//! Where an operation finds the local store, whichever front door runs it.
//!
//! The desktop shell keeps the store behind a lock it must not hold while a native dialog
//! is open; the CLI owns its store outright. Operations take `&impl Stores` and borrow the
//! store only for each step, never across a question to the technician.

use fieldline_ipc::IpcError;
use fieldline_store::{Store, StoreError};
use std::sync::Mutex;

/// Lends the store for one step.
pub trait Stores: Sync {
    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, IpcError>;
}

/// A store owned by one process (the CLI, tests).
impl Stores for Mutex<Store> {
    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, IpcError> {
        let mut store = self
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut store).map_err(IpcError::from)
    }
}
