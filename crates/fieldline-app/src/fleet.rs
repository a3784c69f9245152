//! Fleet changes and imports that may set up things acting with the technician's
//! credentials (commands run on a schedule, credential bindings, jump hosts, TLS checks
//! turned off, custom headers). The store lists them ([`fieldline_core::review`]); the
//! technician approves the list through [`Confirm`]; the store then writes only if the
//! change still sets up exactly that. The window, `fieldline fleet import` and
//! `fieldline ssh-import` all go through here.

use crate::consent::{Ask, Confirm};
use crate::house::Stores;
use fieldline_core::csv_import::{CsvOptions, CsvReport};
use fieldline_core::{Fleet, FleetChange, Risk};
use fieldline_ipc::{IpcError, Language};
use fieldline_ssh::profile::CredentialProfile;
use fieldline_ssh::ssh_config::{self, ImportPlan};
use fieldline_store::ImportCounts;
use std::path::Path;

/// Asks for `risks` (nothing to ask when there are none); `NotApproved` unless approved.
pub fn approve(
    confirm: &dyn Confirm,
    source: &str,
    risks: &[Risk],
    lang: Language,
) -> Result<(), IpcError> {
    if risks.is_empty() {
        return Ok(());
    }
    confirm
        .confirm(&Ask::FleetChange {
            source: source.to_owned(),
            items: risks.to_vec(),
        })
        .require(lang)
        .map_err(|message| IpcError::NotApproved { message })
}

/// One edit of the fleet.
pub fn apply_change(
    stores: &impl Stores,
    change: FleetChange,
    confirm: &dyn Confirm,
    lang: Language,
) -> Result<Fleet, IpcError> {
    let risks = stores.with_store(|s| s.plan_change(&change))?;
    let source = match lang {
        Language::En => "This change",
        Language::Ko => "이 변경",
    };
    approve(confirm, source, &risks, lang)?;
    stores.with_store(|s| s.apply_approved(change, &risks))
}

/// A fleet file (TOML) named `name`.
pub fn import_file(
    stores: &impl Stores,
    name: &str,
    text: &str,
    replace: bool,
    confirm: &dyn Confirm,
    lang: Language,
) -> Result<ImportCounts, IpcError> {
    let (_, risks) = stores.with_store(|s| s.plan_fleet_file(name, text, replace))?;
    approve(confirm, name, &risks, lang)?;
    stores.with_store(|s| s.import_fleet_file_approved(name, text, replace, &risks))
}

/// Endpoints from a CSV file; when nothing would be written the report says why.
pub fn import_csv(
    stores: &impl Stores,
    name: &str,
    bytes: &[u8],
    options: &CsvOptions,
    confirm: &dyn Confirm,
    lang: Language,
) -> Result<CsvReport, IpcError> {
    let (planned, risks) = stores.with_store(|s| s.plan_csv(name, bytes, options))?;
    if !planned.imported {
        return Ok(planned);
    }
    approve(confirm, name, &risks, lang)?;
    stores.with_store(|s| s.import_csv_approved(name, bytes, options, &risks))
}

/// The OpenSSH client configuration of this user.
pub fn openssh_config(lang: Language) -> Result<std::path::PathBuf, IpcError> {
    dirs::home_dir()
        .map(|h| h.join(".ssh").join("config"))
        .ok_or_else(|| IpcError::BadFile {
            message: match lang {
                Language::En => "no home folder: there is no ~/.ssh/config".into(),
                Language::Ko => "홈 폴더가 없어 ~/.ssh/config를 찾을 수 없습니다".into(),
            },
        })
}

/// The hosts of an OpenSSH client configuration `file` as endpoints of `site`, logging in
/// with `profile` where the file names no key; the bindings and jumps it sets up are
/// approved first. Returns what was added (nothing when no host is new).
pub fn import_ssh_config(
    stores: &impl Stores,
    file: &Path,
    site: &str,
    profile: Option<&str>,
    confirm: &dyn Confirm,
    lang: Language,
) -> Result<ImportPlan, IpcError> {
    let import = ssh_config::parse(file).map_err(|e| IpcError::BadFile {
        message: e.to_string(),
    })?;
    let name = file.display().to_string();
    let (plan, risks) = stores.with_store(|s| {
        let plan = ssh_config::import_plan(
            &import,
            site,
            &s.fleet()?,
            profile,
            &s.ssh_profiles::<CredentialProfile>()?,
        )
        .map_err(fieldline_store::StoreError::Rejected)?;
        let risks = if plan.endpoints.is_empty() {
            Vec::new()
        } else {
            s.plan_fleet_file(&name, &plan.fleet_text, false)?.1
        };
        Ok((plan, risks))
    })?;
    if plan.endpoints.is_empty() {
        return Ok(plan);
    }
    approve(confirm, &name, &risks, lang)?;
    stores.with_store(|s| {
        s.import_fleet_file_approved(&name, &plan.fleet_text, false, &risks)?;
        for p in &plan.new_profiles {
            s.put_ssh_profile(&p.name, p)?;
        }
        Ok(plan)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Decision;
    use crate::house::Stores;
    use crate::testing::{store, Recorded};

    const FLEET: &str = r#"
[[customers]]
id = "acme"
name = "ACME"
[[sites]]
id = "acme-hq"
customer = "acme"
name = "HQ"
timezone = "Asia/Seoul"
[[endpoints]]
id = "web"
site = "acme-hq"
host = "10.0.0.5"
[[endpoints.checks]]
kind = "ssh_command"
command = "touch /tmp/pwned"
"#;

    #[test]
    fn an_import_that_runs_commands_writes_nothing_unless_approved() {
        let dir = tempfile::tempdir().expect("temp dir");
        let stores = store(dir.path());
        let no = Recorded::answering(Decision::Declined);
        let refused =
            import_file(&stores, "f.toml", FLEET, false, &no, Language::En).expect_err("declined");
        assert!(
            matches!(refused, IpcError::NotApproved { .. }),
            "{refused:?}"
        );
        match &no.asked()[..] {
            [Ask::FleetChange { source, items }] => {
                assert_eq!(source, "f.toml");
                assert!(
                    items
                        .iter()
                        .any(|r| format!("{r:?}").contains("touch /tmp/pwned")),
                    "{items:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        let fleet = stores.with_store(|s| s.fleet()).expect("fleet");
        assert!(fleet.endpoints.is_empty(), "nothing written");

        let yes = Recorded::answering(Decision::Approved);
        let c = import_file(&stores, "f.toml", FLEET, false, &yes, Language::En).expect("import");
        assert_eq!(c.endpoints, 1);
    }
}
