//! Fieldline's operations layer: what the window (`src-tauri/`) and the CLI
//! (`fieldline-cli`) both do, declared once here so the two front doors cannot drift.
//!
//! The trust boundary lives here too. The webview is untrusted: an operation that
//! reaches a customer, a secret or a file outside the data folder needs the technician's
//! consent, asked through [`consent::Confirm`] by something the window cannot answer for
//! itself (a native dialog raised by the desktop shell, or the CLI's terminal). Each such
//! operation describes what it is about to do as an [`consent::Ask`], which words the
//! question in English and Korean with its blast radius.

pub mod consent;
pub mod fanout;
