//! Can this laptop see a target right now? The engine asks before a failed probe counts
//! as a problem: when the laptop itself has no uplink, or lost the route to one customer
//! (the VPN dropped), the endpoints behind it become STALE with their last known state,
//! and nobody is paged about endpoints that are fine.
//!
//! # How a target is judged (no packet goes to the target)
//!
//! 1. **Loopback, unspecified, this laptop's own addresses**: always [`Sight::Clear`]. An
//!    IPv6 link-local target is Clear too: without its zone there is nothing to look up.
//! 2. **Route lookup**: a UDP socket is *connected* to `target:9`. That sends nothing; the
//!    kernel resolves the route (policy rules included) and either refuses (ENETUNREACH: no
//!    route; EHOSTUNREACH / EACCES / EINVAL: an `unreachable` / `prohibit` / `blackhole`
//!    route, what VPN kill switches install) or binds the local address it would send
//!    from. The same call exists on Linux, macOS and Windows.
//! 3. **Which interface**: the one that owns that local address (`if-addrs`, i.e.
//!    getifaddrs / GetAdaptersAddresses). Linux does not remove the routes of an interface
//!    that lost its carrier (they turn `linkdown`), so a pulled cable still resolves to
//!    its interface, which is then seen down.
//! 4. **Its link, read live** (Linux: `/sys/class/net/IF/operstate`, then `flags` and
//!    `carrier` to explain; Windows: the adapter's `OperStatus` from GetAdaptersAddresses;
//!    macOS: configd's `State:/Network/Interface/IF/Link` `Active`, the carrier that
//!    `ifconfig` shows as `status:`). `up`/`unknown` (tun, WireGuard, lo) are usable;
//!    `down`, `lowerlayerdown` (a veth or VLAN whose lower link is down), `dormant`,
//!    `notpresent` are not. Where there is no live reading (a macOS tunnel has no media
//!    status), the interface's RUNNING flag from the cached snapshot is used. /sys shows
//!    the network namespace it was *mounted* in, so it is only used when its ifindexes
//!    match what getifaddrs (a netlink socket in our own namespace) reports.
//! 5. **The uplink**: the same route lookup for an internet address per family (no packet
//!    sent). No such route in any family: the laptop is offline ("no route to the
//!    internet"). The uplink interface(s) down: offline. An uplink that is a tunnel
//!    (point-to-point: a full-tunnel VPN) also needs a working link under it: an interface
//!    of a default route (Linux: the main table in `/proc/net/route`, `/proc/net/ipv6_route`,
//!    which follow our namespace; Windows: the adapters with a default gateway; macOS:
//!    configd's primary interfaces and every service with a router) or, when none is
//!    known, any non-tunnel interface that is up.
//! 6. **Uplink anchors** (optional, configured): addresses that answer when the laptop is
//!    online (the office gateway, a customer-independent host). Probed with a short TCP
//!    connect, all at once; an accepted *or refused* connection is an answer (a RST proves
//!    the path works), a timeout or unreachable is silence. None answering while the link
//!    is up means "connected, but nothing beyond answers" (a captive portal that drops, a
//!    dead upstream): offline, except for targets on the uplink's own subnet. Not on by
//!    default: a silent anchor would turn real outages into STALE, so only addresses known
//!    to answer should be configured; and a captive portal that *intercepts* (answers
//!    everything) is not detected by a TCP connect (that needs an HTTP check against known
//!    content).
//! 7. **A VPN that is down**: when a VPN interface disappears, its routes go with it and
//!    the customer's private addresses silently follow the default route out of the
//!    laptop; the lookup succeeds and says nothing. So the path of every target is
//!    remembered when a probe of it succeeds ([`Vantage::reached`]): if the target was
//!    reached through a specific route or a tunnel and now only the default route would
//!    take it, that is [`Sight::NoRoute`] ("it was reached through tun0, which is gone").
//!    A probe that succeeds on the new path replaces the memory, so a legitimate change
//!    (at the office the customer is reachable without VPN) settles by itself.
//!
//! # Cost
//!
//! The snapshot (interfaces, uplink lookups, default routes) is taken at most once per
//! [`VantageConfig::fresh_for`] (single flight) and per-target route lookups are cached
//! for the same snapshot; link states are read live but shared for 100 ms. So 10,000
//! sights cost one snapshot, one connect per distinct target (a few µs, no packets) and
//! hash lookups. Anchors are probed only for a target that would go out through the
//! uplink, at most once per [`VantageConfig::anchors_fresh_for`], single flight.
//!
//! The snapshot and routes may be up to `fresh_for` old, but a cut is seen at once: the
//! egress interface's link is read live, and an interface that vanished is "gone".

use crate::probe::seconds;
use serde::Serialize;
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use ts_rs::TS;

/// Internet addresses whose *route* tells the uplink, per family. Never contacted: a
/// connected UDP socket sends nothing.
const INTERNET: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::new(1, 1, 1, 1)),
    IpAddr::V6(Ipv6Addr::new(0x2606, 0x4700, 0x4700, 0, 0, 0, 0, 0x1111)),
];

/// The port given to the route lookup (discard; nothing is sent).
const LOOKUP_PORT: u16 = 9;

/// How long a live link reading is shared between calls.
const LINK_FRESH_FOR: Duration = Duration::from_millis(100);

/// Bounds on what is kept per target.
const MAX_ROUTES: usize = 65_536;
const MAX_PATHS: usize = 65_536;
const MAX_SINCE: usize = 65_536;

/// Whether the laptop can see a target now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "sight", rename_all = "snake_case")]
pub enum Sight {
    /// Nothing on this side stands in the way: a failed probe is the target's problem.
    Clear,
    /// The laptop has no usable uplink. `since`: Unix seconds, when this was first seen.
    Offline { since: i64, reason: String },
    /// The laptop is online but cannot reach this target's network (VPN down, a link to it
    /// unplugged).
    NoRoute { since: i64, reason: String },
}

impl Sight {
    pub fn is_clear(&self) -> bool {
        matches!(self, Sight::Clear)
    }

    /// What a person reads, unless Clear.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Sight::Clear => None,
            Sight::Offline { reason, .. } | Sight::NoRoute { reason, .. } => Some(reason),
        }
    }

    pub fn since(&self) -> Option<i64> {
        match self {
            Sight::Clear => None,
            Sight::Offline { since, .. } | Sight::NoRoute { since, .. } => Some(*since),
        }
    }
}

/// The laptop is offline: for the banner ("offline since 14:02").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Offline {
    /// Unix seconds, when it was first seen offline.
    #[ts(type = "number")]
    pub since: i64,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct VantageConfig {
    /// How long a snapshot (interfaces, uplink, default routes) and the route lookups made
    /// with it are reused.
    pub fresh_for: Duration,
    /// Uplink anchors: `host:port`s that answer (accept or refuse) when the laptop is
    /// online. Empty: none (the default).
    pub anchors: Vec<SocketAddr>,
    /// How long one anchor connect may take.
    pub anchor_timeout: Duration,
    /// How long an anchor reading is trusted when a target that goes out through the
    /// uplink is judged.
    pub anchors_fresh_for: Duration,
}

impl Default for VantageConfig {
    fn default() -> Self {
        VantageConfig {
            fresh_for: Duration::from_secs(2),
            anchors: Vec::new(),
            anchor_timeout: Duration::from_millis(1500),
            anchors_fresh_for: Duration::from_secs(1),
        }
    }
}

/// Counters, for diagnostics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Snapshots taken (interfaces enumerated, uplink looked up).
    pub snapshots: u64,
    /// Route lookups made (one UDP connect each).
    pub route_lookups: u64,
    /// Rounds of anchor probes.
    pub anchor_rounds: u64,
}

