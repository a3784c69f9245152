//! Fan-out: one command on many hosts, at most N at a time, with each host's exit status
//! and output as it finishes, and a summary.
//!
//! Hosts that cannot be reached (no route, refused, timed out: not a failed command or a
//! refused login) can be *queued*: they are tried again every [`FanoutOptions::retry_every`]
//! until [`FanoutOptions::queue_for`] has passed (then they are `expired`), and each one can
//! be cancelled while it waits.
//!
//! Fan-out never asks anything: host keys must already be known (a first contact or a
//! changed key fails that host with the reason), and secrets come from the keychain only.
//! What the technician confirms before a run (how many hosts of how many customers) is the
//! caller's job; this module runs exactly the hosts it is given.

use crate::connect::{self, ConnectOptions, Connection, Prompter, Route};
use fieldline_keychain::SecretStore;
use serde::Serialize;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use ts_rs::TS;

/// Most hosts at once.
pub const MAX_CONCURRENCY: usize = 64;
/// Output kept per host (stdout and stderr together, in arrival order per stream).
pub const MAX_OUTPUT: usize = 64 * 1024;

/// One host to run on.
#[derive(Debug, Clone)]
pub struct FanoutHost {
    pub endpoint: String,
    pub customer: String,
    pub route: Route,
}

#[derive(Debug, Clone)]
pub struct FanoutOptions {
    pub concurrency: usize,
    /// The whole run on one host: connect, command, output.
    pub timeout: Duration,
    /// Queue unreachable hosts for this long (`None`: report them unreachable at once).
    pub queue_for: Option<Duration>,
    pub retry_every: Duration,
}

impl Default for FanoutOptions {
    fn default() -> Self {
        FanoutOptions {
            concurrency: 10,
            timeout: Duration::from_secs(300),
            queue_for: None,
            retry_every: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HostState {
    Waiting,
    Running,
    /// The command ran and exited 0.
    Ok,
    /// The command exited non-zero, or the login or host key failed.
    Failed,
    Unreachable,
    Queued,
    Expired,
    Cancelled,
}

impl HostState {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            HostState::Ok
                | HostState::Failed
                | HostState::Unreachable
                | HostState::Expired
                | HostState::Cancelled
        )
    }
}

/// One host's part of a run, as the window and `fieldline run --json` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HostResult {
    pub endpoint: String,
    pub customer: String,
    pub state: HostState,
    pub exit: Option<i32>,
    /// What the command printed (stdout then stderr), cleaned and bounded; text only.
    pub output: String,
    pub error: Option<String>,
    /// Unix seconds until which a queued host is retried.
    #[ts(type = "number | null")]
    pub queued_until: Option<i64>,
    #[ts(type = "number | null")]
    pub duration_ms: Option<u64>,
}

/// Counts per final state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct Summary {
    pub hosts: u32,
    pub ok: u32,
    pub failed: u32,
    pub unreachable: u32,
    pub expired: u32,
    pub cancelled: u32,
}

impl Summary {
    pub fn of(results: &[HostResult]) -> Summary {
        let mut s = Summary {
            hosts: results.len() as u32,
            ..Summary::default()
        };
        for r in results {
            match r.state {
                HostState::Ok => s.ok += 1,
                HostState::Failed => s.failed += 1,
                HostState::Unreachable => s.unreachable += 1,
                HostState::Expired => s.expired += 1,
                HostState::Cancelled => s.cancelled += 1,
                HostState::Waiting | HostState::Running | HostState::Queued => {}
            }
        }
        s
    }
}

/// Which endpoints a run touches: every endpoint that matches all the given parts
/// (customer, site, tag), or exactly the listed endpoints when `endpoints` is not empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
pub struct Selector {
    pub customer: Option<String>,
    pub site: Option<String>,
    pub tag: Option<String>,
    pub endpoints: Vec<String>,
}

