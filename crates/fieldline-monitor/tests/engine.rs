//! The engine on its own schedule against real loopback ports: hard states after retries,
//! alerts held under a down parent and released when it comes back, recoveries, batches
//! (never one per probe), fleet changes, and STALE while the way to a host is blocked.
#![allow(clippy::unwrap_used)]

use fieldline_core::{CheckState, Fleet};
use fieldline_monitor::alerts::AlertKind;
use fieldline_monitor::engine::{run, AlwaysClear, Batch, EngineConfig, Lookout, Offline};
use fieldline_monitor::probe::Prober;
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A port that accepts and closes connections, so tcp checks of it pass, until dropped.
struct Listening {
    port: u16,
    stop: Arc<AtomicBool>,
}

fn listen(port: u16) -> Listening {
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    std::thread::spawn(move || {
        for _ in listener.incoming() {
            if flag.load(Ordering::SeqCst) {
                return;
            }
        }
    });
    Listening { port, stop }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept so the listener closes.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn fleet(endpoints: &[(&str, Option<&str>, u16, u32)]) -> Fleet {
    let mut text = String::from(
        "[[customers]]\nid = \"c\"\nname = \"C\"\n[[sites]]\nid = \"s\"\ncustomer = \"c\"\nname = \"S\"\ntimezone = \"UTC\"\n",
    );
    for (id, parent, port, retries) in endpoints {
        text += &format!("[[endpoints]]\nid = \"{id}\"\nsite = \"s\"\nhost = \"127.0.0.1\"\n");
        if let Some(p) = parent {
            text += &format!("parent = \"{p}\"\n");
        }
        text += &format!(
            "[[endpoints.checks]]\nkind = \"tcp\"\nport = {port}\ninterval = \"1s\"\ntimeout = \"1s\"\nretries = {retries}\n"
        );
    }
    fieldline_core::fleet_file::parse("fleet.toml", &text).unwrap()
}

struct Running {
    batches: mpsc::Receiver<Batch>,
    fleet: watch::Sender<Arc<Fleet>>,
    seen: Vec<Batch>,
}

fn start<L: Lookout>(fleet: Fleet, lookout: L) -> Running {
    let (fleet_tx, fleet_rx) = watch::channel(Arc::new(fleet));
    let (tx, rx) = mpsc::channel(64);
    let config = EngineConfig {
        start_spread: Duration::from_millis(200),
        ..EngineConfig::default()
    };
    tokio::spawn(run(
        Arc::new(Prober::default()),
        Arc::new(lookout),
        config,
        fleet_rx,
        HashMap::new(),
        tx,
    ));
    Running {
        batches: rx,
        fleet: fleet_tx,
        seen: Vec::new(),
    }
}

impl Running {
    /// Reads batches until `done` holds for what was seen, or panics after `limit`.
    async fn until(&mut self, limit: Duration, what: &str, done: impl Fn(&[Batch]) -> bool) {
        let deadline = Instant::now() + limit;
        while !done(&self.seen) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.batches.recv()).await {
                Ok(Some(b)) => self.seen.push(b),
                _ => panic!(
                    "{what}: not within {limit:?}; saw {:#?}",
                    self.seen.iter().map(|b| &b.alerts).collect::<Vec<_>>()
                ),
            }
        }
    }

    fn alerts(&self) -> Vec<(AlertKind, String)> {
        self.seen
            .iter()
            .flat_map(|b| b.alerts.iter().map(|a| (a.kind, a.endpoint.clone())))
            .collect()
    }

    fn last_status(&self, endpoint: &str) -> Option<fieldline_monitor::engine::CheckStatus> {
        self.seen
            .iter()
            .rev()
            .flat_map(|b| b.statuses.iter().rev())
            .find(|s| s.endpoint == endpoint)
            .cloned()
    }
}

fn has(alerts: &[(AlertKind, String)], kind: AlertKind, endpoint: &str) -> bool {
    alerts.iter().any(|(k, e)| *k == kind && e == endpoint)
}