/// The laptop's view of the network. Cheap to clone (one `Arc`); share one per engine.
#[derive(Clone)]
pub struct Vantage {
    inner: Arc<Inner>,
}

struct Inner {
    config: VantageConfig,
    snapshot: Mutex<Option<Arc<Snapshot>>>,
    routes: Mutex<RouteCache>,
    links: Mutex<HashMap<String, (Instant, Link)>>,
    anchors: Mutex<Option<Arc<AnchorReading>>>,
    anchor_flight: tokio::sync::Mutex<()>,
    paths: Mutex<HashMap<IpAddr, Path>>,
    since: Mutex<SinceBook>,
    status: tokio::sync::watch::Sender<Option<Offline>>,
    snapshots: AtomicU64,
    route_lookups: AtomicU64,
    anchor_rounds: AtomicU64,
}

impl Default for Vantage {
    fn default() -> Self {
        Vantage::new(VantageConfig::default())
    }
}

impl Vantage {
    pub fn new(config: VantageConfig) -> Vantage {
        let (status, _) = tokio::sync::watch::channel(None);
        Vantage {
            inner: Arc::new(Inner {
                config,
                snapshot: Mutex::new(None),
                routes: Mutex::new(RouteCache::default()),
                links: Mutex::new(HashMap::new()),
                anchors: Mutex::new(None),
                anchor_flight: tokio::sync::Mutex::new(()),
                paths: Mutex::new(HashMap::new()),
                since: Mutex::new(SinceBook::default()),
                status,
                snapshots: AtomicU64::new(0),
                route_lookups: AtomicU64::new(0),
                anchor_rounds: AtomicU64::new(0),
            }),
        }
    }

    /// Can this laptop see `target` now? Ask when a probe failed, before it counts.
    pub async fn sight(&self, target: IpAddr) -> Sight {
        let target = target.to_canonical();
        if self_evident(target) {
            return Sight::Clear;
        }
        let snap = self.snapshot(false);
        if snap.is_own(target) {
            return Sight::Clear;
        }
        let route = self.route(&snap, target);
        let link = |name: &str| self.link(&snap, name);
        let mut global = global_reason(&snap, &link, None);
        if global.is_none() {
            // Anchors only matter for a target that leaves through the uplink.
            let via_uplink = route
                .as_ref()
                .ok()
                .and_then(|local| snap.owner(*local))
                .is_some_and(|i| snap.is_uplink(&i.name) && !i.on_link(target));
            let anchors = if via_uplink && !self.inner.config.anchors.is_empty() {
                Some(self.anchors(false).await)
            } else {
                self.cached_anchors()
            };
            global = global_reason(&snap, &link, anchors.as_deref());
        }
        let offline = self.publish(global.clone());
        let path = lock(&self.inner.paths).get(&target).cloned();
        let finding = judge(&Facts {
            target,
            route: &route,
            snap: &snap,
            link: &link,
            global: global.as_deref(),
            path: path.as_ref(),
        });
        self.dated(target, finding, offline)
    }

    /// A probe of `target` succeeded: remember the path it took, to notice later that a
    /// VPN route it needed is gone. Cheap; call it on every success.
    pub fn reached(&self, target: IpAddr) {
        let target = target.to_canonical();
        if self_evident(target) {
            return;
        }
        let snap = self.snapshot(false);
        let Ok(local) = self.route(&snap, target) else {
            return;
        };
        let Some(iface) = snap.owner(local) else {
            return;
        };
        let path = Path {
            iface: iface.name.clone(),
            specific: !snap.is_uplink(&iface.name),
            tunnel: iface.p2p,
        };
        let mut paths = lock(&self.inner.paths);
        if paths.len() < MAX_PATHS || paths.contains_key(&target) {
            paths.insert(target, path);
        }
        drop(paths);
        lock(&self.inner.since).targets.remove(&target);
    }

    /// The laptop's state for the banner, as last assessed (see [`Vantage::watch`]).
    pub fn status(&self) -> Option<Offline> {
        self.inner.status.borrow().clone()
    }

