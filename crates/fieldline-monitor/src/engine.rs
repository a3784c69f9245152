//! The engine: every check on its own schedule (interval with jitter, so a thousand checks
//! of the same interval do not fire in the same second), under a global and a per-host cap,
//! each result judged against whether the laptop could see the target at all
//! ([`Lookout`]), turned into hard/soft states ([`crate::state`]) and alerts
//! ([`crate::alerts`]), and handed out in batches ([`Batch`]: a few per second at most, never
//! one per probe) for the store and the window.

use crate::alerts::{down_ancestor, Alert, Alerter, CheckKey, CheckView};
use crate::outcome::Outcome;
use crate::probe::Prober;
use crate::round::Limits;
use crate::state::{Tracker, Transition};
pub use crate::vantage::Offline;
use crate::vantage::Vantage;
use fieldline_core::checks::{CheckSpec, Observation};
use fieldline_core::{CheckKind, CheckState, Endpoint, Fleet};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, watch, Semaphore};
use ts_rs::TS;

/// Whether this laptop can see a host right now. A failed probe of a host it cannot see
/// is STALE, not a problem: losing the laptop's own network must not page anyone.
pub trait Lookout: Send + Sync + 'static {
    /// `None` when the way to `host` is clear; otherwise why it is not (said to a person).
    fn blocked(&self, host: &str) -> impl Future<Output = Option<String>> + Send;
    /// While the laptop as a whole is offline: since when and why.
    fn offline(&self) -> Option<Offline>;
    /// A probe of `host` passed: the way to it is known good (a VPN's path is remembered).
    fn reached(&self, _host: &str) {}
}

/// The real lookout: routes and links of this machine ([`crate::vantage`]).
impl Lookout for Vantage {
    async fn blocked(&self, host: &str) -> Option<String> {
        let ip = match host.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
            Ok(ip) => Some(ip),
            // A name: resolve it (bounded); if that fails, only the uplink can be asked.
            Err(_) => {
                tokio::time::timeout(Duration::from_secs(2), tokio::net::lookup_host((host, 0)))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .and_then(|mut a| a.next())
                    .map(|a| a.ip())
            }
        };
        let sight = match ip {
            Some(ip) => self.sight(ip).await,
            None => self.uplink().await,
        };
        sight.reason().map(str::to_owned)
    }
    fn offline(&self) -> Option<Offline> {
        self.status()
    }
    fn reached(&self, host: &str) {
        if let Ok(ip) = host.trim_matches(['[', ']']).parse() {
            Vantage::reached(self, ip);
        }
    }
}

/// A lookout that always sees: for `fieldline check`-style rounds and tests of the rest.
pub struct AlwaysClear;

impl Lookout for AlwaysClear {
    async fn blocked(&self, _host: &str) -> Option<String> {
        None
    }
    fn offline(&self) -> Option<Offline> {
        None
    }
}

/// Why a check is not run, or its alerts held, right now (maintenance, an acknowledgement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hush {
    None,
    HoldAlerts(String),
    SkipCheck(String),
}

/// Decides [`Hush`] for a check at a time (Unix seconds); given by the app from its
/// maintenance windows and acknowledgements.
pub type HushFn = Arc<dyn Fn(&Fleet, &CheckKey, i64) -> Hush + Send + Sync>;

pub struct EngineConfig {
    pub limits: Limits,
    /// Each run is scheduled at the interval ± this share of it.
    pub jitter: f64,
    /// How often batches go out (when anything changed).
    pub flush_every: Duration,
    /// How long after a start (or a fleet change) new checks are spread over.
    pub start_spread: Duration,
    pub hush: Option<HushFn>,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            limits: Limits::default(),
            jitter: 0.1,
            flush_every: Duration::from_millis(250),
            start_spread: Duration::from_secs(5),
            hush: None,
        }
    }
}

/// A check as the window and the store see it now.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CheckStatus {
    pub endpoint: String,
    pub check: u32,
    pub kind: CheckKind,
    /// What to show: STALE while the laptop cannot look, else the hard state.
    pub state: CheckState,
    /// The last known hard state (kept under STALE).
    pub hard: CheckState,
    /// The last result (a soft problem shows here first).
    pub last: CheckState,
    /// Unix seconds: since when `hard` holds.
    #[ts(type = "number")]
    pub since: i64,
    /// Unix seconds: the last real result.
    #[ts(type = "number | null")]
    pub last_seen: Option<i64>,
    pub latency_ms: Option<f64>,
    pub message: String,
    pub flapping: bool,
    /// Why its alerts are held or it is not run (a down parent, maintenance, ...).
    pub quiet: Option<String>,
}

