//! Secrets longer than one keychain entry holds, kept across several entries of the same
//! keychain (never in a file).
//!
//! The Windows Credential Manager keeps at most 2,560 bytes (1,280 UTF-16 units) per
//! credential, less than an RSA-4096 private key in PEM form (about 3.4 KB). [`Split`]
//! keeps such a secret in the entries `account`, `account#1`, `account#2`, ...:
//!
//! - The first entry starts with a header line, `fieldline-split-secret/1 <parts> <bytes>
//!   <check>`: how many entries there are (this one included), the secret's length in
//!   bytes, and a checksum of the whole secret (64-bit FNV-1a, a guard against parts of two
//!   different saves, not a security measure: it sits in the keychain beside the secret
//!   itself). A read reassembles the parts and refuses ([`SecretError::SplitDamaged`])
//!   anything that does not add up, so it never hands out a wrong secret.
//! - A secret that fits in one entry is kept there as it is, without a header: what
//!   Fieldline kept before secrets were split (and what a setup script seeds) reads
//!   unchanged, and an older Fieldline still reads what fits.
//! - A write stores the other parts first and the first entry last, so until the write
//!   is through the first entry still describes the old value; then it deletes the parts
//!   a longer old value left beyond the new ones. A delete removes every part.
//!
//! No Fieldline account name ends in `#` and digits (connection names are lower-case
//! letters, digits and `-`; SSH accounts end in `:key`, `:passphrase` or `:password`), so
//! part names never meet one.
//!
//! It works over any [`SecretStore`] (one entry per call), so the logic is tested with an
//! in-memory store that has a size limit.

use crate::{check_account, check_secret, SecretError, SecretStore, MAX_SECRET_BYTES};

/// What starts the first entry of a split secret, before the header's numbers.
const HEAD: &str = "fieldline-split-secret/1 ";
/// The most entries one secret is split into: far more than [`crate::MAX_SECRET_BYTES`]
/// needs under any real limit, and the bound of the search for parts left over.
pub(crate) const MAX_PARTS: usize = 64;

/// How a keychain measures what one entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// Bytes of UTF-8 (no keychain Fieldline uses today; the tests' store counts so).
    #[cfg_attr(not(test), allow(dead_code))]
    Utf8Bytes,
    /// UTF-16 code units (the Windows Credential Manager keeps text as UTF-16).
    Utf16Units,
}

/// The most one keychain entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryLimit {
    pub(crate) max: usize,
    pub(crate) unit: Unit,
}

impl EntryLimit {
    fn measure(&self, text: &str) -> usize {
        text.chars().map(|c| self.size(c)).sum()
    }

    fn size(&self, c: char) -> usize {
        match self.unit {
            Unit::Utf8Bytes => c.len_utf8(),
            Unit::Utf16Units => c.len_utf16(),
        }
    }
}

/// A [`SecretStore`] whose secrets may be longer than one entry of `entries` holds.
pub(crate) struct Split<S> {
    entries: S,
    limit: EntryLimit,
}

impl<S: SecretStore> Split<S> {
    pub(crate) fn new(entries: S, limit: EntryLimit) -> Split<S> {
        Split { entries, limit }
    }

    /// The accounts `account#from`, `account#from+1`, ... that hold something, up to the
    /// first that does not (parts are written and deleted so that they never leave a gap).
    fn parts_from(&self, account: &str, from: usize) -> Result<Vec<String>, SecretError> {
        let mut found = Vec::new();
        for index in from.max(1)..MAX_PARTS {
            let name = part_account(account, index);
            if self.entries.get(&name)?.is_none() {
                break;
            }
            found.push(name);
        }
        Ok(found)
    }

    /// Deletes `parts`, the last first, so that an interrupted delete leaves no gap.
    fn delete_parts(&self, parts: &[String]) -> Result<(), SecretError> {
        parts
            .iter()
            .rev()
            .try_for_each(|name| self.entries.delete(name))
    }
}