    /// Follows [`Vantage::status`] as it changes.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<Option<Offline>> {
        self.inner.status.subscribe()
    }

    /// The laptop's own sight of the internet ([`Sight::Clear`] or [`Sight::Offline`]),
    /// from the cached snapshot: for a failure with no address to ask about (a host name
    /// that did not resolve).
    pub async fn uplink(&self) -> Sight {
        let snap = self.snapshot(false);
        let link = |name: &str| self.link(&snap, name);
        let mut global = global_reason(&snap, &link, None);
        if global.is_none() && !self.inner.config.anchors.is_empty() {
            let anchors = self.anchors(false).await;
            global = global_reason(&snap, &link, Some(&anchors));
        }
        match self.publish(global) {
            None => Sight::Clear,
            Some(o) => Sight::Offline {
                since: o.since,
                reason: o.reason,
            },
        }
    }

    /// A fresh assessment now (after a link change): new snapshot, anchors probed again.
    pub async fn assess(&self) -> Option<Offline> {
        let snap = self.snapshot(true);
        lock(&self.inner.links).clear();
        let link = |name: &str| self.link(&snap, name);
        let mut global = global_reason(&snap, &link, None);
        if global.is_none() {
            let anchors = if self.inner.config.anchors.is_empty() {
                None
            } else {
                Some(self.anchors(true).await)
            };
            global = global_reason(&snap, &link, anchors.as_deref());
        }
        self.publish(global)
    }

    /// Forgets the snapshot, routes, link readings and anchor readings: the next call
    /// assesses afresh.
    pub fn invalidate(&self) {
        *lock(&self.inner.snapshot) = None;
        lock(&self.inner.links).clear();
        *lock(&self.inner.anchors) = None;
    }

    /// Re-assesses every `every` in the background, so that the banner (and its end)
    /// follows the network by itself. Ends when the last clone of this `Vantage` is gone.
    pub fn watch(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                Vantage { inner }.assess().await;
                tokio::time::sleep(every).await;
            }
        })
    }

    pub fn stats(&self) -> Stats {
        Stats {
            snapshots: self.inner.snapshots.load(Ordering::Relaxed),
            route_lookups: self.inner.route_lookups.load(Ordering::Relaxed),
            anchor_rounds: self.inner.anchor_rounds.load(Ordering::Relaxed),
        }
    }

    // -----------------------------------------------------------------------------------

    fn snapshot(&self, force: bool) -> Arc<Snapshot> {
        let mut slot = lock(&self.inner.snapshot);
        if let Some(s) = slot.as_ref() {
            if !force && s.taken.elapsed() < self.inner.config.fresh_for {
                return s.clone();
            }
        }
        let generation = self.inner.snapshots.fetch_add(1, Ordering::Relaxed) + 1;
        let route = |target| self.lookup(target);
        let s = Arc::new(Snapshot::take(generation, &route));
        *slot = Some(s.clone());
        s
    }

    fn lookup(&self, target: IpAddr) -> Route {
        self.inner.route_lookups.fetch_add(1, Ordering::Relaxed);
        route_lookup(target)
    }

    /// The route to `target`, looked up once per snapshot.
    fn route(&self, snap: &Snapshot, target: IpAddr) -> Route {
        {
            let cache = lock(&self.inner.routes);
            if cache.generation == snap.generation {
                if let Some(r) = cache.map.get(&target) {
                    return r.clone();
                }
            }
        }
        let route = self.lookup(target);
        let mut cache = lock(&self.inner.routes);
        if cache.generation < snap.generation {
            cache.generation = snap.generation;
            cache.map.clear();
        }
        if cache.generation == snap.generation && cache.map.len() < MAX_ROUTES {
            cache.map.insert(target, route.clone());
        }
        route
    }

    /// The link of the interface `name`, read live (shared for [`LINK_FRESH_FOR`]).
    fn link(&self, snap: &Snapshot, name: &str) -> Link {
        if let Some((at, link)) = lock(&self.inner.links).get(name) {
            if at.elapsed() < LINK_FRESH_FOR {
                return *link;
            }
        }
        let link = read_link(snap, name);
        lock(&self.inner.links).insert(name.to_owned(), (Instant::now(), link));
        let mut since = lock(&self.inner.since);
        if link.is_up() {
            since.ifaces.remove(name);
        } else if !since.ifaces.contains_key(name) && since.ifaces.len() < MAX_SINCE {
            since.ifaces.insert(name.to_owned(), now());
        }
        link
    }

    fn cached_anchors(&self) -> Option<Arc<AnchorReading>> {
        lock(&self.inner.anchors).clone()
    }

    /// The anchors' answer: the cached one when fresh (unless `force`), else one round of
    /// probes; callers that arrive meanwhile share it.
    async fn anchors(&self, force: bool) -> Arc<AnchorReading> {
        let asked = Instant::now();
        let fresh_for = self.inner.config.anchors_fresh_for;
        if !force {
            if let Some(r) = self.cached_anchors() {
                if r.at.elapsed() < fresh_for {
                    return r;
                }
            }
        }
        let _flight = self.inner.anchor_flight.lock().await;
        if let Some(r) = self.cached_anchors() {
            // Taken while this call waited for the round in flight.
            if r.at >= asked {
                return r;
            }
        }
        self.inner.anchor_rounds.fetch_add(1, Ordering::Relaxed);
        let reading = Arc::new(
            probe_anchors(&self.inner.config.anchors, self.inner.config.anchor_timeout).await,
        );
        *lock(&self.inner.anchors) = Some(reading.clone());
        reading
    }

    /// Sets the laptop's state (keeping `since` while it stays offline); returns it.
    fn publish(&self, global: Option<String>) -> Option<Offline> {
        self.inner
            .status
            .send_if_modified(|current| match (&mut *current, global) {
                (None, None) => false,
                (Some(_), None) => {
                    *current = None;
                    true
                }
                (None, Some(reason)) => {
                    *current = Some(Offline {
                        since: now(),
                        reason,
                    });
                    true
                }
                (Some(o), Some(reason)) => {
                    if o.reason == reason {
                        false
                    } else {
                        o.reason = reason;
                        true
                    }
                }
            });
        self.status()
    }

    /// The finding with its `since`: the laptop's offline time, else when this target
    /// was first seen out of sight (or its interface down, if that was seen earlier), kept
    /// while the cause changes (link down, then interface gone) until it is Clear again.
    fn dated(&self, target: IpAddr, finding: Finding, offline: Option<Offline>) -> Sight {
        let mut book = lock(&self.inner.since);
        let (key, reason, no_route) = match finding {
            Finding::Clear => {
                book.targets.remove(&target);
                return Sight::Clear;
            }
            Finding::Offline { reason, key } => (key, reason, false),
            Finding::NoRoute { reason, key } => (key, reason, true),
        };
        let since = match (key, offline) {
            (Key::Global, Some(o)) => o.since,
            (key, _) => {
                let first = match key {
                    Key::Iface(name) => book.ifaces.get(&name).copied(),
                    _ => None,
                };
                if book.targets.len() >= MAX_SINCE && !book.targets.contains_key(&target) {
                    book.targets.clear();
                }
                *book
                    .targets
                    .entry(target)
                    .or_insert_with(|| first.unwrap_or_else(now))
            }
        };
        if no_route {
            Sight::NoRoute { since, reason }
        } else {
            Sight::Offline { since, reason }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Targets that need no look: the laptop itself, or nothing to look up.
fn self_evident(target: IpAddr) -> bool {
    target.is_loopback()
        || target.is_unspecified()
        || matches!(target, IpAddr::V6(v6) if v6.is_unicast_link_local())
}

// ---------------------------------------------------------------------------------------
// Routes

type Route = Result<IpAddr, RouteError>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum RouteError {
    /// ENETUNREACH: no route covers the target.
    NoRoute,
    /// EHOSTUNREACH: an `unreachable` route.
    Unreachable,
    /// EACCES / EPERM: a `prohibit` route.
    Prohibited,
    /// EINVAL: a `blackhole` route.
    Blackhole,
    /// The address family is not available on this system.
    NoFamily,
    /// Something else: the lookup cannot tell.
    Other(String),
}

#[derive(Default)]
struct RouteCache {
    generation: u64,
    map: HashMap<IpAddr, Route>,
}

/// The local address the kernel would send from to `target`, without sending anything.
fn route_lookup(target: IpAddr) -> Route {
    let any: SocketAddr = match target {
        IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(any).map_err(|e| {
        if e.raw_os_error() == Some(EAFNOSUPPORT) {
            RouteError::NoFamily
        } else {
            RouteError::Other(format!("cannot open a socket: {e}"))
        }
    })?;
    socket
        .connect(SocketAddr::new(target, LOOKUP_PORT))
        .map_err(|e| route_error(&e))?;
    socket
        .local_addr()
        .map(|a| a.ip().to_canonical())
        .map_err(|e| RouteError::Other(e.to_string()))
}

fn route_error(e: &io::Error) -> RouteError {
    match e.kind() {
        io::ErrorKind::NetworkUnreachable | io::ErrorKind::NetworkDown => RouteError::NoRoute,
        io::ErrorKind::HostUnreachable => RouteError::Unreachable,
        io::ErrorKind::PermissionDenied => RouteError::Prohibited,
        io::ErrorKind::InvalidInput => RouteError::Blackhole,
        _ if e.raw_os_error() == Some(EAFNOSUPPORT) => RouteError::NoFamily,
        _ => RouteError::Other(e.to_string()),
    }
}

#[cfg(target_os = "linux")]
const EAFNOSUPPORT: i32 = 97;
#[cfg(windows)]
const EAFNOSUPPORT: i32 = 10047; // WSAEAFNOSUPPORT
#[cfg(not(any(target_os = "linux", windows)))]
const EAFNOSUPPORT: i32 = 47; // macOS and the BSDs

// ---------------------------------------------------------------------------------------
// Interfaces and links

#[derive(Debug, Clone, PartialEq)]
struct Iface {
    name: String,
    /// Addresses with their prefix lengths.
    addrs: Vec<(IpAddr, u8)>,
    /// IFF_RUNNING (Linux, macOS) or the adapter's operational status (Windows).
    running: bool,
    /// Point-to-point: a tunnel (tun, WireGuard, PPP).
    p2p: bool,
    loopback: bool,
}

impl Iface {
    /// `target` is on one of this interface's subnets (reached without a gateway).
    fn on_link(&self, target: IpAddr) -> bool {
        self.addrs
            .iter()
            .any(|(addr, prefix)| same_subnet(*addr, target, *prefix))
    }
}

fn same_subnet(a: IpAddr, b: IpAddr, prefix: u8) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) if prefix < 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) if prefix < 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// An interface's link, as usable or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Up,
    /// Not usable, and why ("has no carrier").
    Down(&'static str),
    /// The interface no longer exists.
    Gone,
}

impl Link {
    fn is_up(self) -> bool {
        self == Link::Up
    }

    fn why(self) -> &'static str {
        match self {
            Link::Up => "is up",
            Link::Down(why) => why,
            Link::Gone => "is gone",
        }
    }
}

