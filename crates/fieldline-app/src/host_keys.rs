//! Fieldline's known host keys: listing, forgetting and importing, as the window and
//! `fieldline known-hosts` both do it. Forgetting a key or trusting a file of keys is the
//! technician's call, asked through [`Confirm`]: a script in the window that could forget a
//! changed key and then accept the new one would defeat "a changed key is refused".

use crate::consent::{Ask, Confirm};
use crate::house::Stores;
use crate::remote::{paths, remote_error, Context};
use fieldline_ipc::{IpcError, Language};
use fieldline_ssh::audit::AuditAction;
use fieldline_ssh::known_hosts::{ImportReport, KnownHostEntry, KnownHosts};
use std::path::Path;

fn known(stores: &impl Stores) -> Result<KnownHosts, IpcError> {
    Ok(KnownHosts::new(paths(stores)?.known_hosts))
}

fn not_approved(message: String) -> IpcError {
    IpcError::NotApproved { message }
}

/// Every key Fieldline trusts.
pub fn list(stores: &impl Stores) -> Result<Vec<KnownHostEntry>, IpcError> {
    known(stores)?.list().map_err(remote_error)
}

fn forget_ask(entry: &KnownHostEntry, hosts: Option<&str>) -> Ask {
    Ask::ForgetHostKey {
        hosts: hosts
            .map(str::to_owned)
            .or_else(|| entry.hosts.clone())
            .unwrap_or_else(|| "(hashed host name)".to_owned()),
        key_type: entry.key_type.clone(),
        fingerprint: entry.fingerprint.clone(),
    }
}

fn audit_forgotten(stores: &impl Stores, entry: &KnownHostEntry) -> Result<(), IpcError> {
    Context {
        fleet: Default::default(),
        profiles: Vec::new(),
        paths: paths(stores)?,
    }
    .record(
        AuditAction::HostKeyForgotten,
        None,
        None,
        serde_json::json!({ "hosts": entry.hosts, "key_type": entry.key_type, "fingerprint": entry.fingerprint }),
    )
}

/// Forgets the key on `line` (after a verified key change), once approved; the keys left.
pub fn forget_line(
    stores: &impl Stores,
    line: usize,
    confirm: &dyn Confirm,
    lang: Language,
) -> Result<Vec<KnownHostEntry>, IpcError> {
    let known = known(stores)?;
    let entry_at = |known: &KnownHosts| -> Result<KnownHostEntry, IpcError> {
        known
            .list()
            .map_err(remote_error)?
            .into_iter()
            .find(|e| e.line == line)
            .ok_or_else(|| IpcError::NotFound {
                message: match lang {
                    Language::En => format!("line {line} of known_hosts holds no host key"),
                    Language::Ko => format!("known_hosts의 {line}번째 줄에 호스트 키가 없습니다"),
                },
            })
    };
    let entry = entry_at(&known)?;
    confirm
        .confirm(&forget_ask(&entry, None))
        .require(lang)
        .map_err(not_approved)?;
    // The file may have changed while the technician was asked: forget only what was
    // approved.
    if entry_at(&known)? != entry {
        return Err(not_approved(match lang {
            Language::En => "known_hosts changed while you were asked; nothing was removed".into(),
            Language::Ko => {
                "확인하는 동안 known_hosts가 바뀌어 아무것도 삭제하지 않았습니다".into()
            }
        }));
    }
    known.remove_line(line).map_err(remote_error)?;
    audit_forgotten(stores, &entry)?;
    known.list().map_err(remote_error)
}

/// Forgets every key of `host:port` (each one approved); how many were removed.
pub fn forget_host(
    stores: &impl Stores,
    host: &str,
    port: u16,
    confirm: &dyn Confirm,
    lang: Language,
) -> Result<usize, IpcError> {
    let known = known(stores)?;
    let entries = known.entries_for(host, port).map_err(remote_error)?;
    if entries.is_empty() {
        return Err(IpcError::NotFound {
            message: match lang {
                Language::En => format!("no key is known for {host}:{port}"),
                Language::Ko => format!("{host}:{port}에 대해 알려진 키가 없습니다"),
            },
        });
    }
    let name = format!("{host}:{port}");
    for entry in &entries {
        confirm
            .confirm(&forget_ask(entry, Some(&name)))
            .require(lang)
            .map_err(not_approved)?;
    }
    if known.entries_for(host, port).map_err(remote_error)? != entries {
        return Err(not_approved(match lang {
            Language::En => "known_hosts changed while you were asked; nothing was removed".into(),
            Language::Ko => {
                "확인하는 동안 known_hosts가 바뀌어 아무것도 삭제하지 않았습니다".into()
            }
        }));
    }
    let removed = known.remove(host, port).map_err(remote_error)?;
    for entry in &entries {
        audit_forgotten(stores, entry)?;
    }
    Ok(removed)
}

