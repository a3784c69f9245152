//! One round over a fleet: every check of every endpoint once, under a global and a
//! per-host cap on concurrent probes, rolled up to endpoints, sites and customers.
//! `fieldline check` prints this; the engine runs checks on their own schedules with the
//! same [`Prober`].

use crate::outcome::Outcome;
use crate::probe::Prober;
use fieldline_core::checks::CheckSpec;
use fieldline_core::{CheckKind, CheckState, Endpoint, Fleet};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;

/// Caps on probes running at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub global: usize,
    pub per_host: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            global: 256,
            per_host: 4,
        }
    }
}

/// One check's result in a round.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub kind: CheckKind,
    pub state: CheckState,
    pub latency_ms: Option<f64>,
    pub message: String,
}

/// An endpoint's results; its state is the worst of its checks'.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointStatus {
    pub id: String,
    pub name: String,
    pub customer: String,
    pub site: String,
    pub state: CheckState,
    pub checks: Vec<CheckResult>,
    /// What an existing Prometheus/Alertmanager says of this endpoint (silenced results are
    /// shown but do not count towards its state).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<crate::source_prom::SourceResult>,
}

/// A site or customer: its worst state and how many endpoints are in each.
#[derive(Debug, Clone, Serialize)]
pub struct Rollup {
    pub id: String,
    pub state: CheckState,
    pub counts: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoundReport {
    pub took_ms: u64,
    pub state: CheckState,
    pub endpoints: Vec<EndpointStatus>,
    pub sites: Vec<Rollup>,
    pub customers: Vec<Rollup>,
}

/// Runs every check of `fleet` once.
pub async fn run_round(prober: Arc<Prober>, fleet: &Fleet, limits: Limits) -> RoundReport {
    let started = Instant::now();
    let global = Arc::new(Semaphore::new(limits.global.max(1)));
    let mut per_host: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    let mut outcomes: HashMap<(usize, usize), Outcome> = HashMap::new();
    for (e, endpoint) in fleet.endpoints.iter().enumerate() {
        for (c, check) in endpoint.checks.iter().enumerate() {
            let spec = CheckSpec::parse(check);
            let host = spec
                .as_ref()
                .ok()
                .and_then(|s| s.common.host.clone())
                .unwrap_or_else(|| endpoint.host.clone());
            let host_cap = per_host
                .entry(host.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(limits.per_host.max(1))))
                .clone();
            // The check waits for its global slot before its task exists, so a round holds
            // at most `global` probe tasks, not one per check (10,000 waiting tasks cost
            // ~35 MB). The semaphore is fair: probes start in the fleet's order.
            let slot = match &spec {
                Ok(_) => Some(global.clone().acquire_owned().await),
                Err(_) => None,
            };
            let prober = prober.clone();
            let endpoint = endpoint.clone();
            tasks.spawn(async move {
                let outcome = match spec {
                    Err(e) => Outcome::unknown(format!("the check's settings are wrong: {e}")),
                    Ok(spec) => {
                        let _g = slot;
                        let _h = host_cap.acquire_owned().await;
                        prober.probe(&endpoint, &host, &spec).await
                    }
                };
                (e, c, outcome)
            });
            // A finished task keeps its memory until it is joined.
            while let Some(done) = tasks.try_join_next() {
                if let Ok((e, c, outcome)) = done {
                    outcomes.insert((e, c), outcome);
                }
            }
        }
    }
    while let Some(done) = tasks.join_next().await {
        if let Ok((e, c, outcome)) = done {
            outcomes.insert((e, c), outcome);
        }
    }
    let endpoints: Vec<EndpointStatus> = fleet
        .endpoints
        .iter()
        .enumerate()
        .map(|(e, endpoint)| status_of(fleet, endpoint, |c| outcomes.remove(&(e, c))))
        .collect();
    let mut report = RoundReport {
        took_ms: 0,
        state: CheckState::Ok,
        endpoints,
        sites: Vec::new(),
        customers: Vec::new(),
    };
    report.roll_up();
    report.took_ms = started.elapsed().as_millis() as u64;
    report
}

impl RoundReport {
    /// Recomputes every endpoint's, site's and customer's state from the results.
    fn roll_up(&mut self) {
        for e in &mut self.endpoints {
            let probes = e.checks.iter().map(|c| c.state);
            let sources = e.sources.iter().filter(|r| !r.silenced).map(|r| r.state);
            e.state = probes
                .chain(sources)
                .fold(CheckState::Ok, CheckState::worst);
        }
        self.sites = rollups(&self.endpoints, |s| &s.site);
        self.customers = rollups(&self.endpoints, |s| &s.customer);
        self.state = self
            .endpoints
            .iter()
            .fold(CheckState::Ok, |w, e| w.worst(e.state));
    }

    /// Adds what an existing Prometheus/Alertmanager says to the endpoints it maps to.
    pub fn merge_source(&mut self, source: &crate::source_prom::SourceReport) {
        for found in &source.endpoints {
            if let Some(e) = self.endpoints.iter_mut().find(|e| e.id == found.endpoint) {
                e.sources.extend(found.results.iter().cloned());
            }
        }
        self.roll_up();
    }
}

fn status_of(
    fleet: &Fleet,
    endpoint: &Endpoint,
    mut outcome: impl FnMut(usize) -> Option<Outcome>,
) -> EndpointStatus {
    let checks: Vec<CheckResult> = endpoint
        .checks
        .iter()
        .enumerate()
        .map(|(c, check)| {
            let o = outcome(c)
                .unwrap_or_else(|| Outcome::unknown("the probe stopped without a result"));
            CheckResult {
                kind: check.kind,
                state: o.state,
                latency_ms: o.latency_ms.map(|ms| (ms * 10.0).round() / 10.0),
                message: o.message,
            }
        })
        .collect();
    let state = checks.iter().fold(CheckState::Ok, |w, c| w.worst(c.state));
    EndpointStatus {
        sources: Vec::new(),
        id: endpoint.id.clone(),
        name: endpoint.name.clone(),
        customer: fleet
            .site(&endpoint.site)
            .map(|s| s.customer.clone())
            .unwrap_or_default(),
        site: endpoint.site.clone(),
        state,
        checks,
    }
}

fn rollups(endpoints: &[EndpointStatus], key: impl Fn(&EndpointStatus) -> &String) -> Vec<Rollup> {
    let mut by: BTreeMap<&String, Rollup> = BTreeMap::new();
    for e in endpoints {
        let r = by.entry(key(e)).or_insert_with(|| Rollup {
            id: key(e).clone(),
            state: CheckState::Ok,
            counts: BTreeMap::new(),
        });
        r.state = r.state.worst(e.state);
        *r.counts.entry(e.state.as_str()).or_default() += 1;
    }
    by.into_values().collect()
}