const NO_CARRIER: &str = "has no carrier";

/// What is known at one moment: interfaces, the uplink, the main table's default routes.
#[derive(Debug)]
struct Snapshot {
    taken: Instant,
    generation: u64,
    ifaces: Vec<Iface>,
    /// The interface of the route to the internet, per family with such a route (`None`:
    /// the route exists but its interface is not known).
    internet: Vec<Option<String>>,
    /// Interfaces of the default routes (see [`default_route_ifaces`]); `None`: not known.
    defaults: Option<Vec<String>>,
    /// The live link reads ([`sys_link`]) describe these interfaces.
    sys: bool,
}

impl Snapshot {
    fn take(generation: u64, route: &dyn Fn(IpAddr) -> Route) -> Snapshot {
        let mut ifaces: Vec<Iface> = Vec::new();
        let mut indexes: Vec<(String, Option<u32>)> = Vec::new();
        for i in if_addrs::get_if_addrs().unwrap_or_default() {
            let prefix = match &i.addr {
                if_addrs::IfAddr::V4(a) => a.prefixlen,
                if_addrs::IfAddr::V6(a) => a.prefixlen,
            };
            let addr = (i.ip().to_canonical(), prefix);
            if let Some(known) = ifaces.iter_mut().find(|k| k.name == i.name) {
                known.addrs.push(addr);
                continue;
            }
            indexes.push((i.name.clone(), i.index));
            ifaces.push(Iface {
                running: i.is_oper_up(),
                p2p: i.is_p2p(),
                loopback: i.is_loopback(),
                name: i.name,
                addrs: vec![addr],
            });
        }
        let mut snap = Snapshot {
            taken: Instant::now(),
            generation,
            ifaces,
            internet: Vec::new(),
            defaults: default_route_ifaces(),
            sys: sys_matches(&indexes),
        };
        for target in INTERNET {
            if let Ok(local) = route(target) {
                snap.internet
                    .push(snap.owner(local).map(|i| i.name.clone()));
            }
        }
        snap
    }

    fn iface(&self, name: &str) -> Option<&Iface> {
        self.ifaces.iter().find(|i| i.name == name)
    }

    /// The interface that owns `local`.
    fn owner(&self, local: IpAddr) -> Option<&Iface> {
        self.ifaces
            .iter()
            .find(|i| i.addrs.iter().any(|(a, _)| *a == local))
    }

    fn is_own(&self, target: IpAddr) -> bool {
        self.owner(target).is_some()
    }

    /// `name` carries the route to the internet (for some family).
    fn is_uplink(&self, name: &str) -> bool {
        self.internet.iter().flatten().any(|n| n == name)
    }
}

/// Reads the link of `name` now ([`sys_link`]) when that describes the snapshot's
/// interfaces and can tell, else from the snapshot's flags.
fn read_link(snap: &Snapshot, name: &str) -> Link {
    if snap.sys {
        if let Some(link) = sys_link(name) {
            return link;
        }
    }
    match snap.iface(name) {
        None => Link::Gone,
        Some(i) if i.running || i.loopback => Link::Up,
        Some(_) => Link::Down(NO_CARRIER),
    }
}

#[cfg(target_os = "linux")]
fn sys_file(name: &str, file: &str) -> io::Result<String> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Err(io::Error::from(io::ErrorKind::NotFound));
    }
    std::fs::read_to_string(format!("/sys/class/net/{name}/{file}")).map(|s| s.trim().to_owned())
}

/// An interface's operational state as RFC 2863 names it (Linux's `operstate`, Windows'
/// `OperStatus`).
#[cfg_attr(not(any(target_os = "linux", windows)), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Oper {
    Up,
    Down,
    Testing,
    Unknown,
    Dormant,
    NotPresent,
    LowerLayerDown,
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
impl Oper {
    /// Linux's name for it (`/sys/class/net/IF/operstate`); anything else is down.
    fn from_linux(name: &str) -> Oper {
        match name {
            "up" => Oper::Up,
            "unknown" => Oper::Unknown,
            "testing" => Oper::Testing,
            "dormant" => Oper::Dormant,
            "notpresent" => Oper::NotPresent,
            "lowerlayerdown" => Oper::LowerLayerDown,
            _ => Oper::Down,
        }
    }
}

/// Whether a link in state `oper` is usable, and if not why. `unknown` is usable: it is
/// what tunnels and loopback report. Down reads as no carrier (Linux tells a switched-off
/// interface apart by its flags; Windows does not list disabled adapters at all).
#[cfg_attr(not(any(target_os = "linux", windows)), allow(dead_code))]
fn oper_link(oper: Oper) -> Link {
    match oper {
        Oper::Up | Oper::Unknown => Link::Up,
        Oper::Dormant => {
            Link::Down("is not connected yet (dormant: waiting to associate or authenticate)")
        }
        Oper::LowerLayerDown => Link::Down("has no carrier (the link under it is down)"),
        Oper::NotPresent => Link::Down("is not present"),
        Oper::Testing => Link::Down("is in test mode"),
        Oper::Down => Link::Down(NO_CARRIER),
    }
}

/// The link from /sys/class/net/NAME: `None` when it cannot be read.
#[cfg(target_os = "linux")]
fn sys_link(name: &str) -> Option<Link> {
    let operstate = match sys_file(name, "operstate") {
        Ok(s) => s,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Some(Link::Gone),
        Err(_) => return None,
    };
    Some(match Oper::from_linux(&operstate) {
        Oper::Down => {
            // Switched off, or up without carrier.
            const IFF_UP: u32 = 0x1;
            let flags = sys_file(name, "flags")
                .ok()
                .and_then(|f| u32::from_str_radix(f.trim_start_matches("0x"), 16).ok());
            match flags {
                Some(f) if f & IFF_UP == 0 => Link::Down("is switched off (administratively down)"),
                _ => Link::Down(NO_CARRIER),
            }
        }
        oper => oper_link(oper),
    })
}

/// The adapter's operational status from GetAdaptersAddresses, now. Adapters are found by
/// their friendly name ("Wi-Fi"), which is what if-addrs reports; one that is not listed
/// any more (removed, or disabled) is gone. `None` when the adapters cannot be read.
#[cfg(windows)]
fn sys_link(name: &str) -> Option<Link> {
    use ipconfig::OperStatus as S;
    let adapters = ipconfig::get_adapters().ok()?;
    let Some(adapter) = adapters.iter().find(|a| a.friendly_name() == name) else {
        return Some(Link::Gone);
    };
    Some(oper_link(match adapter.oper_status() {
        S::IfOperStatusUp => Oper::Up,
        S::IfOperStatusDown => Oper::Down,
        S::IfOperStatusTesting => Oper::Testing,
        S::IfOperStatusUnknown => Oper::Unknown,
        S::IfOperStatusDormant => Oper::Dormant,
        S::IfOperStatusNotPresent => Oper::NotPresent,
        S::IfOperStatusLowerLayerDown => Oper::LowerLayerDown,
    }))
}

/// The carrier configd keeps for the interface (the `status: active` of `ifconfig`, which
/// the RUNNING flag does not follow on macOS). `None` for an interface without media status
/// (tunnels, loopback, bridges) or when the store cannot be read.
#[cfg(target_os = "macos")]
fn sys_link(name: &str) -> Option<Link> {
    let store = configd::store()?;
    store_link(&configd::value(
        &store,
        &format!("State:/Network/Interface/{name}/Link"),
    )?)
}

/// Other systems: the snapshot's flags only.
#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
fn sys_link(_name: &str) -> Option<Link> {
    None
}

