//! Remote sessions over SSH, through libssh2 (the `ssh2` crate).
//!
//! The one rule above all others: **no credential leaves the laptop before the host key of
//! that hop is accepted**, on every hop of a jump chain. Secrets come from the OS keychain
//! (`fieldline_keychain`) or from the technician at a prompt, are handed to libssh2 and
//! dropped; they are never written to the store, logs, recordings or error messages.
//!
//! - [`known_hosts`]: Fieldline's own known_hosts file (OpenSSH format, hashed entries
//!   understood), import of `~/.ssh/known_hosts`, the host-key policy.
//! - [`profile`]: named credential profiles (what kind of login; the secrets' keychain accounts).
//! - [`auth`]: logging in on one hop once its host key is accepted.
//! - [`connect`]: a route (jump hops, then the target), each hop verified and authenticated
//!   on its own, tunnelled through the previous one.
//! - [`error`]: what went wrong, worded for the technician (never with a secret).
//! - [`session`]: the session actor: one thread owns a connection and its PTY channel; the
//!   rest of the app talks to it through a handle and a stream of events.
//! - [`forward`]: local port forwards (loopback only).
//! - [`sftp`]: browse, upload and download with progress and cancel.
//! - [`fanout`]: one command on many hosts, capped, with per-host results and a queue for
//!   hosts that are unreachable.
//! - [`recording`]: asciicast v2 recordings of interactive sessions.
//! - [`audit`]: the append-only, hash-chained audit log.
//! - [`ssh_config`]: import of hosts from `~/.ssh/config`.
//! - [`terminal_filter`]: drops the escape sequences in session output that would read the
//!   clipboard or make the terminal answer back.

pub mod audit;
pub mod auth;
pub mod connect;
pub mod error;
pub mod fanout;
pub mod forward;
pub mod known_hosts;
pub mod profile;
pub mod recording;
pub mod session;
pub mod sftp;
pub mod ssh_config;
pub mod terminal_filter;