#[tokio::test]
async fn a_down_parent_holds_its_childs_alert_until_it_comes_back() {
    let (router_port, pc_port) = (free_port(), free_port());
    let web = listen(0);
    let web_port = web.port;
    let mut engine = start(
        fleet(&[
            ("router", None, router_port, 1),
            ("pc", Some("router"), pc_port, 1),
            ("web", None, web_port, 0),
        ]),
        AlwaysClear,
    );
    engine
        .until(Duration::from_secs(10), "router problem", |b| {
            b.iter()
                .flat_map(|b| &b.alerts)
                .any(|a| a.endpoint == "router" && a.kind == AlertKind::Problem)
        })
        .await;
    // A few more rounds: the child is down too, but held.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    engine
        .until(Duration::from_secs(5), "pc status", |b| {
            b.iter()
                .flat_map(|b| &b.statuses)
                .any(|s| s.endpoint == "pc" && s.hard == CheckState::Crit)
        })
        .await;
    let alerts = engine.alerts();
    assert!(
        !has(&alerts, AlertKind::Problem, "pc"),
        "held under its down parent: {alerts:?}"
    );
    assert!(!alerts.iter().any(|(_, e)| e == "web"), "{alerts:?}");
    let pc = engine.last_status("pc").unwrap();
    assert_eq!(
        pc.quiet.as_deref(),
        Some("its parent router is down or failing"),
        "{pc:?}"
    );
    assert!(pc.message.contains("refused"), "{pc:?}");

    // The router comes back; the pc is still down: its problem is announced now.
    let _router = listen(router_port);
    engine
        .until(
            Duration::from_secs(10),
            "router recovery and the pc released",
            |b| {
                let all: Vec<_> = b.iter().flat_map(|b| &b.alerts).collect();
                all.iter()
                    .any(|a| a.endpoint == "router" && a.kind == AlertKind::Recovery)
                    && all
                        .iter()
                        .any(|a| a.endpoint == "pc" && a.kind == AlertKind::Problem)
            },
        )
        .await;
    // And its recovery follows once it answers.
    let _pc = listen(pc_port);
    engine
        .until(Duration::from_secs(10), "pc recovery", |b| {
            b.iter()
                .flat_map(|b| &b.alerts)
                .any(|a| a.endpoint == "pc" && a.kind == AlertKind::Recovery)
        })
        .await;
    let alerts = engine.alerts();
    assert_eq!(
        alerts
            .iter()
            .filter(|(k, e)| *k == AlertKind::Problem && e == "router")
            .count(),
        1,
        "alerted once: {alerts:?}"
    );
}

#[tokio::test]
async fn results_reach_the_window_in_batches_not_one_per_probe() {
    let listeners: Vec<Listening> = (0..200).map(|_| listen(0)).collect();
    let ports: Vec<u16> = listeners.iter().map(|l| l.port).collect();
    let ids: Vec<String> = (0..200).map(|i| format!("e{i}")).collect();
    let spec: Vec<(&str, Option<&str>, u16, u32)> = ids
        .iter()
        .zip(&ports)
        .map(|(id, p)| (id.as_str(), None, *p, 0))
        .collect();
    let mut engine = start(fleet(&spec), AlwaysClear);
    let started = Instant::now();
    engine
        .until(Duration::from_secs(15), "three rounds", |b| {
            b.iter().map(|b| b.results.len()).sum::<usize>() >= 600
        })
        .await;
    let took = started.elapsed();
    let results: usize = engine.seen.iter().map(|b| b.results.len()).sum();
    let batches = engine.seen.len();
    let most = (took.as_secs_f64() / 0.25).ceil() as usize + 2;
    assert!(
        batches <= most,
        "{batches} batches for {results} results in {took:?} (at most one per 250 ms)"
    );
    assert!(
        results / batches >= 10,
        "{results} results in {batches} batches"
    );
    assert!(engine
        .seen
        .iter()
        .flat_map(|b| &b.results)
        .all(|r| r.state == CheckState::Ok));
    // Jitter spreads the runs: no single second holds every probe of a round.
    let mut per_second: HashMap<i64, usize> = HashMap::new();
    for r in engine.seen.iter().flat_map(|b| &b.results) {
        *per_second.entry(r.at).or_default() += 1;
    }
    assert!(per_second.len() >= 3, "{per_second:?}");
}

#[tokio::test]
async fn a_fleet_change_stops_removed_checks_and_starts_new_ones() {
    let (la, lb) = (listen(0), listen(0));
    let (a, b) = (la.port, lb.port);
    let mut engine = start(fleet(&[("a", None, a, 0)]), AlwaysClear);
    engine
        .until(Duration::from_secs(5), "a checked", |s| {
            s.iter().flat_map(|b| &b.results).any(|r| r.endpoint == "a")
        })
        .await;
    engine
        .fleet
        .send(Arc::new(fleet(&[("b", None, b, 0)])))
        .unwrap();
    // Results of a may still be in flight; after a settling second, only b.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mark = engine.seen.len();
    engine
        .until(Duration::from_secs(5), "b checked", |s| {
            s[mark..]
                .iter()
                .flat_map(|b| &b.results)
                .filter(|r| r.endpoint == "b")
                .count()
                >= 2
        })
        .await;
    assert!(engine.seen[mark..]
        .iter()
        .flat_map(|b| &b.results)
        .all(|r| r.endpoint == "b"));
}

/// A lookout the test switches: it stands in for the laptop's view of the network here
/// (the real one, over network namespaces, is tested in `vantage`).
struct Switch(Arc<AtomicBool>);

impl Lookout for Switch {
    async fn blocked(&self, _host: &str) -> Option<String> {
        self.0
            .load(Ordering::SeqCst)
            .then(|| "no network: the link is down".to_string())
    }
    fn offline(&self) -> Option<Offline> {
        self.0.load(Ordering::SeqCst).then(|| Offline {
            since: 0,
            reason: "the link is down".to_string(),
        })
    }
}