/// The live link reads describe the interfaces getifaddrs reported. On Linux, /sys/class/net
/// must belong to our network namespace: every interface getifaddrs reports (through a
/// netlink socket, so in our namespace) has the same ifindex there.
#[cfg(target_os = "linux")]
fn sys_matches(indexes: &[(String, Option<u32>)]) -> bool {
    !indexes.is_empty()
        && indexes.iter().all(|(name, index)| {
            let there = sys_file(name, "ifindex")
                .ok()
                .and_then(|s| s.parse::<u32>().ok());
            index.is_some() && there == *index
        })
}

/// Windows and macOS have one view of their interfaces for the whole system.
#[cfg(not(target_os = "linux"))]
fn sys_matches(_indexes: &[(String, Option<u32>)]) -> bool {
    true
}

/// Interfaces of the default routes (what a full-tunnel VPN runs over): on Linux, those of
/// the main table.
#[cfg(target_os = "linux")]
fn default_route_ifaces() -> Option<Vec<String>> {
    // /proc/net is /proc/self/net: it follows our network namespace.
    let v4 = std::fs::read_to_string("/proc/net/route").ok();
    let v6 = std::fs::read_to_string("/proc/net/ipv6_route").ok();
    if v4.is_none() && v6.is_none() {
        return None;
    }
    let mut out = parse_route_v4(v4.as_deref().unwrap_or(""));
    for name in parse_route_v6(v6.as_deref().unwrap_or("")) {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Some(out)
}

/// The adapters that have a default gateway (GetAdaptersAddresses), by friendly name.
#[cfg(windows)]
fn default_route_ifaces() -> Option<Vec<String>> {
    let adapters = ipconfig::get_adapters().ok()?;
    Some(gateway_ifaces(
        adapters.iter().map(|a| (a.friendly_name(), a.gateways())),
    ))
}

/// The interfaces configd gives a default route: see [`store_defaults`]. `None` when the
/// store cannot be read.
#[cfg(target_os = "macos")]
fn default_route_ifaces() -> Option<Vec<String>> {
    let store = configd::store()?;
    let globals: Vec<plist::Value> = ["State:/Network/Global/IPv4", "State:/Network/Global/IPv6"]
        .iter()
        .filter_map(|key| configd::value(&store, key))
        .collect();
    let services: Vec<plist::Value> = store
        .get_keys("State:/Network/Service/[^/]+/IPv[46]")
        .map(|keys| {
            keys.iter()
                .filter_map(|key| configd::value(&store, &key.to_string()))
                .collect()
        })
        .unwrap_or_default();
    Some(store_defaults(&globals, &services))
}

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
fn default_route_ifaces() -> Option<Vec<String>> {
    None
}

/// Names of the adapters with at least one default gateway, in the order listed (Windows
/// lists a gateway only for an adapter's default routes).
#[cfg_attr(not(windows), allow(dead_code))]
fn gateway_ifaces<'a>(adapters: impl IntoIterator<Item = (&'a str, &'a [IpAddr])>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (name, gateways) in adapters {
        if !gateways.is_empty() && !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
    }
    out
}

/// macOS: configd's dynamic store, the system's own record of links and routes (what
/// `scutil` shows). Values are handed over as binary property lists and read with the
/// `plist` crate, so nothing needs an unchecked cast.
#[cfg(target_os = "macos")]
mod configd {
    use system_configuration::core_foundation::propertylist::{
        create_data, kCFPropertyListBinaryFormat_v1_0,
    };
    use system_configuration::dynamic_store::{SCDynamicStore, SCDynamicStoreBuilder};

    /// A session with configd (a Mach port; cheap, and nothing to keep between reads).
    pub fn store() -> Option<SCDynamicStore> {
        SCDynamicStoreBuilder::new("Fieldline vantage").build()
    }

    /// The value under `key`, or `None` when there is none.
    pub fn value(store: &SCDynamicStore, key: &str) -> Option<plist::Value> {
        let list = store.get(key)?;
        let data =
            create_data(list.as_concrete_TypeRef(), kCFPropertyListBinaryFormat_v1_0).ok()?;
        plist::Value::from_reader(std::io::Cursor::new(data.bytes())).ok()
    }
}

/// The link in configd's `State:/Network/Interface/IF/Link`: `Active` is the carrier (an
/// associated Wi-Fi, a plugged cable). `None`: no `Active` (no media status to tell).
#[cfg(any(target_os = "macos", test))]
fn store_link(link: &plist::Value) -> Option<Link> {
    let active = link.as_dictionary()?.get("Active")?.as_boolean()?;
    Some(if active {
        Link::Up
    } else {
        Link::Down(NO_CARRIER)
    })
}

/// The interfaces with a default route, from configd's state: first the primary interface
/// of each family (`State:/Network/Global/IPv4` and `IPv6`, `PrimaryInterface`: the
/// unscoped default route), then the interface of every service that has a router
/// (`State:/Network/Service/ID/IPv4` and `IPv6`: `InterfaceName`, `Router`), each of which
/// gets a scoped default route. A link that went down has no service state any more.
#[cfg(any(target_os = "macos", test))]
fn store_defaults(globals: &[plist::Value], services: &[plist::Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: Option<&str>| {
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            if !out.iter().any(|n| n == name) {
                out.push(name.to_owned());
            }
        }
    };
    for global in globals {
        add(global
            .as_dictionary()
            .and_then(|d| d.get("PrimaryInterface"))
            .and_then(plist::Value::as_string));
    }
    for service in services {
        let Some(d) = service.as_dictionary() else {
            continue;
        };
        if d.contains_key("Router") {
            add(d.get("InterfaceName").and_then(plist::Value::as_string));
        }
    }
    out
}

const RTF_UP: u32 = 0x1;
const RTF_REJECT: u32 = 0x200;

/// Default routes in /proc/net/route: `Iface Destination Gateway Flags RefCnt Use Metric
/// Mask ...`, hex.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_route_v4(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        let flags = u32::from_str_radix(f[3], 16).unwrap_or(0);
        if f[1] == "00000000"
            && f[7] == "00000000"
            && flags & RTF_UP != 0
            && flags & RTF_REJECT == 0
            && !out.iter().any(|n| n == f[0])
        {
            out.push(f[0].to_owned());
        }
    }
    out
}

/// Default routes in /proc/net/ipv6_route: `dest plen src splen nexthop metric refcnt use
/// flags dev`, hex, no header.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_route_v6(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 {
            continue;
        }
        let flags = u32::from_str_radix(f[8], 16).unwrap_or(0);
        if f[0].bytes().all(|b| b == b'0')
            && f[1] == "00"
            && flags & RTF_UP != 0
            && flags & RTF_REJECT == 0
            && f[9] != "lo"
            && !out.iter().any(|n| n == f[9])
        {
            out.push(f[9].to_owned());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Anchors

#[derive(Debug)]
struct AnchorReading {
    at: Instant,
    /// The first anchor that answered; `None`: none did.
    answered: Option<SocketAddr>,
    /// The anchors and the timeout, for a reason ("1.1.1.1:443 within 1.5 s").
    asked: String,
}

async fn probe_anchors(anchors: &[SocketAddr], timeout: Duration) -> AnchorReading {
    let mut set = tokio::task::JoinSet::new();
    for &anchor in anchors {
        set.spawn(async move {
            let answered =
                match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(anchor)).await {
                    Ok(Ok(_)) => true,
                    // A refusal came from the far end: the path works.
                    Ok(Err(e)) => e.kind() == io::ErrorKind::ConnectionRefused,
                    Err(_) => false,
                };
            (anchor, answered)
        });
    }
    let mut answered = None;
    while let Some(done) = set.join_next().await {
        if let Ok((anchor, true)) = done {
            answered = Some(anchor);
            break;
        }
    }
    // Dropping the set aborts the connects still running.
    let list: Vec<String> = anchors.iter().map(|a| a.to_string()).collect();
    AnchorReading {
        at: Instant::now(),
        answered,
        asked: format!("{} within {}", list.join(", "), seconds(timeout)),
    }
}

