//! Fleet status: the probes of every check kind, and what a round over a fleet found.
//! The engine, history and the Prometheus/Alertmanager source build on these.

pub mod alerts;
pub mod engine;
pub mod judge;
pub mod outcome;
pub mod probe;
pub mod round;
pub mod source_prom;
pub mod state;
pub mod vantage;

pub use outcome::Outcome;