#[tokio::test]
async fn while_the_way_is_blocked_failures_are_stale_and_alert_nothing() {
    let listener = listen(0);
    let port = listener.port;
    let blocked = Arc::new(AtomicBool::new(false));
    let mut engine = start(fleet(&[("web", None, port, 0)]), Switch(blocked.clone()));
    engine
        .until(Duration::from_secs(5), "ok", |b| {
            b.iter()
                .flat_map(|b| &b.results)
                .any(|r| r.state == CheckState::Ok)
        })
        .await;
    // The laptop loses its network: the port stops answering and the lookout says why.
    blocked.store(true, Ordering::SeqCst);
    drop(listener);
    engine
        .until(Duration::from_secs(6), "stale", |b| {
            b.iter()
                .flat_map(|b| &b.statuses)
                .any(|s| s.state == CheckState::Stale)
        })
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    engine
        .until(Duration::from_secs(2), "banner", |b| {
            b.last().is_some_and(|b| b.offline.is_some())
        })
        .await;
    let status = engine.last_status("web").unwrap();
    assert_eq!(
        (status.state, status.hard),
        (CheckState::Stale, CheckState::Ok),
        "{status:?}"
    );
    assert!(status.message.contains("last known: OK"), "{status:?}");
    assert!(
        engine.alerts().is_empty(),
        "no alert while offline: {:?}",
        engine.alerts()
    );
    assert!(
        engine
            .seen
            .iter()
            .flat_map(|b| &b.results)
            .all(|r| r.state != CheckState::Stale),
        "STALE is not a result"
    );
}

#[tokio::test]
async fn maintenance_stops_checks_or_holds_alerts_until_it_ends() {
    use fieldline_core::maintenance::{
        quiet, MaintenanceMode, MaintenanceWindow, Schedule, Scope, ScopeKind,
    };
    use fieldline_monitor::engine::{Hush, HushFn};
    let up = listen(0);
    let down = free_port();
    let now = fieldline_monitor::engine::now_unix();
    let window = |id: &str, mode| MaintenanceWindow {
        id: 1,
        scope: Scope {
            kind: ScopeKind::Endpoint,
            id: id.into(),
        },
        mode,
        schedule: Schedule::Once {
            from: now - 60,
            to: now + 3600,
        },
        reason: "disk swap".into(),
    };
    let windows = Arc::new(std::sync::RwLock::new(vec![
        window("quiet", MaintenanceMode::StopChecking),
        window("nas", MaintenanceMode::StopNotifying),
    ]));
    let read = windows.clone();
    let hush: HushFn = Arc::new(move |fleet, key, at| {
        match quiet(fleet, &read.read().unwrap(), &[], &key.0, key.1, at) {
            Some((true, why)) => Hush::SkipCheck(why),
            Some((false, why)) => Hush::HoldAlerts(why),
            None => Hush::None,
        }
    });
    let (fleet_tx, fleet_rx) = watch::channel(Arc::new(fleet(&[
        ("quiet", None, up.port, 0),
        ("nas", None, down, 0),
    ])));
    let (tx, rx) = mpsc::channel(64);
    let config = EngineConfig {
        start_spread: Duration::from_millis(200),
        hush: Some(hush),
        ..EngineConfig::default()
    };
    tokio::spawn(run(
        Arc::new(Prober::default()),
        Arc::new(AlwaysClear),
        config,
        fleet_rx,
        HashMap::new(),
        tx,
    ));
    let mut engine = Running {
        batches: rx,
        fleet: fleet_tx,
        seen: Vec::new(),
    };
    engine
        .until(Duration::from_secs(10), "the nas down, held", |b| {
            b.iter()
                .flat_map(|b| &b.statuses)
                .any(|s| s.endpoint == "nas" && s.hard == CheckState::Crit)
        })
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    engine
        .until(Duration::from_secs(3), "a batch", |b| !b.is_empty())
        .await;
    assert!(
        engine.alerts().is_empty(),
        "held in maintenance: {:?}",
        engine.alerts()
    );
    assert_eq!(
        engine.last_status("nas").unwrap().quiet.as_deref(),
        Some("in maintenance: disk swap")
    );
    assert!(
        !engine
            .seen
            .iter()
            .flat_map(|b| &b.results)
            .any(|r| r.endpoint == "quiet"),
        "stop checking: not run"
    );
    assert_eq!(
        engine.last_status("quiet").unwrap().quiet.as_deref(),
        Some("in maintenance: disk swap")
    );

    // The window is removed; the nas is still down: its alert goes out now.
    windows.write().unwrap().clear();
    engine
        .until(Duration::from_secs(10), "the held alert released", |b| {
            b.iter()
                .flat_map(|b| &b.alerts)
                .any(|a| a.endpoint == "nas" && a.kind == AlertKind::Problem)
        })
        .await;
}