// ---------------------------------------------------------------------------------------
// Judgement (pure)

/// Why the laptop is offline, or `None`.
fn global_reason(
    snap: &Snapshot,
    link: &dyn Fn(&str) -> Link,
    anchors: Option<&AnchorReading>,
) -> Option<String> {
    if snap.internet.is_empty() {
        return Some("no network: no route to the internet (not connected to any network?)".into());
    }
    let mut usable: Option<Option<&str>> = None;
    let mut problem: Option<String> = None;
    for route in &snap.internet {
        let Some(name) = route.as_deref() else {
            // A route whose interface is unknown: take it as usable.
            usable = Some(None);
            break;
        };
        let state = link(name);
        if !state.is_up() {
            problem.get_or_insert_with(|| format!("{name} {}", state.why()));
            continue;
        }
        if snap.iface(name).is_some_and(|i| i.p2p) {
            if let Err(under) = underlay(snap, link) {
                problem
                    .get_or_insert_with(|| format!("{under}, and the tunnel {name} runs over it"));
                continue;
            }
        }
        usable = Some(Some(name));
        break;
    }
    let Some(uplink) = usable else {
        return Some(format!(
            "no network: {}",
            problem.unwrap_or_else(|| "the uplink is down".into())
        ));
    };
    match anchors {
        Some(a) if a.answered.is_none() => Some(format!(
            "no network beyond {}: none of the uplink anchors answered ({}); a captive \
             portal, or the network's upstream is down?",
            uplink.unwrap_or("the uplink"),
            a.asked
        )),
        _ => None,
    }
}

/// A tunnel uplink needs a working link under it: a default route's interface of the main
/// table, or (unknown) any interface that is neither loopback nor a tunnel.
fn underlay(snap: &Snapshot, link: &dyn Fn(&str) -> Link) -> Result<(), String> {
    let not_tunnel = |n: &&str| !snap.iface(n).is_some_and(|i| i.p2p || i.loopback);
    let mut names: Vec<&str> = snap
        .defaults
        .iter()
        .flatten()
        .map(String::as_str)
        .filter(not_tunnel)
        .collect();
    if names.is_empty() {
        names = snap
            .ifaces
            .iter()
            .map(|i| i.name.as_str())
            .filter(not_tunnel)
            .collect();
    }
    let mut first = None;
    for name in names {
        let state = link(name);
        if state.is_up() {
            return Ok(());
        }
        first.get_or_insert_with(|| format!("{name} {}", state.why()));
    }
    Err(first.unwrap_or_else(|| "there is no network link".into()))
}

/// How a target was last reached.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Path {
    iface: String,
    /// Through a route of its own, not the default route.
    specific: bool,
    /// Through a tunnel (point-to-point) interface.
    tunnel: bool,
}

struct Facts<'a> {
    target: IpAddr,
    route: &'a Route,
    snap: &'a Snapshot,
    link: &'a dyn Fn(&str) -> Link,
    /// The laptop is offline, why.
    global: Option<&'a str>,
    path: Option<&'a Path>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Finding {
    Clear,
    Offline { reason: String, key: Key },
    NoRoute { reason: String, key: Key },
}

/// What `since` follows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    /// The laptop being offline.
    Global,
    /// An interface being down (or when this target was first out of sight, if earlier).
    Iface(String),
    /// When this target was first out of sight.
    Target,
}

#[derive(Default)]
struct SinceBook {
    ifaces: HashMap<String, i64>,
    targets: HashMap<IpAddr, i64>,
}

fn offline(global: &str) -> Finding {
    Finding::Offline {
        reason: global.to_owned(),
        key: Key::Global,
    }
}

fn judge(f: &Facts) -> Finding {
    let t = f.target;
    let local = match f.route {
        Ok(local) => *local,
        // The lookup itself failed in a way that says nothing: let the probe count.
        Err(RouteError::Other(_)) => return Finding::Clear,
        Err(e) => {
            if let Some(g) = f.global {
                return offline(g);
            }
            return Finding::NoRoute {
                reason: no_route(t, e, f.path),
                key: Key::Target,
            };
        }
    };
    let Some(egress) = f.snap.owner(local) else {
        return Finding::Clear;
    };
    let uplink = f.snap.is_uplink(&egress.name);
    let state = (f.link)(&egress.name);
    if !state.is_up() {
        let key = Key::Iface(egress.name.clone());
        return if uplink || f.global.is_some() {
            Finding::Offline {
                reason: format!(
                    "no network: the interface {} that reaches {t} {}",
                    egress.name,
                    state.why()
                ),
                key,
            }
        } else {
            Finding::NoRoute {
                reason: format!(
                    "no link: the interface {} that reaches {t} {}",
                    egress.name,
                    state.why()
                ),
                key,
            }
        };
    }
    if let Some(p) = f.path {
        if p.iface != egress.name && uplink && (p.specific || p.tunnel) {
            if let Some(g) = f.global {
                return offline(g);
            }
            let then = match f.snap.iface(&p.iface) {
                None => "is gone",
                Some(_) if (f.link)(&p.iface).is_up() => "no longer carries its route",
                Some(_) => "is down",
            };
            return Finding::NoRoute {
                reason: format!(
                    "no route to {t} through {} any more ({} {then}; the VPN for it is \
                     down?): it would go out the default route on {}",
                    p.iface, p.iface, egress.name
                ),
                key: Key::Target,
            };
        }
    }
    match f.global {
        None => Finding::Clear,
        // The uplink's link works but nothing beyond answers: its own subnet still does.
        Some(g) if uplink => {
            if egress.on_link(t) {
                Finding::Clear
            } else {
                offline(g)
            }
        }
        Some(g) if egress.p2p => Finding::Offline {
            reason: format!(
                "no network: {t} is reached through the tunnel {}, and the uplink under it \
                 is down ({g})",
                egress.name
            ),
            key: Key::Global,
        },
        // Another working link (the customer's LAN cable): it does not need the uplink.
        Some(_) => Finding::Clear,
    }
}

