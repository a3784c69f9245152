//! Fan-out as both front doors perform it: pick the hosts, state the blast radius, ask,
//! run, audit. The window and `fieldline run` call these functions; neither has its own.

use crate::consent::{Ask, Confirm};
use crate::remote::Context;
use fieldline_core::Fleet;
use fieldline_ipc::{FanoutPreview, FanoutTarget, Language};
use fieldline_keychain::SecretStore;
use fieldline_ssh::audit::{AuditAction, AuditLog};
use fieldline_ssh::connect::ConnectOptions;
use fieldline_ssh::fanout::{
    self, Cancel, FanoutHost, FanoutOptions, HostResult, Selector, Summary,
};
use std::collections::BTreeMap;

/// The hosts a selection picks, with their routes, ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub hosts: Vec<FanoutHost>,
    pub preview: FanoutPreview,
}

/// What `selector` picks in `fleet`, for the preview (no routes needed).
pub fn preview(fleet: &Fleet, selector: &Selector) -> Result<FanoutPreview, String> {
    let picked = selector.select(fleet)?;
    let endpoints: Vec<FanoutTarget> = picked
        .iter()
        .map(|e| FanoutTarget {
            id: e.id.clone(),
            customer: fleet
                .site(&e.site)
                .map(|s| s.customer.clone())
                .unwrap_or_default(),
            site: e.site.clone(),
            host: e.host.clone(),
        })
        .collect();
    let customers: std::collections::BTreeSet<_> = endpoints.iter().map(|e| &e.customer).collect();
    Ok(FanoutPreview {
        customers: u32::try_from(customers.len()).unwrap_or(u32::MAX),
        endpoints,
    })
}

/// The hosts `selector` picks with the route to each (jump hosts, credential profiles).
pub fn plan(ctx: &Context, selector: &Selector) -> Result<Plan, String> {
    let preview = preview(&ctx.fleet, selector)?;
    if preview.endpoints.is_empty() {
        return Err("no endpoint matches this selection".to_owned());
    }
    let mut hosts = Vec::new();
    for t in &preview.endpoints {
        let route = ctx.route(&t.id).map_err(|e| e.to_string())?;
        hosts.push(FanoutHost {
            endpoint: t.id.clone(),
            customer: t.customer.clone(),
            route,
        });
    }
    Ok(Plan { hosts, preview })
}

impl Plan {
    /// The question before running `command`: every host, and how many of each customer.
    pub fn ask(&self, command: &str) -> Ask {
        let mut per: BTreeMap<&str, usize> = BTreeMap::new();
        for h in &self.hosts {
            *per.entry(h.customer.as_str()).or_default() += 1;
        }
        let mut customers: Vec<(String, usize)> =
            per.into_iter().map(|(c, n)| (c.to_owned(), n)).collect();
        customers.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ask::Fanout {
            command: command.to_owned(),
            hosts: self
                .hosts
                .iter()
                .map(|h| format!("{} ({})", h.endpoint, h.customer))
                .collect(),
            customers,
        }
    }

    /// Asks `confirm`; `Err` with the words to show when it is not approved.
    pub fn confirm(
        &self,
        command: &str,
        confirm: &dyn Confirm,
        lang: Language,
    ) -> Result<(), String> {
        if command.trim().is_empty() {
            return Err(match lang {
                Language::En => "the command is empty".to_owned(),
                Language::Ko => "명령이 비어 있습니다".to_owned(),
            });
        }
        confirm.confirm(&self.ask(command)).require(lang)
    }
}

/// How an approved plan runs: limits, host keys, where secrets and the audit log are.
pub struct RunWith<'a> {
    pub options: &'a FanoutOptions,
    pub connect: &'a ConnectOptions,
    pub secrets: &'a dyn SecretStore,
    pub cancel: &'a Cancel,
    pub log: &'a AuditLog,
}

/// Runs an approved plan, auditing the start, every host's result and the summary; refused
/// (nothing run) when the start cannot be audited. `on_change` sees each host's state as it
/// changes.
pub fn run_audited(
    plan: Plan,
    command: &str,
    with: &RunWith<'_>,
    on_change: &(dyn Fn(&HostResult) + Sync),
) -> Result<Vec<HostResult>, String> {
    with.log
        .append(
            AuditAction::FanoutStarted,
            None,
            None,
            serde_json::json!({ "command": command, "hosts": plan.hosts.iter().map(|h| &h.endpoint).collect::<Vec<_>>() }),
        )
        .map_err(|e| e.refusal())?;
    let results = fanout::run(
        plan.hosts,
        command,
        with.options,
        with.connect,
        with.secrets,
        with.cancel,
        on_change,
    );
    for r in &results {
        let _ = with.log.append(
            AuditAction::CommandRun,
            Some(&r.customer),
            Some(&r.endpoint),
            serde_json::json!({ "command": command, "state": r.state, "exit": r.exit }),
        );
    }
    let _ = with.log.append(
        AuditAction::FanoutFinished,
        None,
        None,
        serde_json::to_value(Summary::of(&results)).unwrap_or_default(),
    );
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Decision;
    use crate::testing::Recorded;
    use std::sync::Mutex;

    fn fleet() -> Fleet {
        let text = r#"
[[customers]]
id = "acme"
name = "ACME"
[[customers]]
id = "hanbit"
name = "Hanbit"
[[sites]]
id = "acme-hq"
customer = "acme"
name = "HQ"
timezone = "Asia/Seoul"
[[sites]]
id = "hanbit-hq"
customer = "hanbit"
name = "HQ"
timezone = "Asia/Seoul"
[[endpoints]]
id = "web1"
site = "acme-hq"
host = "10.0.0.1"
ssh = { credential = "ops" }
[[endpoints]]
id = "web2"
site = "acme-hq"
host = "10.0.0.2"
ssh = { credential = "ops" }
[[endpoints]]
id = "db"
site = "hanbit-hq"
host = "10.0.1.1"
ssh = { credential = "ops" }
"#;
        fieldline_core::fleet_file::parse("f.toml", text).expect("fleet")
    }

    #[test]
    fn the_question_counts_hosts_per_customer_and_a_refusal_is_said() {
        let fleet = fleet();
        let ops = fieldline_ssh::profile::CredentialProfile {
            name: "ops".into(),
            user: None,
            method: fieldline_ssh::profile::AuthMethod::Agent,
        };
        let ctx = Context {
            fleet,
            profiles: vec![ops],
            paths: fieldline_ssh::DataPaths::in_dir(std::path::Path::new("unused")),
        };
        let plan = plan(&ctx, &Selector::parse("web1,web2,db").expect("selector")).expect("plan");
        let ask = plan.ask("uptime");
        match &ask {
            Ask::Fanout {
                hosts, customers, ..
            } => {
                assert_eq!(hosts.len(), 3);
                assert_eq!(
                    customers,
                    &vec![("acme".to_owned(), 2), ("hanbit".to_owned(), 1)]
                );
            }
            other => panic!("{other:?}"),
        }
        let no = Recorded(Mutex::new(Vec::new()), Decision::Declined);
        assert!(plan.confirm("uptime", &no, Language::En).is_err());
        assert_eq!(no.0.lock().expect("asks").len(), 1);
        let empty = Recorded(Mutex::new(Vec::new()), Decision::Approved);
        assert!(plan.confirm("  ", &empty, Language::En).is_err());
        assert!(
            empty.0.lock().expect("asks").is_empty(),
            "an empty command is never asked"
        );
    }
}
