//! Shows an [`Outgoing`](crate::plan::Outgoing) through the desktop's notification daemon.
