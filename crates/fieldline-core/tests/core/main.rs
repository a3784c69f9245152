//! One integration-test binary for the domain core (keeps link time down).

mod csv;
mod fleet_file;
mod validate;