/// The host keys a known_hosts file holds (lines that are neither blank nor comments).
fn keys_in(file: &Path) -> usize {
    std::fs::read_to_string(file)
        .map(|t| {
            t.lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .count()
        })
        .unwrap_or(0)
}

/// The OpenSSH known_hosts file of this user.
pub fn openssh_file(lang: Language) -> Result<std::path::PathBuf, IpcError> {
    dirs::home_dir()
        .map(|h| h.join(".ssh").join("known_hosts"))
        .ok_or_else(|| {
            remote_error(match lang {
                Language::En => "no home folder: there is no ~/.ssh/known_hosts",
                Language::Ko => "홈 폴더가 없어 ~/.ssh/known_hosts를 찾을 수 없습니다",
            })
        })
}

/// Trusts every key of an OpenSSH known_hosts `file` at once, once approved.
pub fn import(
    stores: &impl Stores,
    file: &Path,
    confirm: &dyn Confirm,
    lang: Language,
) -> Result<ImportReport, IpcError> {
    let keys = keys_in(file);
    if keys > 0 {
        confirm
            .confirm(&Ask::ImportKnownHosts {
                file: file.display().to_string(),
                keys,
            })
            .require(lang)
            .map_err(not_approved)?;
    }
    known(stores)?.import_openssh(file).map_err(remote_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Decision;
    use crate::testing::{store, Recorded};

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMpxeGpStT7Q9gEpPy42WwL+ChRT8sG+boItm2qWPcgq";

    #[test]
    fn a_key_is_forgotten_or_trusted_only_when_approved() {
        let dir = tempfile::tempdir().expect("temp dir");
        let stores = store(dir.path());
        let openssh = dir.path().join("openssh");
        std::fs::write(&openssh, format!("[10.0.0.9]:2222 {KEY}\n")).expect("write");

        let no = Recorded::answering(Decision::Declined);
        let refused = import(&stores, &openssh, &no, Language::Ko).expect_err("declined");
        assert!(
            matches!(refused, IpcError::NotApproved { .. }),
            "{refused:?}"
        );
        assert_eq!(
            no.asked(),
            vec![Ask::ImportKnownHosts {
                file: openssh.display().to_string(),
                keys: 1
            }]
        );
        assert!(list(&stores).expect("list").is_empty());

        let yes = Recorded::answering(Decision::Approved);
        assert_eq!(
            import(&stores, &openssh, &yes, Language::En)
                .expect("import")
                .added,
            1
        );
        let entries = list(&stores).expect("list");
        assert_eq!(entries.len(), 1);

        let line = entries[0].line;
        forget_line(&stores, line, &no, Language::En).expect_err("declined");
        assert_eq!(list(&stores).expect("list").len(), 1, "kept when declined");
        match &no.asked()[1] {
            Ask::ForgetHostKey { fingerprint, .. } => {
                assert_eq!(fingerprint, &entries[0].fingerprint)
            }
            other => panic!("{other:?}"),
        }
        forget_host(&stores, "10.0.0.9", 2222, &no, Language::En).expect_err("declined");
        assert_eq!(list(&stores).expect("list").len(), 1, "kept when declined");

        assert!(forget_line(&stores, line, &yes, Language::En)
            .expect("forgotten")
            .is_empty());
        let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("audit");
        assert!(audit.contains("host_key_forgotten"), "{audit}");
        let none = forget_host(&stores, "10.0.0.9", 2222, &yes, Language::Ko).expect_err("none");
        assert!(matches!(none, IpcError::NotFound { .. }), "{none:?}");
    }
}
