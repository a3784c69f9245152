//! Bounds on everything that comes from a file or a person. Hostile input is cut off
//! here with a clear error instead of exhausting memory further down.

/// Largest fleet file or CSV file accepted for import.
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;
/// Most CSV data rows accepted in one import.
pub const MAX_CSV_ROWS: usize = 100_000;
/// Longest id (customers, sites, endpoints).
pub const MAX_ID_LEN: usize = 64;
/// Longest display name.
pub const MAX_NAME_LEN: usize = 200;
/// Longest free-text note.
pub const MAX_NOTES_LEN: usize = 10_000;
/// Longest host name (DNS limit).
pub const MAX_HOST_LEN: usize = 253;
/// Longest tag.
pub const MAX_TAG_LEN: usize = 64;
/// Most tags on one endpoint.
pub const MAX_TAGS: usize = 64;
/// Most checks on one endpoint.
pub const MAX_CHECKS: usize = 64;