/// What the engine hands out: changed statuses (with the memory to keep for a restart),
/// new results, alerts, and the offline banner.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub statuses: Vec<CheckStatus>,
    pub trackers: Vec<(CheckKey, CheckKind, Tracker)>,
    pub results: Vec<Observation>,
    pub alerts: Vec<Alert>,
    /// While the laptop is offline.
    pub offline: Option<Offline>,
}

struct Slot {
    endpoint: Endpoint,
    kind: CheckKind,
    spec: Result<CheckSpec, String>,
    host: String,
    tracker: Tracker,
    generation: u64,
    running: bool,
    latency_ms: Option<f64>,
    message: String,
    quiet: Option<String>,
}

struct Done {
    key: CheckKey,
    generation: u64,
    outcome: Outcome,
    at: i64,
}

/// Whether an endpoint may be down, for holding its children's alerts: a check of it in
/// hard CRIT, or whose last result failed (it may be going down this very moment: its
/// children, which fail with it, wait), or not checked yet. Looks at that endpoint's checks
/// only (they sit at positions 0, 1, ...), never the whole fleet.
fn endpoint_down(slots: &HashMap<CheckKey, Slot>, endpoint: &str) -> bool {
    let mut key = (endpoint.to_string(), 0u32);
    while let Some(slot) = slots.get(&key) {
        let t = &slot.tracker;
        if !t.stale && (t.hard == CheckState::Crit || t.last.is_problem() || t.last_seen.is_none())
        {
            return true;
        }
        key.1 += 1;
    }
    false
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Runs until `fleet` is closed or `out` is dropped. `memory` is what the store kept of
/// each check (its [`Tracker`]), so a restart does not re-alert or forget a hard state.
pub async fn run<L: Lookout>(
    prober: Arc<Prober>,
    lookout: Arc<L>,
    config: EngineConfig,
    mut fleet: watch::Receiver<Arc<Fleet>>,
    memory: HashMap<CheckKey, Tracker>,
    out: mpsc::Sender<Batch>,
) {
    let mut engine = Engine {
        slots: HashMap::new(),
        queue: BinaryHeap::new(),
        memory,
        alerter: Alerter::default(),
        global: Arc::new(Semaphore::new(config.limits.global.max(1))),
        per_host: HashMap::new(),
        pending: Batch::default(),
        changed: std::collections::HashSet::new(),
        generation: 0,
        seed: now_unix() as u64 ^ 0x9e37_79b9_7f4a_7c15,
        fleet: fleet.borrow_and_update().clone(),
        config,
        last_offline: None,
    };
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
    engine.load_fleet();
    let mut flush = tokio::time::interval(engine.config.flush_every);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let next = engine.queue.peek().map(|Reverse((at, _, _))| *at);
        let sleep = tokio::time::sleep_until(
            next.map(tokio::time::Instant::from_std)
                .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600)),
        );
        tokio::select! {
            changed = fleet.changed() => {
                if changed.is_err() {
                    return;
                }
                engine.fleet = fleet.borrow_and_update().clone();
                engine.load_fleet();
            }
            () = sleep => engine.start_due(&prober, &done_tx),
            Some(done) = done_rx.recv() => engine.take(done, lookout.as_ref()).await,
            _ = flush.tick() => {
                let offline = lookout.offline();
                if engine.flush_ready(offline) {
                    let batch = std::mem::take(&mut engine.pending);
                    if out.send(batch).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

struct Engine {
    slots: HashMap<CheckKey, Slot>,
    queue: BinaryHeap<Reverse<(Instant, u64, CheckKey)>>,
    memory: HashMap<CheckKey, Tracker>,
    alerter: Alerter,
    global: Arc<Semaphore>,
    per_host: HashMap<String, Arc<Semaphore>>,
    pending: Batch,
    /// Checks whose status changed since the last batch.
    changed: std::collections::HashSet<CheckKey>,
    generation: u64,
    seed: u64,
    fleet: Arc<Fleet>,
    config: EngineConfig,
    last_offline: Option<Offline>,
}

impl Engine {
    fn random(&mut self) -> f64 {
        // xorshift64*: enough to spread schedules.
        self.seed ^= self.seed >> 12;
        self.seed ^= self.seed << 25;
        self.seed ^= self.seed >> 27;
        (self.seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Takes the fleet as it is now: new checks are scheduled soon (spread), kept ones
    /// keep their memory, removed ones are forgotten.
    fn load_fleet(&mut self) {
        let now = now_unix();
        let fleet = self.fleet.clone();
        let mut seen = std::collections::HashSet::new();
        for endpoint in &fleet.endpoints {
            for (i, check) in endpoint.checks.iter().enumerate() {
                let key: CheckKey = (endpoint.id.clone(), i as u32);
                seen.insert(key.clone());
                let spec = CheckSpec::parse(check).map_err(|e| e.to_string());
                let host = spec
                    .as_ref()
                    .ok()
                    .and_then(|s| s.common.host.clone())
                    .unwrap_or_else(|| endpoint.host.clone());
                let same = self
                    .slots
                    .get(&key)
                    .is_some_and(|s| s.kind == check.kind && s.spec == spec && s.host == host);
                if same {
                    if let Some(slot) = self.slots.get_mut(&key) {
                        slot.endpoint = endpoint.clone();
                    }
                    continue;
                }
                let tracker = self
                    .slots
                    .remove(&key)
                    .filter(|s| s.kind == check.kind)
                    .map(|s| s.tracker)
                    .or_else(|| self.memory.remove(&key))
                    .unwrap_or_else(|| Tracker::new(now));
                self.generation += 1;
                let slot = Slot {
                    endpoint: endpoint.clone(),
                    kind: check.kind,
                    spec,
                    host,
                    tracker,
                    generation: self.generation,
                    running: false,
                    latency_ms: None,
                    message: String::from("not checked yet"),
                    quiet: None,
                };
                let delay = self.config.start_spread.mul_f64(self.random());
                self.queue.push(Reverse((
                    Instant::now() + delay,
                    slot.generation,
                    key.clone(),
                )));
                self.slots.insert(key, slot);
            }
        }
        self.slots.retain(|k, _| seen.contains(k));
        self.alerter.retain(|k| seen.contains(k));
    }

    fn start_due(&mut self, prober: &Arc<Prober>, done: &mpsc::UnboundedSender<Done>) {
        let now = Instant::now();
        while let Some(Reverse((at, generation, key))) = self.queue.peek().cloned() {
            if at > now {
                break;
            }
            self.queue.pop();
            let Some(slot) = self.slots.get_mut(&key) else {
                continue;
            };
            if slot.generation != generation || slot.running {
                continue;
            }
            let hush = self
                .config
                .hush
                .as_ref()
                .map(|h| h(&self.fleet, &key, now_unix()))
                .unwrap_or(Hush::None);
            let spec = match (&slot.spec, hush) {
                (_, Hush::SkipCheck(why)) => {
                    // Not run: look again at the next interval (or within a minute, so
                    // the end of the window is noticed soon).
                    if slot.quiet.as_deref() != Some(why.as_str()) {
                        slot.quiet = Some(why);
                        self.changed.insert(key.clone());
                    }
                    let interval = slot
                        .spec
                        .as_ref()
                        .map(|s| s.common.interval)
                        .unwrap_or(Duration::from_secs(60))
                        .min(Duration::from_secs(60));
                    let generation = slot.generation;
                    self.queue.push(Reverse((now + interval, generation, key)));
                    continue;
                }
                (Err(why), _) => {
                    let _ = done.send(Done {
                        key: key.clone(),
                        generation,
                        outcome: Outcome::unknown(format!("the check's settings are wrong: {why}")),
                        at: now_unix(),
                    });
                    slot.running = true;
                    continue;
                }
                (Ok(spec), _) => spec.clone(),
            };
            slot.running = true;
            let host = slot.host.clone();
            let endpoint = slot.endpoint.clone();
            let cap = self.config.limits.per_host.max(1);
            let per_host = self
                .per_host
                .entry(host.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(cap)))
                .clone();
            let global = self.global.clone();
            let prober = prober.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let outcome = {
                    let _g = global.acquire_owned().await;
                    let _h = per_host.acquire_owned().await;
                    prober.probe(&endpoint, &host, &spec).await
                };
                let _ = done.send(Done {
                    key,
                    generation,
                    outcome,
                    at: now_unix(),
                });
            });
        }
    }

    /// One result in: judged against sight, tracked, alerted, recorded, rescheduled.
    async fn take<L: Lookout>(&mut self, done: Done, lookout: &L) {
        let Some(slot) = self.slots.get(&done.key) else {
            return;
        };
        if slot.generation != done.generation {
            return;
        }
        let host = slot.host.clone();
        let mut outcome = done.outcome;
        if outcome.state == CheckState::Ok {
            lookout.reached(&host);
        } else if let Some(why) = lookout.blocked(&host).await {
            outcome = Outcome::new(CheckState::Stale, None, why);
        }
        let hush = self
            .config
            .hush
            .as_ref()
            .map(|h| h(&self.fleet, &done.key, done.at))
            .unwrap_or(Hush::None);
        let fleet = self.fleet.clone();
        let parent_down = self
            .slots
            .get(&done.key)
            .and_then(|slot| down_ancestor(&fleet, &slot.endpoint, |e| self.is_down(e)))
            .map(|p| format!("its parent {p} is down or failing"));
        let jitter = 1.0 + self.config.jitter * (2.0 * self.random() - 1.0);
        let Some(slot) = self.slots.get_mut(&done.key) else {
            return;
        };
        slot.running = false;
        let (retries, recover, interval) = match &slot.spec {
            Ok(s) => (s.common.retries, s.common.recover_after, s.common.interval),
            Err(_) => (0, 1, Duration::from_secs(60)),
        };
        let transitions = slot
            .tracker
            .observe(outcome.state, done.at, retries, recover);
        if outcome.state != CheckState::Stale {
            slot.latency_ms = outcome.latency_ms;
            slot.message = outcome.message.clone();
            self.pending.results.push(Observation {
                endpoint: done.key.0.clone(),
                check: done.key.1,
                kind: slot.kind,
                at: done.at,
                state: outcome.state,
                latency_ms: outcome.latency_ms,
                message: outcome.message.clone(),
            });
        } else if transitions.contains(&Transition::WentStale) {
            slot.message = format!(
                "{} (last known: {})",
                outcome.message,
                slot.tracker.hard.as_str()
            );
        }
        slot.quiet = match hush {
            Hush::HoldAlerts(why) | Hush::SkipCheck(why) => Some(why),
            Hush::None => parent_down,
        };
        let view = view_of(&done.key, slot);
        let alerts = self
            .alerter
            .on_transitions(&view, &transitions, slot.quiet.as_deref());
        self.pending.alerts.extend(alerts);
        let changed = transitions.iter().any(|t| *t != Transition::None)
            || outcome.state != CheckState::Stale;
        if changed {
            self.changed.insert(done.key.clone());
        }
        let next = Instant::now() + interval.mul_f64(jitter.max(0.5));
        self.queue.push(Reverse((next, slot.generation, done.key)));
    }

    /// See [`endpoint_down`].
    fn is_down(&self, endpoint: &str) -> bool {
        endpoint_down(&self.slots, endpoint)
    }

    /// Whether a batch should go out now; releases held alerts whose reason is gone first.
    fn flush_ready(&mut self, offline: Option<Offline>) -> bool {
        let offline_changed = offline != self.last_offline;
        self.last_offline = offline.clone();
        self.pending.offline = offline;
        if self.changed.is_empty() && self.pending.results.is_empty() && !offline_changed {
            return false;
        }
        let fleet = self.fleet.clone();
        let hush = self.config.hush.clone();
        let now = now_unix();
        let slots = &mut self.slots;
        let mut requiet = Vec::new();
        let released = self.alerter.release_held(|key| {
            let slot = slots.get(key)?;
            let quiet = match hush.as_ref().map(|h| h(&fleet, key, now)) {
                Some(Hush::HoldAlerts(why) | Hush::SkipCheck(why)) => Some(why),
                _ => down_ancestor(&fleet, &slot.endpoint, |e| endpoint_down(slots, e))
                    .map(|p| format!("its parent {p} is down or failing")),
            };
            requiet.push((key.clone(), quiet.clone()));
            Some((view_of(key, slot), quiet))
        });
        for (key, quiet) in requiet {
            if let Some(slot) = slots.get_mut(&key) {
                if slot.quiet != quiet {
                    slot.quiet = quiet;
                    self.changed.insert(key);
                }
            }
        }
        for key in std::mem::take(&mut self.changed) {
            if let Some(slot) = self.slots.get(&key) {
                self.pending
                    .trackers
                    .push((key.clone(), slot.kind, slot.tracker.clone()));
                self.pending.statuses.push(status_of(&key, slot));
            }
        }
        self.pending.alerts.extend(released);
        true
    }
}

fn view_of(key: &CheckKey, slot: &Slot) -> CheckView {
    CheckView {
        key: key.clone(),
        kind: slot.kind,
        hard: slot.tracker.hard,
        flapping: slot.tracker.flapping,
        stale: slot.tracker.stale,
        message: slot.message.clone(),
    }
}

fn status_of(key: &CheckKey, slot: &Slot) -> CheckStatus {
    CheckStatus {
        endpoint: key.0.clone(),
        check: key.1,
        kind: slot.kind,
        state: slot.tracker.shown(),
        hard: slot.tracker.hard,
        last: slot.tracker.last,
        since: slot.tracker.hard_since,
        last_seen: slot.tracker.last_seen,
        latency_ms: slot.latency_ms,
        message: slot.message.clone(),
        flapping: slot.tracker.flapping,
        quiet: slot.quiet.clone(),
    }
}
