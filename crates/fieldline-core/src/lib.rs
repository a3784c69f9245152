//! Fieldline's domain core: the fleet (customers → sites → endpoints), its validation,
//! the human-editable fleet file, CSV import of endpoints and the demo fleet.
//!
//! This crate does no I/O of its own: no files, no SQLite, no network, no Tauri. Callers
//! hand it text and get values or located issues back, so every rule here is testable
//! as a table of cases and shared by the CLI and the desktop shell.

pub mod change;
pub mod checks;
pub mod csv_import;
pub mod demo;
pub mod fleet_file;
pub mod issue;
pub mod language;
pub mod limits;
pub mod maintenance;
pub mod model;
pub mod review;
pub mod validate;

pub use change::{ChangeError, FleetChange};
pub use checks::{CheckSpec, CheckState};
pub use issue::FleetIssue;
pub use language::Language;
pub use model::{Check, CheckKind, Customer, Endpoint, Fleet, Site, SshSettings};
pub use review::{review, Risk};