impl Selector {
    /// Parses the CLI's form: `customer:ID`, `site:ID`, `tag:NAME`, or endpoint ids
    /// separated by commas; parts may be joined with `+` (`site:seoul+tag:linux`).
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut s = Selector::default();
        for part in text.split('+').map(str::trim) {
            match part.split_once(':') {
                Some(("customer", v)) if !v.is_empty() => s.customer = Some(v.to_owned()),
                Some(("site", v)) if !v.is_empty() => s.site = Some(v.to_owned()),
                Some(("tag", v)) if !v.is_empty() => s.tag = Some(v.to_owned()),
                Some((kind, _)) => {
                    return Err(format!(
                        "unknown selector {kind:?} in {text:?}: use customer:ID, site:ID, tag:NAME or endpoint ids separated by commas"
                    ))
                }
                None if !part.is_empty() => s
                    .endpoints
                    .extend(part.split(',').map(str::trim).filter(|e| !e.is_empty()).map(str::to_owned)),
                None => return Err(format!("empty selector part in {text:?}")),
            }
        }
        if s == Selector::default() {
            return Err(
                "the selector is empty: name a customer, site, tag or endpoints".to_owned(),
            );
        }
        Ok(s)
    }

    /// The endpoints selected, in fleet order; listed ids that do not exist are an error.
    pub fn select<'f>(
        &self,
        fleet: &'f fieldline_core::Fleet,
    ) -> Result<Vec<&'f fieldline_core::Endpoint>, String> {
        if !self.endpoints.is_empty() {
            return self
                .endpoints
                .iter()
                .map(|id| {
                    fleet
                        .endpoint(id)
                        .ok_or_else(|| format!("there is no endpoint {id:?} in the fleet"))
                })
                .collect();
        }
        let customer_of = |e: &fieldline_core::Endpoint| {
            fleet
                .site(&e.site)
                .map(|s| s.customer.as_str())
                .unwrap_or("")
        };
        Ok(fleet
            .endpoints
            .iter()
            .filter(|e| self.customer.as_deref().is_none_or(|c| customer_of(e) == c))
            .filter(|e| self.site.as_deref().is_none_or(|s| e.site == s))
            .filter(|e| {
                self.tag
                    .as_deref()
                    .is_none_or(|t| e.tags.iter().any(|x| x == t))
            })
            .collect())
    }
}

/// Cancels queued hosts (by endpoint) or the whole rest of a run.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    all: Arc<AtomicBool>,
    hosts: Arc<Mutex<HashSet<String>>>,
}

impl Cancel {
    /// Cancels everything not yet started and every queued host.
    pub fn all(&self) {
        self.all.store(true, Ordering::Relaxed);
    }

    pub fn host(&self, endpoint: &str) {
        self.hosts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(endpoint.to_owned());
    }

    fn is(&self, endpoint: &str) -> bool {
        self.all.load(Ordering::Relaxed)
            || self
                .hosts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(endpoint)
    }
}

/// Answers no to everything: fan-out never asks.
pub struct Unattended;

impl Prompter for Unattended {
    fn host_key(&mut self, _q: &connect::HostKeyQuestion) -> bool {
        false
    }
    fn secret(&mut self, _q: &connect::SecretQuestion) -> Option<String> {
        None
    }
}

struct Shared {
    results: Vec<HostResult>,
    /// Indexes of hosts to run now, in order.
    ready: VecDeque<usize>,
    /// Indexes of queued hosts and when to try each again.
    queued: Vec<(usize, Instant, Instant)>,
}

fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Runs `command` on every host; calls `on_change` with each host's result whenever it
/// changes (from several threads, one at a time); returns every result when all are final.
pub fn run(
    hosts: Vec<FanoutHost>,
    command: &str,
    options: &FanoutOptions,
    connect_options: &ConnectOptions,
    secrets: &dyn SecretStore,
    cancel: &Cancel,
    on_change: &(dyn Fn(&HostResult) + Sync),
) -> Vec<HostResult> {
    let shared = Mutex::new(Shared {
        results: hosts
            .iter()
            .map(|h| HostResult {
                endpoint: h.endpoint.clone(),
                customer: h.customer.clone(),
                state: HostState::Waiting,
                exit: None,
                output: String::new(),
                error: None,
                queued_until: None,
                duration_ms: None,
            })
            .collect(),
        ready: (0..hosts.len()).collect(),
        queued: Vec::new(),
    });
    let lock = || shared.lock().unwrap_or_else(PoisonError::into_inner);
    let update = |i: usize, f: &dyn Fn(&mut HostResult)| {
        let mut s = lock();
        f(&mut s.results[i]);
        on_change(&s.results[i]);
    };
    let workers = options
        .concurrency
        .clamp(1, MAX_CONCURRENCY)
        .min(hosts.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                // The next host: a ready one, else a queued one whose retry is due, else
                // wait for one (or end when nothing can come any more).
                let next = {
                    let mut s = lock();
                    let now = Instant::now();
                    // Queued hosts: expired, cancelled or due.
                    let mut i = 0;
                    let mut settled = Vec::new();
                    while i < s.queued.len() {
                        let (host, due, until) = s.queued[i];
                        if cancel.is(&hosts[host].endpoint) {
                            s.queued.remove(i);
                            settled.push((host, HostState::Cancelled));
                        } else if now >= until {
                            s.queued.remove(i);
                            settled.push((host, HostState::Expired));
                        } else if now >= due {
                            s.queued.remove(i);
                            s.ready.push_back(host);
                        } else {
                            i += 1;
                        }
                    }
                    for (host, state) in settled {
                        s.results[host].state = state;
                        on_change(&s.results[host]);
                    }
                    match s.ready.pop_front() {
                        Some(host) if cancel.is(&hosts[host].endpoint) => {
                            s.results[host].state = HostState::Cancelled;
                            on_change(&s.results[host]);
                            continue;
                        }
                        Some(host) => Some(host),
                        None if s.queued.is_empty() => None,
                        None => {
                            drop(s);
                            std::thread::sleep(Duration::from_millis(200));
                            continue;
                        }
                    }
                };
                let Some(i) = next else { break };
                update(i, &|r| {
                    r.state = HostState::Running;
                    r.error = None;
                });
                let started = Instant::now();
                let outcome = run_one(&hosts[i].route, command, options, connect_options, secrets);
                let ms = started.elapsed().as_millis() as u64;
                match outcome {
                    Ok((exit, output)) => update(i, &|r| {
                        r.state = if exit == 0 {
                            HostState::Ok
                        } else {
                            HostState::Failed
                        };
                        r.exit = Some(exit);
                        r.output = output.clone();
                        r.queued_until = None;
                        r.duration_ms = Some(ms);
                    }),
                    Err((unreachable, message)) => {
                        let queue = options.queue_for.filter(|_| unreachable);
                        let mut s = lock();
                        let first = s.results[i].queued_until.is_none();
                        let r = &mut s.results[i];
                        r.error = Some(message);
                        r.duration_ms = Some(ms);
                        match queue {
                            Some(wait) => {
                                if first {
                                    r.queued_until = Some(now_unix() + wait.as_secs() as i64);
                                }
                                r.state = HostState::Queued;
                                let until = match r.queued_until {
                                    Some(t) => {
                                        Instant::now()
                                            + Duration::from_secs((t - now_unix()).max(0) as u64)
                                    }
                                    None => Instant::now(),
                                };
                                on_change(&s.results[i]);
                                s.queued
                                    .push((i, Instant::now() + options.retry_every, until));
                            }
                            None => {
                                r.state = if unreachable {
                                    HostState::Unreachable
                                } else {
                                    HostState::Failed
                                };
                                on_change(&s.results[i]);
                            }
                        }
                    }
                }
            });
        }
    });
    shared
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .results
}

