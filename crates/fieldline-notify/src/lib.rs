//! Desktop notifications for Fieldline.
//!
//! - [`plan`]: pure decisions: which alerts become which notifications, grouped,
//!   de-duplicated, repeated, held in quiet hours or for muted customers.
//! - [`desktop`]: shows a planned notification through the desktop's notification
//!   daemon (notify-rust: D-Bus on Linux, native elsewhere).

pub mod desktop;
pub mod engine;
pub mod plan;