fn no_route(t: IpAddr, e: &RouteError, path: Option<&Path>) -> String {
    let hint = match path {
        Some(p) => format!(
            "it was reached through {}; the VPN for it is down?",
            p.iface
        ),
        None => "the VPN for it is down?".into(),
    };
    match e {
        RouteError::NoRoute | RouteError::Other(_) => format!("no route to {t} ({hint})"),
        RouteError::Unreachable => {
            format!("no route to {t}: the routing table marks it unreachable ({hint})")
        }
        RouteError::Prohibited => {
            format!("no route to {t}: the routing table prohibits it (a VPN kill switch? {hint})")
        }
        RouteError::Blackhole => {
            format!("no route to {t}: the routing table drops it (blackhole route; {hint})")
        }
        RouteError::NoFamily => format!(
            "no route to {t}: {} is not available on this laptop",
            if t.is_ipv4() { "IPv4" } else { "IPv6" }
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn iface(name: &str, addr: &str, prefix: u8, p2p: bool) -> Iface {
        Iface {
            name: name.into(),
            addrs: vec![(addr.parse().unwrap(), prefix)],
            running: true,
            p2p,
            loopback: name == "lo",
        }
    }

    /// A laptop: Wi-Fi uplink wlan0 192.168.1.10/24, a split VPN tun0 10.8.0.2/24, the
    /// customer's LAN cable eth1 172.16.5.10/24, and loopback.
    fn laptop(internet: &[&str]) -> Snapshot {
        Snapshot {
            taken: Instant::now(),
            generation: 1,
            ifaces: vec![
                iface("lo", "127.0.0.1", 8, false),
                iface("wlan0", "192.168.1.10", 24, false),
                iface("tun0", "10.8.0.2", 24, true),
                iface("eth1", "172.16.5.10", 24, false),
            ],
            internet: internet.iter().map(|n| Some(n.to_string())).collect(),
            defaults: Some(vec!["wlan0".into()]),
            sys: false,
        }
    }

    fn links(down: &'static [(&'static str, Link)]) -> impl Fn(&str) -> Link {
        move |name| {
            down.iter()
                .find(|(n, _)| *n == name)
                .map_or(Link::Up, |(_, l)| *l)
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn facts<'a>(
        target: &str,
        route: &'a Route,
        snap: &'a Snapshot,
        link: &'a dyn Fn(&str) -> Link,
        global: Option<&'a str>,
        path: Option<&'a Path>,
    ) -> Finding {
        judge(&Facts {
            target: ip(target),
            route,
            snap,
            link,
            global,
            path,
        })
    }

    #[test]
    fn no_route_to_the_internet_is_offline_and_lan_links_stay_clear() {
        let snap = laptop(&[]);
        let up = links(&[]);
        let g = global_reason(&snap, &up, None).unwrap();
        assert!(g.contains("no route to the internet"), "{g}");
        let r = Err(RouteError::NoRoute);
        assert_eq!(
            facts("203.0.113.5", &r, &snap, &up, Some(&g), None),
            offline(&g)
        );
        let r = Ok(ip("172.16.5.10"));
        assert_eq!(
            facts("172.16.5.20", &r, &snap, &up, Some(&g), None),
            Finding::Clear
        );
    }

    #[test]
    fn uplink_without_carrier_is_offline_naming_it() {
        let snap = laptop(&["wlan0"]);
        let down = links(&[("wlan0", Link::Down(NO_CARRIER))]);
        let g = global_reason(&snap, &down, None).unwrap();
        assert_eq!(g, "no network: wlan0 has no carrier");
        let r = Ok(ip("192.168.1.10"));
        let f = facts("10.0.0.5", &r, &snap, &down, Some(&g), None);
        assert_eq!(
            f,
            Finding::Offline {
                reason: "no network: the interface wlan0 that reaches 10.0.0.5 has no carrier"
                    .into(),
                key: Key::Iface("wlan0".into())
            }
        );
        // A split-VPN target rides the dead uplink: offline too.
        let r = Ok(ip("10.8.0.2"));
        let f = facts("10.20.0.5", &r, &snap, &down, Some(&g), None);
        assert!(
            matches!(&f, Finding::Offline { reason, .. } if reason.contains("tunnel tun0")),
            "{f:?}"
        );
        // The customer's LAN on its own cable is still in sight.
        let r = Ok(ip("172.16.5.10"));
        assert_eq!(
            facts("172.16.9.9", &r, &snap, &down, Some(&g), None),
            Finding::Clear
        );
    }

    #[test]
    fn a_dead_non_uplink_link_is_no_route() {
        let snap = laptop(&["wlan0"]);
        let down = links(&[("eth1", Link::Down(NO_CARRIER))]);
        assert_eq!(global_reason(&snap, &down, None), None);
        let r = Ok(ip("172.16.5.10"));
        assert_eq!(
            facts("172.16.5.20", &r, &snap, &down, None, None),
            Finding::NoRoute {
                reason: "no link: the interface eth1 that reaches 172.16.5.20 has no carrier"
                    .into(),
                key: Key::Iface("eth1".into())
            }
        );
    }

    #[test]
    fn a_vpn_route_that_fell_back_to_the_default_route_is_no_route() {
        let snap = laptop(&["wlan0"]);
        let up = links(&[]);
        let path = Path {
            iface: "tun9".into(),
            specific: true,
            tunnel: true,
        };
        let r = Ok(ip("192.168.1.10"));
        let f = facts("10.20.0.5", &r, &snap, &up, None, Some(&path));
        assert_eq!(
            f,
            Finding::NoRoute {
                reason: "no route to 10.20.0.5 through tun9 any more (tun9 is gone; the VPN \
                         for it is down?): it would go out the default route on wlan0"
                    .into(),
                key: Key::Target
            }
        );
        // Learnt through the default route of another network (moved office): no claim.
        let moved = Path {
            iface: "eth0".into(),
            specific: false,
            tunnel: false,
        };
        assert_eq!(
            facts("10.20.0.5", &r, &snap, &up, None, Some(&moved)),
            Finding::Clear
        );
        // The VPN came back under another name, routes and all: clear.
        let r = Ok(ip("10.8.0.2"));
        assert_eq!(
            facts("10.20.0.5", &r, &snap, &up, None, Some(&path)),
            Finding::Clear
        );
        // No route at all, with the memory as a hint.
        let r = Err(RouteError::NoRoute);
        let f = facts("10.20.0.5", &r, &snap, &up, None, Some(&path));
        assert!(
            matches!(&f, Finding::NoRoute { reason, .. }
                if reason == "no route to 10.20.0.5 (it was reached through tun9; the VPN for it is down?)"),
            "{f:?}"
        );
    }

    #[test]
    fn full_tunnel_vpn_needs_a_link_under_it() {
        // wg0 carries the internet; wlan0 (the main table's default) lost its carrier.
        let snap = Snapshot {
            internet: vec![Some("tun0".into())],
            ..laptop(&[])
        };
        let down = links(&[
            ("wlan0", Link::Down(NO_CARRIER)),
            ("eth1", Link::Down(NO_CARRIER)),
        ]);
        let g = global_reason(&snap, &down, None).unwrap();
        assert_eq!(
            g,
            "no network: wlan0 has no carrier, and the tunnel tun0 runs over it"
        );
        let up = links(&[]);
        assert_eq!(global_reason(&snap, &up, None), None);
    }

    #[test]
    fn silent_anchors_are_offline_beyond_the_uplink_subnet() {
        let snap = laptop(&["wlan0"]);
        let up = links(&[]);
        let reading = AnchorReading {
            at: Instant::now(),
            answered: None,
            asked: "198.51.100.1:443 within 1.5 s".into(),
        };
        let g = global_reason(&snap, &up, Some(&reading)).unwrap();
        assert!(g.starts_with("no network beyond wlan0: none of the uplink anchors answered (198.51.100.1:443 within 1.5 s)"), "{g}");
        let r = Ok(ip("192.168.1.10"));
        assert_eq!(
            facts("8.8.8.8", &r, &snap, &up, Some(&g), None),
            offline(&g)
        );
        assert_eq!(
            facts("192.168.1.1", &r, &snap, &up, Some(&g), None),
            Finding::Clear
        );
        let answered = AnchorReading {
            answered: Some("198.51.100.1:443".parse().unwrap()),
            ..reading
        };
        assert_eq!(global_reason(&snap, &up, Some(&answered)), None);
    }

    #[test]
    fn route_errors_read_well() {
        let t = ip("10.20.0.5");
        assert_eq!(
            no_route(t, &RouteError::Unreachable, None),
            "no route to 10.20.0.5: the routing table marks it unreachable (the VPN for it is down?)"
        );
        assert_eq!(
            no_route(ip("2001:db8::1"), &RouteError::NoFamily, None),
            "no route to 2001:db8::1: IPv6 is not available on this laptop"
        );
        let snap = laptop(&["wlan0"]);
        let up = links(&[]);
        let r = Err(RouteError::Other("weird".into()));
        assert_eq!(
            facts("10.20.0.5", &r, &snap, &up, None, None),
            Finding::Clear
        );
        assert_eq!(
            route_error(&io::Error::from(io::ErrorKind::NetworkUnreachable)),
            RouteError::NoRoute
        );
    }

    #[test]
    fn subnets() {
        assert!(same_subnet(ip("10.1.2.3"), ip("10.1.2.200"), 24));
        assert!(!same_subnet(ip("10.1.2.3"), ip("10.1.3.1"), 24));
        assert!(same_subnet(ip("10.1.2.3"), ip("99.9.9.9"), 0));
        assert!(!same_subnet(ip("10.1.2.3"), ip("10.1.2.3"), 32));
        assert!(same_subnet(ip("fd00::1"), ip("fd00::ffff:1"), 64));
        assert!(!same_subnet(ip("fd00::1"), ip("10.1.2.3"), 8));
    }

    #[test]
    fn default_routes_from_proc() {
        let v4 =
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                  eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                  eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
                  tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000080\t0\t0\t0\n";
        assert_eq!(parse_route_v4(v4), vec!["eth0".to_string()]);
        let v6 = "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n\
                  00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n\
                  fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n";
        assert_eq!(parse_route_v6(v6), vec!["eth0".to_string()]);
    }

    #[test]
    fn operational_states_read_as_links() {
        assert_eq!(oper_link(Oper::from_linux("up")), Link::Up);
        // Tunnels, WireGuard and loopback (Linux), an undetermined adapter (Windows).
        assert_eq!(oper_link(Oper::from_linux("unknown")), Link::Up);
        assert_eq!(oper_link(Oper::from_linux("down")), Link::Down(NO_CARRIER));
        assert_eq!(
            oper_link(Oper::from_linux("lowerlayerdown")).why(),
            "has no carrier (the link under it is down)"
        );
        assert!(oper_link(Oper::from_linux("dormant"))
            .why()
            .starts_with("is not connected yet"));
        assert_eq!(oper_link(Oper::NotPresent).why(), "is not present");
        assert_eq!(oper_link(Oper::Testing).why(), "is in test mode");
        assert_eq!(Oper::from_linux("something new"), Oper::Down);
    }

    #[test]
    fn windows_default_routes_are_the_adapters_with_gateways() {
        let v4: [IpAddr; 1] = [ip("192.168.1.1")];
        let v6: [IpAddr; 1] = [ip("fe80::1")];
        let vpn: [IpAddr; 1] = [ip("0.0.0.0")];
        let adapters: [(&str, &[IpAddr]); 5] = [
            ("Wi-Fi", &v4),
            ("Ethernet 2", &[]),
            ("Wi-Fi", &v6),
            ("Loopback Pseudo-Interface 1", &[]),
            ("WireGuard Tunnel", &vpn),
        ];
        assert_eq!(
            gateway_ifaces(adapters),
            vec!["Wi-Fi".to_string(), "WireGuard Tunnel".to_string()]
        );
    }

    /// A value as configd hands it over, written from `scutil`'s `show KEY` for these keys.
    fn store_value(dict: &str) -> plist::Value {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \
             \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
             <plist version=\"1.0\">\n<dict>\n{dict}\n</dict>\n</plist>\n"
        );
        let value = plist::Value::from_reader(io::Cursor::new(xml.into_bytes())).unwrap();
        // configd's values arrive as binary property lists: read them back that way too.
        let mut binary = Vec::new();
        value.to_writer_binary(&mut binary).unwrap();
        plist::Value::from_reader(io::Cursor::new(binary)).unwrap()
    }

    #[test]
    fn macos_links_from_configd() {
        // State:/Network/Interface/en0/Link
        let active = store_value("<key>Active</key><true/><key>Expensive</key><false/>");
        assert_eq!(store_link(&active), Some(Link::Up));
        let inactive = store_value("\t<key>Active</key>\n\t<false/>");
        assert_eq!(store_link(&inactive), Some(Link::Down(NO_CARRIER)));
        // No media status (a bridge): the flags will tell.
        let unknown = store_value("<key>Expensive</key><false/>");
        assert_eq!(store_link(&unknown), None);
        assert_eq!(store_link(&plist::Value::Boolean(true)), None);
    }

    #[test]
    fn macos_default_routes_from_configd() {
        // A full-tunnel VPN made itself primary for IPv4; IPv6 still leaves through Wi-Fi.
        let globals = [
            store_value(
                "<key>PrimaryInterface</key><string>utun4</string>\
                 <key>PrimaryService</key><string>5F1D2C3B-0000-4000-8000-00000000AAAA</string>\
                 <key>Router</key><string>10.8.0.1</string>",
            ),
            store_value(
                "<key>PrimaryInterface</key><string>en0</string>\
                 <key>PrimaryService</key><string>0A1B2C3D-0000-4000-8000-00000000BBBB</string>\
                 <key>Router</key><string>fe80::1</string>",
            ),
        ];
        let services = [
            // State:/Network/Service/0A1B.../IPv4: Wi-Fi, with a router.
            store_value(
                "<key>Addresses</key><array><string>192.168.1.23</string></array>\
                 <key>ConfirmedInterfaceName</key><string>en0</string>\
                 <key>InterfaceName</key><string>en0</string>\
                 <key>Router</key><string>192.168.1.1</string>\
                 <key>SubnetMasks</key><array><string>255.255.255.0</string></array>",
            ),
            // A customer's LAN on a USB adapter, static address without a router.
            store_value(
                "<key>Addresses</key><array><string>172.16.5.10</string></array>\
                 <key>InterfaceName</key><string>en7</string>\
                 <key>SubnetMasks</key><array><string>255.255.255.0</string></array>",
            ),
            // Tethered phone, IPv6 only.
            store_value(
                "<key>Addresses</key><array><string>2001:db8::5</string></array>\
                 <key>InterfaceName</key><string>en5</string>\
                 <key>PrefixLength</key><array><integer>64</integer></array>\
                 <key>Router</key><string>fe80::2</string>",
            ),
        ];
        assert_eq!(
            store_defaults(&globals, &services),
            vec!["utun4".to_string(), "en0".to_string(), "en5".to_string()]
        );
        assert!(store_defaults(&[], &[]).is_empty());

        // The tunnel is skipped when looking for the link under it.
        let snap = Snapshot {
            ifaces: vec![
                iface("lo0", "127.0.0.1", 8, false),
                iface("en0", "192.168.1.23", 24, false),
                iface("utun4", "10.8.0.2", 24, true),
            ],
            internet: vec![Some("utun4".into())],
            defaults: Some(store_defaults(&globals, &services)),
            ..laptop(&[])
        };
        let down = links(&[("en0", Link::Down(NO_CARRIER)), ("en5", Link::Gone)]);
        assert_eq!(
            global_reason(&snap, &down, None).unwrap(),
            "no network: en0 has no carrier, and the tunnel utun4 runs over it"
        );
        let tethered = links(&[("en0", Link::Down(NO_CARRIER))]);
        assert_eq!(global_reason(&snap, &tethered, None), None);
    }

    #[test]
    fn self_evident_targets() {
        for t in ["127.0.0.1", "127.9.9.9", "::1", "0.0.0.0", "fe80::1"] {
            assert!(self_evident(ip(t).to_canonical()), "{t}");
        }
        assert!(self_evident(ip("::ffff:127.0.0.1").to_canonical()));
        assert!(!self_evident(ip("10.0.0.1")));
    }
}