/// Connects and runs the command; `Err((unreachable, message))`.
fn run_one(
    route: &Route,
    command: &str,
    options: &FanoutOptions,
    connect_options: &ConnectOptions,
    secrets: &dyn SecretStore,
) -> Result<(i32, String), (bool, String)> {
    let connection: Connection = connect::connect(route, connect_options, secrets, &mut Unattended)
        .map_err(|e| (e.is_unreachable(), e.to_string()))?;
    let out = connection
        .exec(
            command,
            connect::ExecLimits {
                max_output: MAX_OUTPUT,
                timeout: options.timeout,
            },
        )
        .map_err(|e| (false, e.to_string()))?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.stderr.is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    if out.truncated {
        text.push_str("\n[output cut by Fieldline]");
    }
    Ok((out.status, clean_output(&text)))
}

/// Output as text: terminal escapes and other control characters (but newlines and tabs)
/// replaced, so a hostile host cannot repaint the window or the technician's terminal.
pub fn clean_output(text: &str) -> String {
    text.chars()
        .filter(|&c| c != '\r')
        .map(|c| {
            if c == '\n' || c == '\t' || !c.is_control() {
                c
            } else {
                '\u{fffd}'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn selectors_parse_and_refuse_with_the_reason() {
        let s = Selector::parse("site:seoul+tag:linux").unwrap();
        assert_eq!(s.site.as_deref(), Some("seoul"));
        assert_eq!(s.tag.as_deref(), Some("linux"));
        assert_eq!(Selector::parse("a, b").unwrap().endpoints, ["a", "b"]);
        assert!(Selector::parse("host:x")
            .unwrap_err()
            .contains("unknown selector"));
        assert!(Selector::parse("").unwrap_err().contains("empty"));
    }

    #[test]
    fn a_selection_is_the_endpoints_matching_every_part() {
        let fleet = fieldline_core::demo::fleet();
        let all = Selector {
            customer: Some(fleet.customers[0].id.clone()),
            ..Selector::default()
        };
        let picked = all.select(&fleet).unwrap();
        assert!(!picked.is_empty());
        for e in &picked {
            assert_eq!(fleet.site(&e.site).unwrap().customer, fleet.customers[0].id);
        }
        let missing = Selector::parse("no-such-endpoint").unwrap().select(&fleet);
        assert!(missing.unwrap_err().contains("no-such-endpoint"));
    }

    #[test]
    fn summary_counts_final_states_only() {
        let r = |state| HostResult {
            endpoint: "e".into(),
            customer: "c".into(),
            state,
            exit: None,
            output: String::new(),
            error: None,
            queued_until: None,
            duration_ms: None,
        };
        let s = Summary::of(&[
            r(HostState::Ok),
            r(HostState::Ok),
            r(HostState::Failed),
            r(HostState::Queued),
            r(HostState::Expired),
        ]);
        assert_eq!((s.hosts, s.ok, s.failed, s.expired), (5, 2, 1, 1));
    }

    #[test]
    fn output_loses_escapes_but_keeps_lines() {
        assert_eq!(clean_output("a\u{1b}[2J\tb\r\nc"), "a\u{fffd}[2J\tb\nc");
    }
}