impl<S: SecretStore> SecretStore for Split<S> {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        check_account(account)?;
        let Some(first) = self.entries.get(account)? else {
            return Ok(None);
        };
        let Some(header) = first.strip_prefix(HEAD) else {
            // One entry, as everything was kept before secrets were split.
            return Ok(Some(first));
        };
        let damaged = || SecretError::SplitDamaged {
            account: account.to_owned(),
        };
        let (header, head_part) = header.split_once('\n').ok_or_else(damaged)?;
        let Header {
            parts,
            bytes,
            check,
        } = Header::parse(header).ok_or_else(damaged)?;
        let mut secret = String::with_capacity(bytes);
        secret.push_str(head_part);
        for index in 1..parts {
            let part = self
                .entries
                .get(&part_account(account, index))?
                .ok_or_else(damaged)?;
            secret.push_str(&part);
        }
        if secret.len() != bytes || checksum(&secret) != check {
            return Err(damaged());
        }
        Ok(Some(secret))
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        // Both checked before any part is written under a name derived from `account`.
        check_account(account)?;
        check_secret(account, secret)?;
        let entries = split(secret, self.limit).ok_or_else(|| SecretError::PlatformLimit {
            account: account.to_owned(),
            what: "a secret split across keychain entries".to_owned(),
            limit: u32::try_from(self.limit.max).unwrap_or(u32::MAX),
        })?;
        // The other parts first: until the first entry is written, it still names the old
        // value's parts (a read then fails the checksum rather than mixing two secrets).
        for (index, part) in entries.iter().enumerate().skip(1) {
            self.entries.set(&part_account(account, index), part)?;
        }
        self.entries.set(account, &entries[0])?;
        let left_over = self.parts_from(account, entries.len())?;
        self.delete_parts(&left_over)
    }

    fn delete(&self, account: &str) -> Result<(), SecretError> {
        check_account(account)?;
        let parts = self.parts_from(account, 1)?;
        // The first entry first: once it is gone, no read finds the secret, whatever
        // happens to the rest.
        self.entries.delete(account)?;
        self.delete_parts(&parts)
    }
}

/// The keychain account of the `index`th part (1, 2, ...) of `account`'s secret.
pub(crate) fn part_account(account: &str, index: usize) -> String {
    format!("{account}#{index}")
}

/// The header of a split secret's first entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    /// Entries in all, the first included.
    parts: usize,
    /// The whole secret's length in bytes of UTF-8.
    bytes: usize,
    check: u64,
}

impl Header {
    fn line(&self) -> String {
        format!("{HEAD}{} {} {:016x}\n", self.parts, self.bytes, self.check)
    }

    /// The numbers of a header line (without [`HEAD`] and the line break), if they are
    /// exactly what [`Header::line`] writes.
    fn parse(line: &str) -> Option<Header> {
        let mut fields = line.split(' ');
        let parts: usize = fields.next()?.parse().ok()?;
        let bytes: usize = fields.next()?.parse().ok()?;
        let check = fields.next()?;
        if fields.next().is_some()
            || check.len() != 16
            || !(1..=MAX_PARTS).contains(&parts)
            || bytes > MAX_SECRET_BYTES
        {
            return None;
        }
        let check = u64::from_str_radix(check, 16).ok()?;
        Some(Header {
            parts,
            bytes,
            check,
        })
    }
}

/// The entries that keep `secret` under `limit`: the secret itself when it fits in one
/// (and cannot be taken for a header), else a header and the first part, then the other
/// parts, each cut at a character boundary. `None` when it cannot be split that way.
fn split(secret: &str, limit: EntryLimit) -> Option<Vec<String>> {
    if limit.measure(secret) <= limit.max && !secret.starts_with(HEAD) {
        return Some(vec![secret.to_owned()]);
    }
    // Room for the longest header this secret can get, so the first part's size does not
    // depend on how many parts there turn out to be.
    let widest = Header {
        parts: MAX_PARTS,
        bytes: secret.len(),
        check: u64::MAX,
    };
    let first_room = limit.max.checked_sub(limit.measure(&widest.line()))?;
    let mut parts = vec![String::new()];
    let mut used = 0;
    for c in secret.chars() {
        let size = limit.size(c);
        let room = if parts.len() == 1 {
            first_room
        } else {
            limit.max
        };
        if used + size > room {
            if used == 0 {
                return None;
            }
            parts.push(String::new());
            used = 0;
        }
        if size > limit.max {
            return None;
        }
        used += size;
        parts.last_mut()?.push(c);
    }
    if parts.len() > MAX_PARTS || parts.iter().any(String::is_empty) {
        return None;
    }
    let header = Header {
        parts: parts.len(),
        bytes: secret.len(),
        check: checksum(secret),
    };
    parts[0].insert_str(0, &header.line());
    Some(parts)
}

