//! Fieldline's operations layer: what the window (`src-tauri/`) and the CLI
//! (`fieldline-cli`) both do, declared once here so the two front doors cannot drift.
//!
//! The trust boundary lives here too. The webview is untrusted: an operation that
//! reaches a customer, a secret or a file outside the data folder needs the technician's
//! consent, asked through [`consent::Confirm`] by something the window cannot answer for
//! itself (a native dialog raised by the desktop shell, or the CLI's terminal). Each such
//! operation describes what it is about to do as an [`consent::Ask`], which words the
//! question in English and Korean with its blast radius.

pub mod backup;
pub mod consent;
pub mod fanout;
pub mod files;
pub mod fleet;
pub mod forwards;
pub mod helpdesk;
pub mod host_keys;
pub mod house;
pub mod log;
pub mod monitoring;
pub mod profiles;
pub mod prometheus;
pub mod remote;
pub mod sessions;

/// What the unit tests share: a [`consent::Confirm`] that answers as told and keeps the
/// questions, and a store in a temporary folder.
#[cfg(test)]
pub(crate) mod testing {
    use crate::consent::{Ask, Confirm, Decision};
    use std::sync::Mutex;

    pub struct Recorded(pub Mutex<Vec<Ask>>, pub Decision);

    impl Recorded {
        pub fn answering(d: Decision) -> Recorded {
            Recorded(Mutex::new(Vec::new()), d)
        }
        pub fn asked(&self) -> Vec<Ask> {
            self.0.lock().map(|v| v.clone()).unwrap_or_default()
        }
    }

    impl Confirm for Recorded {
        fn confirm(&self, ask: &Ask) -> Decision {
            self.0.lock().map(|mut v| v.push(ask.clone())).ok();
            self.1.clone()
        }
    }

    pub fn store(dir: &std::path::Path) -> Mutex<fieldline_store::Store> {
        Mutex::new(fieldline_store::Store::open(dir).expect("store"))
    }
}
