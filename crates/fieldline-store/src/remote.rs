//! What remote sessions keep in the store: SSH credential profiles and the fan-out snippet
//! library.
//!
//! A profile is kept as the JSON of its one definition (`fieldline_ssh::profile`), which
//! this crate does not depend on: callers pass and receive it through serde. A profile
//! holds no secret (its key text, passphrase and password live in the OS keychain under
//! accounts named after the profile); nothing here may ever hold one.

use crate::{Store, StoreError};
use rusqlite::params;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use ts_rs::TS;

/// The longest snippet command kept (a snippet is a command line or a short script).
pub const MAX_SNIPPET_BYTES: usize = 64 * 1024;
/// The longest profile or snippet name.
pub const MAX_NAME_CHARS: usize = 80;

/// A saved command for fan-out and terminals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Snippet {
    pub name: String,
    pub command: String,
}

fn check_name(what: &str, name: &str) -> Result<(), StoreError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(StoreError::Rejected(format!("{what}: the name is empty")));
    }
    if trimmed != name {
        return Err(StoreError::Rejected(format!(
            "{what} {name:?}: the name starts or ends with spaces"
        )));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(StoreError::Rejected(format!(
            "{what}: the name is longer than {MAX_NAME_CHARS} characters or holds control characters"
        )));
    }
    Ok(())
}

impl Store {
    /// Every credential profile, by name.
    pub fn ssh_profiles<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, profile FROM ssh_profiles ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (name, text) = r?;
            serde_json::from_str(&text).map_err(|e| StoreError::Damaged {
                what: "ssh profile",
                id: name,
                detail: e.to_string(),
            })
        })
        .collect()
    }

    /// Adds or replaces the profile `name`.
    pub fn put_ssh_profile<T: Serialize>(
        &mut self,
        name: &str,
        profile: &T,
    ) -> Result<(), StoreError> {
        check_name("credential profile", name)?;
        let text = serde_json::to_string(profile).map_err(|e| StoreError::Damaged {
            what: "ssh profile",
            id: name.to_owned(),
            detail: e.to_string(),
        })?;
        self.conn.execute(
            "INSERT INTO ssh_profiles (name, profile) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET profile = excluded.profile",
            params![name, text],
        )?;
        Ok(())
    }

    /// Whether there was a profile `name` to remove.
    pub fn remove_ssh_profile(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM ssh_profiles WHERE name = ?1", [name])?
            > 0)
    }

    pub fn snippets(&self) -> Result<Vec<Snippet>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, command FROM snippets ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(Snippet {
                name: r.get(0)?,
                command: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Adds or replaces a snippet.
    pub fn put_snippet(&mut self, snippet: &Snippet) -> Result<(), StoreError> {
        check_name("snippet", &snippet.name)?;
        if snippet.command.trim().is_empty() {
            return Err(StoreError::Rejected(format!(
                "snippet {:?}: the command is empty",
                snippet.name
            )));
        }
        if snippet.command.len() > MAX_SNIPPET_BYTES {
            return Err(StoreError::Rejected(format!(
                "snippet {:?}: the command is {} bytes, more than {MAX_SNIPPET_BYTES}",
                snippet.name,
                snippet.command.len()
            )));
        }
        self.conn.execute(
            "INSERT INTO snippets (name, command) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET command = excluded.command",
            params![snippet.name, snippet.command],
        )?;
        Ok(())
    }

    pub fn remove_snippet(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM snippets WHERE name = ?1", [name])?
            > 0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Profile {
        name: String,
        user: Option<String>,
    }

    #[test]
    fn profiles_round_trip_replace_and_remove() {
        let (_dir, mut store) = store();
        let p = Profile {
            name: "acme-admin".into(),
            user: Some("관리자".into()),
        };
        store.put_ssh_profile("acme-admin", &p).unwrap();
        store
            .put_ssh_profile("acme-admin", &Profile { user: None, ..p })
            .unwrap();
        let all: Vec<Profile> = store.ssh_profiles().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].user, None);
        assert!(store.remove_ssh_profile("acme-admin").unwrap());
        assert!(!store.remove_ssh_profile("acme-admin").unwrap());
        assert!(store.ssh_profiles::<Profile>().unwrap().is_empty());
    }

    #[test]
    fn bad_names_and_commands_are_refused_with_the_reason() {
        let (_dir, mut store) = store();
        let e = store.put_ssh_profile(" x", &1).unwrap_err().to_string();
        assert!(e.contains("spaces"), "{e}");
        let e = store
            .put_ssh_profile("a\u{1b}[2J", &1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("control"), "{e}");
        let e = store
            .put_snippet(&Snippet {
                name: "empty".into(),
                command: "  ".into(),
            })
            .unwrap_err()
            .to_string();
        assert!(e.contains("empty"), "{e}");
        let e = store
            .put_snippet(&Snippet {
                name: "huge".into(),
                command: "x".repeat(MAX_SNIPPET_BYTES + 1),
            })
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than"), "{e}");
        assert!(store.snippets().unwrap().is_empty());
    }

    #[test]
    fn snippets_are_kept_by_name() {
        let (_dir, mut store) = store();
        for (name, command) in [("disk", "df -h"), ("apt", "apt list --upgradable")] {
            store
                .put_snippet(&Snippet {
                    name: name.into(),
                    command: command.into(),
                })
                .unwrap();
        }
        let names: Vec<_> = store
            .snippets()
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, ["apt", "disk"]);
        assert!(store.remove_snippet("apt").unwrap());
        assert_eq!(store.snippets().unwrap().len(), 1);
    }
}