/// 64-bit FNV-1a: notices parts of two different saves put together.
fn checksum(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::bound::Destination;
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    /// An in-memory keychain that refuses entries over its limit, as the Credential
    /// Manager does, and counts its calls.
    struct Limited {
        limit: EntryLimit,
        entries: Mutex<BTreeMap<String, String>>,
        /// When set, `set` of this account fails (a write interrupted there).
        fail_on: Mutex<Option<String>>,
    }

    impl Limited {
        fn new(limit: EntryLimit) -> Limited {
            Limited {
                limit,
                entries: Mutex::default(),
                fail_on: Mutex::default(),
            }
        }

        fn names(&self) -> Vec<String> {
            self.entries.lock().unwrap().keys().cloned().collect()
        }

        fn raw(&self, account: &str) -> Option<String> {
            self.entries.lock().unwrap().get(account).cloned()
        }

        fn put(&self, account: &str, value: &str) {
            self.entries
                .lock()
                .unwrap()
                .insert(account.to_owned(), value.to_owned());
        }
    }

    impl SecretStore for &Limited {
        fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
            Ok(self.raw(account))
        }
        fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
            if self.fail_on.lock().unwrap().as_deref() == Some(account) {
                return Err(SecretError::Platform {
                    account: account.to_owned(),
                    detail: "interrupted".to_owned(),
                });
            }
            let len = self.limit.measure(secret);
            if len > self.limit.max || secret.is_empty() {
                // What the keyring crate says on Windows (it never quotes the secret).
                return Err(SecretError::PlatformLimit {
                    account: account.to_owned(),
                    what: "password encoded as UTF-16".to_owned(),
                    limit: u32::try_from(self.limit.max).unwrap(),
                });
            }
            self.put(account, secret);
            Ok(())
        }
        fn delete(&self, account: &str) -> Result<(), SecretError> {
            self.entries.lock().unwrap().remove(account);
            Ok(())
        }
    }

    /// The Credential Manager's limit: 2,560 bytes of UTF-16.
    const WINDOWS: EntryLimit = EntryLimit {
        max: 1280,
        unit: Unit::Utf16Units,
    };

    /// An RSA-4096 private key's size in PEM (~3.4 KB), its lines as real keys have them.
    fn rsa_4096_pem() -> String {
        let body: String = (0..3220)
            .map(|i| {
                char::from(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i * 7 % 64],
                )
            })
            .collect::<Vec<_>>()
            .chunks(64)
            .map(|line| line.iter().collect::<String>() + "\n")
            .collect();
        // The size and line shape of an RSA-4096 key file; generated filler, no key (and no
        // PEM armour, so nothing here reads as key material).
        format!("fieldline test secret\n{body}end of the test secret\n")
    }

    #[test]
    fn an_rsa_4096_key_is_split_across_entries_and_read_back_whole() {
        let store = Limited::new(WINDOWS);
        let split = Split::new(&store, WINDOWS);
        let key = rsa_4096_pem();
        assert!(key.len() > 3300, "{}", key.len());
        // The entry alone refuses it, as the Credential Manager does today.
        assert!(matches!(
            (&store).set("ssh:ops:key", &key),
            Err(SecretError::PlatformLimit { .. })
        ));

        split.set("ssh:ops:key", &key).unwrap();
        assert_eq!(
            store.names(),
            ["ssh:ops:key", "ssh:ops:key#1", "ssh:ops:key#2"]
        );
        let first = store.raw("ssh:ops:key").unwrap();
        assert!(
            first.starts_with(&format!("fieldline-split-secret/1 3 {} ", key.len())),
            "{}",
            first.lines().next().unwrap()
        );
        assert_eq!(split.get("ssh:ops:key").unwrap(), Some(key.clone()));
        // Every entry within the limit, in the limit's own unit.
        for name in store.names() {
            assert!(
                WINDOWS.measure(&store.raw(&name).unwrap()) <= WINDOWS.max,
                "{name}"
            );
        }
    }

    #[test]
    fn a_secret_that_fits_stays_one_plain_entry() {
        let store = Limited::new(WINDOWS);
        let split = Split::new(&store, WINDOWS);
        split.set("connection:acme", "tok-3f9a").unwrap();
        assert_eq!(store.names(), ["connection:acme"]);
        assert_eq!(store.raw("connection:acme").as_deref(), Some("tok-3f9a"));
        // Exactly at the limit still fits.
        let full = "x".repeat(WINDOWS.max);
        split.set("connection:full", &full).unwrap();
        assert_eq!(store.raw("connection:full"), Some(full));
    }

    #[test]
    fn a_secret_saved_before_splitting_still_reads() {
        let store = Limited::new(WINDOWS);
        // As an earlier Fieldline (or a setup script) left it: one entry, no header.
        store.put("connection:old", "old-token");
        store.put("ssh:ops:password", "fieldline-split-secretive");
        let split = Split::new(&store, WINDOWS);
        assert_eq!(
            split.get("connection:old").unwrap().as_deref(),
            Some("old-token")
        );
        assert_eq!(
            split.get("ssh:ops:password").unwrap().as_deref(),
            Some("fieldline-split-secretive")
        );
        assert_eq!(split.get("connection:none").unwrap(), None);
    }

    #[test]
    fn multi_byte_text_is_cut_at_character_boundaries_in_the_limits_unit() {
        // Korean is 3 bytes but 1 UTF-16 unit; emoji are 4 bytes and 2 units.
        let secret = "비밀🔑".repeat(700);
        for limit in [
            WINDOWS,
            EntryLimit {
                max: 200,
                unit: Unit::Utf8Bytes,
            },
            EntryLimit {
                max: 97,
                unit: Unit::Utf16Units,
            },
        ] {
            let store = Limited::new(limit);
            let split = Split::new(&store, limit);
            split.set("k", &secret).unwrap();
            assert!(store.names().len() > 1, "{limit:?}");
            assert_eq!(split.get("k").unwrap().as_deref(), Some(secret.as_str()));
        }
    }

    #[test]
    fn the_largest_secret_fits_in_the_windows_limit() {
        let store = Limited::new(WINDOWS);
        let split = Split::new(&store, WINDOWS);
        let largest = "k".repeat(MAX_SECRET_BYTES);
        split.set("big", &largest).unwrap();
        assert_eq!(store.names().len(), 7);
        assert_eq!(split.get("big").unwrap(), Some(largest));
        let over = "k".repeat(MAX_SECRET_BYTES + 1);
        assert!(matches!(
            split.set("big", &over),
            Err(SecretError::TooLong { .. })
        ));
    }

    #[test]
    fn a_shorter_value_replaces_all_parts_and_removes_the_leftovers() {
        let limit = EntryLimit {
            max: 100,
            unit: Unit::Utf8Bytes,
        };
        let store = Limited::new(limit);
        let split = Split::new(&store, limit);
        store.put("other#1", "not ours");
        split.set("a", &"1".repeat(900)).unwrap();
        assert_eq!(store.names().len(), 11);
        split.set("a", &"2".repeat(300)).unwrap();
        assert_eq!(split.get("a").unwrap(), Some("2".repeat(300)));
        let parts: Vec<_> = store
            .names()
            .into_iter()
            .filter(|n| n.starts_with("a"))
            .collect();
        assert_eq!(parts, ["a", "a#1", "a#2", "a#3"]);
        // Back to one plain entry: every part goes.
        split.set("a", "short").unwrap();
        assert_eq!(store.names(), ["a", "other#1"]);
        assert_eq!(store.raw("a").as_deref(), Some("short"));
        // A longer one again, then delete: nothing of it stays.
        split.set("a", &"3".repeat(900)).unwrap();
        split.delete("a").unwrap();
        split.delete("a").unwrap();
        assert_eq!(store.names(), ["other#1"]);
        assert_eq!(split.get("a").unwrap(), None);
    }

    #[test]
    fn parts_that_do_not_add_up_are_refused_not_mixed() {
        let limit = EntryLimit {
            max: 100,
            unit: Unit::Utf8Bytes,
        };
        let store = Limited::new(limit);
        let split = Split::new(&store, limit);
        let old = "o".repeat(250);
        let new = "n".repeat(250);
        split.set("a", &old).unwrap();

        // A save interrupted after the other parts, before the first entry: the first
        // entry still describes the old value, whose other parts were overwritten.
        *store.fail_on.lock().unwrap() = Some("a".to_owned());
        assert!(split.set("a", &new).is_err());
        let err = split.get("a").unwrap_err();
        assert!(matches!(err, SecretError::SplitDamaged { .. }), "{err:?}");
        let shown = format!("{err} | {err:?}");
        assert!(
            shown.contains("enter the API token, password or key again"),
            "{shown}"
        );
        assert!(!shown.contains("ooo") && !shown.contains("nnn"), "{shown}");
        // Entering it again repairs it.
        *store.fail_on.lock().unwrap() = None;
        split.set("a", &new).unwrap();
        assert_eq!(split.get("a").unwrap(), Some(new.clone()));

        // A part deleted outside Fieldline.
        store.entries.lock().unwrap().remove("a#2");
        assert!(matches!(
            split.get("a"),
            Err(SecretError::SplitDamaged { .. })
        ));
        // A part changed outside Fieldline, same length.
        split.set("a", &new).unwrap();
        store.put("a#1", &"x".repeat(store.raw("a#1").unwrap().len()));
        assert!(matches!(
            split.get("a"),
            Err(SecretError::SplitDamaged { .. })
        ));
        // A header that is not one Fieldline writes.
        for head in [
            "fieldline-split-secret/1 garbage",
            "fieldline-split-secret/1 2 10\nabc",
            "fieldline-split-secret/1 0 3 0000000000000000\nabc",
            "fieldline-split-secret/1 65 3 0000000000000000\nabc",
            "fieldline-split-secret/1 1 18446744073709551615 0000000000000000\nabc",
        ] {
            store.put("a", head);
            assert!(
                matches!(split.get("a"), Err(SecretError::SplitDamaged { .. })),
                "{head}"
            );
        }
    }

    #[test]
    fn a_secret_that_looks_like_a_header_round_trips() {
        let store = Limited::new(WINDOWS);
        let split = Split::new(&store, WINDOWS);
        let odd = "fieldline-split-secret/1 1 5 0000000000000000\nhello";
        split.set("a", odd).unwrap();
        assert_eq!(split.get("a").unwrap().as_deref(), Some(odd));
    }

    #[test]
    fn a_limit_too_small_for_the_header_is_refused_without_writing() {
        let limit = EntryLimit {
            max: 40,
            unit: Unit::Utf8Bytes,
        };
        let store = Limited::new(limit);
        let split = Split::new(&store, limit);
        let err = split.set("a", &"s".repeat(100)).unwrap_err();
        assert!(matches!(err, SecretError::PlatformLimit { .. }), "{err:?}");
        assert!(store.names().is_empty());
    }

    #[test]
    fn an_empty_account_writes_nothing() {
        let store = Limited::new(WINDOWS);
        let split = Split::new(&store, WINDOWS);
        for result in [
            split.set("", &"s".repeat(3000)),
            split.get("").map(drop),
            split.delete(""),
        ] {
            assert!(matches!(result, Err(SecretError::InvalidAccount { .. })));
        }
        assert!(store.names().is_empty());
    }

    #[test]
    fn bound_secrets_split_too() {
        let store = Limited::new(WINDOWS);
        let split = Split::new(&store, WINDOWS);
        let to = Destination::http("https://prometheus.example/").unwrap();
        let long = "t".repeat(3000);
        split.set_bound("prometheus", &to, &long).unwrap();
        assert!(store.names().len() > 1);
        assert_eq!(split.get_for("prometheus", &to, None).unwrap(), Some(long));
    }
}
