//! `Vantage` with real links: an `Island` (netns + veth) whose cable is pulled and put
//! back, seen from the host; and the whole "laptop" inside a namespace (this test binary
//! run again in it) where the uplink, a VPN and its routes come and go: no default route
//! at all (offline), IPv6-only uplink (no route for IPv4 targets), a VPN link without
//! carrier, a VPN interface deleted (its target falls back to the default route), the
//! uplink without carrier, and uplink anchors that stay silent. Needs root (namespaces)
//! and iproute2, util-linux (`unshare`, `nsenter`, `mount`).

#![allow(clippy::unwrap_used)]

#[rustfmt::skip]
#[path = "support/faults.rs"]
mod faults;

use fieldline_monitor::vantage::{Sight, Vantage, VantageConfig};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Polls `sight(target)` every 20 ms until `done` holds (or `limit` passes); returns the
/// last sight and how long it took.
async fn wait_for(
    v: &Vantage,
    target: IpAddr,
    limit: Duration,
    done: impl Fn(&Sight) -> bool,
) -> (Sight, Duration) {
    let started = Instant::now();
    loop {
        let s = v.sight(target).await;
        if done(&s) || started.elapsed() > limit {
            return (s, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn reason(s: &Sight) -> &str {
    s.reason().unwrap_or("")
}

#[tokio::test]
async fn loopback_is_always_clear() {
    let v = Vantage::default();
    for t in [
        "127.0.0.1",
        "127.3.2.1",
        "::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
    ] {
        assert_eq!(v.sight(ip(t)).await, Sight::Clear, "{t}");
    }
    // Decided without looking at anything.
    assert_eq!(v.stats().snapshots, 0);
}

#[tokio::test]
async fn island_cut_is_seen_and_restore_clears_by_itself() {
    let island = faults::Island::new().unwrap();
    let target = IpAddr::V4(island.inner_ip());
    let host_if = format!("flv{}h", island.host_ip().octets()[2]);
    let v = Vantage::default();
    assert_eq!(v.sight(target).await, Sight::Clear);
    v.reached(target);

    let before = unix_now();
    island.cut().unwrap();
    let (s, took) = wait_for(&v, target, Duration::from_secs(3), |s| !s.is_clear()).await;
    eprintln!("cut: {s:?} after {took:?}");
    match &s {
        Sight::NoRoute { since, reason } => {
            // "down" here; a veth whose peer is in the same namespace says
            // "lowerlayerdown", explained as "(the link under it is down)".
            assert!(
                reason.starts_with(&format!(
                    "no link: the interface {host_if} that reaches {target} has no carrier"
                )),
                "{reason}"
            );
            assert!((before..=unix_now()).contains(since), "{since}");
        }
        other => panic!("{other:?}"),
    }
    assert!(took < Duration::from_secs(2), "{took:?}");
    // The laptop itself is online: no banner.
    assert_eq!(v.status(), None);

    island.restore().unwrap();
    let (s, took) = wait_for(&v, target, Duration::from_secs(3), Sight::is_clear).await;
    eprintln!("restored: {s:?} after {took:?}");
    assert_eq!(s, Sight::Clear);
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_sights_are_cheap() {
    // Targets on the host's own network (fd00::/64 on eth0 here): one route lookup each,
    // no packets; one snapshot for all of them.
    let v = Vantage::default();
    let targets: Vec<IpAddr> = (0..10_000u32)
        .map(|i| IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 1, i as u16 + 10)))
        .collect();

    let started = Instant::now();
    for t in &targets {
        assert_eq!(v.sight(*t).await, Sight::Clear);
    }
    let distinct = started.elapsed();
    let after_distinct = v.stats();

    let started = Instant::now();
    for _ in 0..10_000 {
        assert_eq!(v.sight(targets[0]).await, Sight::Clear);
    }
    let same = started.elapsed();
    let after_same = v.stats();

    // All at once, as an engine's failed probes would ask.
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for t in targets.iter().copied() {
        let v = v.clone();
        tasks.spawn(async move { v.sight(t).await });
    }
    while let Some(s) = tasks.join_next().await {
        assert_eq!(s.unwrap(), Sight::Clear);
    }
    let concurrent = started.elapsed();
    let after_concurrent = v.stats();
    eprintln!(
        "10,000 distinct targets: {distinct:?} ({after_distinct:?}); the same target 10,000 \
         times: {same:?} ({after_same:?}); 10,000 distinct at once: {concurrent:?} \
         ({after_concurrent:?})"
    );
    // A snapshot per `fresh_for` (2 s) at most, whatever the number of targets.
    let seconds = (distinct + same + concurrent).as_secs_f64();
    assert!(
        after_concurrent.snapshots as f64 <= 2.0 + seconds / 2.0,
        "{after_concurrent:?}"
    );
    // What one full assessment costs (interfaces, /sys, uplink lookups; no anchors).
    let started = Instant::now();
    for _ in 0..100 {
        assert_eq!(v.assess().await, None);
    }
    eprintln!("one assessment: {:?}", started.elapsed() / 100);
    // The repeats of one target cost no route lookup while the snapshot holds.
    assert!(after_same.route_lookups - after_distinct.route_lookups <= 10);
    assert!(distinct < Duration::from_secs(3), "{distinct:?}");
    assert!(same < Duration::from_secs(1), "{same:?}");
}

// ---------------------------------------------------------------------------------------
// The laptop inside a namespace: this test binary again, inside an Island

const CHILD_ENV: &str = "FIELDLINE_VANTAGE_CHILD";
const NET_ENV: &str = "FIELDLINE_VANTAGE_NET";

fn run_child(mut command: Command, mode: &str, net: u8) -> String {
    let out = command
        .args([
            "--exact",
            "child_scenarios",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, mode)
        .env(NET_ENV, net.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("CHILD-DONE"), "{stdout}\n{stderr}");
    for line in stdout.lines().filter(|l| l.contains("CHILD")) {
        eprintln!("{line}");
    }
    stdout
}

/// Inside the island, with a sysfs mounted for its namespace: links are read live.
#[test]
fn inside_a_namespace_live_links() {
    let island = faults::Island::new().unwrap();
    let mut c = island.command("unshare");
    c.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg("mount -t sysfs sysfs /sys && exec \"$0\" \"$@\"")
        .arg(std::env::current_exe().unwrap());
    run_child(c, "sys", island.host_ip().octets()[2]);
}

/// Inside the island with the host's /sys (it shows the namespace that mounted it): the
/// vantage must notice and fall back to the interface flags, as on macOS or Windows.
#[test]
fn inside_a_namespace_flags_only() {
    let island = faults::Island::new().unwrap();
    let c = island.command(std::env::current_exe().unwrap().to_str().unwrap());
    run_child(c, "flags", island.host_ip().octets()[2]);
}

fn sh(args: &str) {
    let out = Command::new("sh").args(["-c", args]).output().unwrap();
    assert!(
        out.status.success(),
        "{args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Not a test of its own: the body of the child process, inside the namespace.
#[test]
fn child_scenarios() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    let net: u8 = std::env::var(NET_ENV).unwrap().parse().unwrap();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(scenarios(&mode, net));
    println!("CHILD-DONE");
}

async fn scenarios(mode: &str, net: u8) {
    let live = mode == "sys";
    let inner_if = format!("flv{net}i");
    let me = IpAddr::V4(Ipv4Addr::new(10, 231, net, 2));
    let gateway = IpAddr::V4(Ipv4Addr::new(10, 231, net, 1));
    let internet = ip("203.0.113.50");
    let customer = ip("10.20.0.5");
    let limit = Duration::from_secs(3);
    let log = |what: &str, s: &Sight, took: Duration| {
        println!("CHILD [{mode}] {what}: {s:?} ({} ms)", took.as_millis());
    };
    let started = unix_now();
    let v = Vantage::default();

    // A. Only the island's /30, no default route: the laptop has no uplink at all.
    for t in [ip("127.0.0.1"), ip("::1"), me] {
        assert_eq!(v.sight(t).await, Sight::Clear, "{t}");
    }
    let s = v.sight(internet).await;
    log("no default route", &s, Duration::ZERO);
    match &s {
        Sight::Offline { since, reason } => {
            assert_eq!(
                reason,
                "no network: no route to the internet (not connected to any network?)"
            );
            assert!((started..=unix_now()).contains(since));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(v.sight(customer).await, Sight::Offline { .. }));
    let banner = v.status().unwrap();
    assert_eq!(banner.reason, reason(&s));
    assert_eq!(v.uplink().await, s);
    // The network the laptop is plugged into still answers.
    assert_eq!(v.sight(gateway).await, Sight::Clear);

    // B. A default route: online; the banner goes by itself at the next look.
    sh(&format!(
        "ip route add default via {gateway} dev {inner_if}"
    ));
    let (s, took) = wait_for(&v, internet, limit, Sight::is_clear).await;
    log("default route added", &s, took);
    assert_eq!(s, Sight::Clear);
    assert_eq!(v.status(), None);
    assert_eq!(v.uplink().await, Sight::Clear);

    // C. IPv6-only uplink: the laptop is online, an IPv4 customer has no route.
    sh(&format!(
        "ip -6 addr add fd31::2/64 dev {inner_if} nodad && \
         ip -6 route add default dev {inner_if} && ip route del default"
    ));
    let (s, took) = wait_for(&v, customer, limit, |s| !s.is_clear()).await;
    log("IPv6 uplink only, IPv4 customer", &s, took);
    match &s {
        Sight::NoRoute { reason, .. } => {
            assert_eq!(reason, "no route to 10.20.0.5 (the VPN for it is down?)")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(v.status(), None);
    sh(&format!(
        "ip route add default via {gateway} dev {inner_if} && ip -6 route del default dev {inner_if}"
    ));

    // D. A VPN (a veth pair here; its far end plays the tunnel's peer) with the customer's
    // route on it. The probe succeeds: the path is remembered.
    sh("ip link add vpn0 type veth peer name vpnp0 && \
        ip addr add 10.8.0.2/30 dev vpn0 && ip addr add 10.8.0.1/30 dev vpnp0 && \
        ip link set vpnp0 up && ip link set vpn0 up && \
        ip route add 10.20.0.0/16 dev vpn0");
    // (Set-up: look again now rather than after `fresh_for`.)
    v.invalidate();
    let (s, took) = wait_for(&v, customer, limit, Sight::is_clear).await;
    log("VPN up", &s, took);
    assert_eq!(s, Sight::Clear);
    v.reached(customer);

    // D1. The VPN's link loses its carrier.
    sh("ip link set vpnp0 down");
    let (s, took) = wait_for(&v, customer, limit, |s| !s.is_clear()).await;
    log("VPN link without carrier", &s, took);
    assert!(
        matches!(&s, Sight::NoRoute { reason, .. }
            if reason.starts_with("no link: the interface vpn0 that reaches 10.20.0.5 has no carrier")),
        "{s:?}"
    );
    if live {
        assert!(took < Duration::from_millis(500), "{took:?}");
    }
    assert_eq!(v.status(), None);
    sh("ip link set vpnp0 up");
    let (s, took) = wait_for(&v, customer, limit, Sight::is_clear).await;
    log("VPN link back", &s, took);
    assert_eq!(s, Sight::Clear);

    // D2. The VPN goes away, routes and all: the customer would now follow the default
    // route. Seen at once (the interface is gone), then explained by the remembered path.
    sh("ip link del vpn0");
    let gone_at = Instant::now();
    let (s, took) = wait_for(&v, customer, limit, |s| !s.is_clear()).await;
    log("VPN deleted, first look", &s, took);
    assert!(matches!(&s, Sight::NoRoute { .. }), "{s:?}");
    if live {
        assert!(took < Duration::from_millis(500), "{took:?}");
    }
    let first_since = s.since();
    let (s, _) = wait_for(&v, customer, limit, |s| reason(s).contains("any more")).await;
    log("VPN deleted, explained", &s, gone_at.elapsed());
    assert_eq!(s.since(), first_since, "out of sight since the first look");
    assert_eq!(
        reason(&s),
        format!(
            "no route to 10.20.0.5 through vpn0 any more (vpn0 is gone; the VPN for it is \
             down?): it would go out the default route on {inner_if}"
        )
    );
    // Never reached through the VPN: nothing to compare with (known limit).
    assert_eq!(v.sight(ip("10.20.0.6")).await, Sight::Clear);
    assert_eq!(v.status(), None);

    // D3. The VPN comes back: clear by itself.
    sh("ip link add vpn0 type veth peer name vpnp0 && \
        ip addr add 10.8.0.2/30 dev vpn0 && ip addr add 10.8.0.1/30 dev vpnp0 && \
        ip link set vpnp0 up && ip link set vpn0 up && \
        ip route add 10.20.0.0/16 dev vpn0");
    let (s, took) = wait_for(&v, customer, limit, Sight::is_clear).await;
    log("VPN back", &s, took);
    assert_eq!(s, Sight::Clear);

    // E. 10,000 targets on the customer's network.
    let before = v.stats();
    let t0 = Instant::now();
    for i in 0..10_000u32 {
        let t = IpAddr::V4(Ipv4Addr::new(10, 20, (i / 250) as u8, (i % 250) as u8 + 1));
        assert_eq!(v.sight(t).await, Sight::Clear);
    }
    let took = t0.elapsed();
    let after = v.stats();
    println!(
        "CHILD [{mode}] 10,000 customer targets: {} ms, snapshots {}, route lookups {}",
        took.as_millis(),
        after.snapshots - before.snapshots,
        after.route_lookups - before.route_lookups
    );
    assert!(after.snapshots - before.snapshots <= 2 + took.as_secs());

    // F. The uplink loses its carrier (its route stays, marked linkdown): offline.
    sh("ip link add wan0 type veth peer name wanp0 && \
        ip addr add 10.99.0.2/24 dev wan0 && ip addr add 10.99.0.1/24 dev wanp0 && \
        ip link set wanp0 up && ip link set wan0 up && \
        ip route replace default dev wan0");
    v.invalidate();
    let (s, took) = wait_for(&v, internet, limit, Sight::is_clear).await;
    log("uplink wan0", &s, took);
    assert_eq!(s, Sight::Clear);
    // The banner follows by itself: a watcher re-assesses every 200 ms.
    let banner_v = Vantage::default();
    let watcher = banner_v.watch(Duration::from_millis(200));
    let mut banner_rx = banner_v.subscribe();
    let before_cut = unix_now();
    sh("ip link set wanp0 down");
    let (s, took) = wait_for(&v, internet, limit, |s| !s.is_clear()).await;
    log("uplink without carrier", &s, took);
    match &s {
        Sight::Offline { since, reason } => {
            assert!(
                reason.starts_with(
                    "no network: the interface wan0 that reaches 203.0.113.50 has no carrier"
                ),
                "{reason}"
            );
            assert!((before_cut..=unix_now()).contains(since));
        }
        other => panic!("{other:?}"),
    }
    if live {
        assert!(took < Duration::from_millis(500), "{took:?}");
    }
    let banner = v.status().unwrap();
    println!("CHILD [{mode}] banner: {banner:?}");
    assert!(banner.reason.starts_with("no network: wan0 has no carrier"));
    // The link to the island's network and the VPN do not ride on wan0.
    assert_eq!(v.sight(gateway).await, Sight::Clear);
    assert_eq!(v.sight(customer).await, Sight::Clear);
    let t0 = Instant::now();
    let shown = tokio::time::timeout(limit, banner_rx.wait_for(|b| b.is_some()))
        .await
        .unwrap()
        .unwrap()
        .clone();
    println!(
        "CHILD [{mode}] watcher banner: {shown:?} (after {} ms)",
        t0.elapsed().as_millis()
    );
    assert!(shown
        .unwrap()
        .reason
        .starts_with("no network: wan0 has no carrier"));
    sh("ip link set wanp0 up");
    let t0 = Instant::now();
    tokio::time::timeout(limit, banner_rx.wait_for(|b| b.is_none()))
        .await
        .unwrap()
        .unwrap();
    println!(
        "CHILD [{mode}] watcher banner gone {} ms after the carrier came back",
        t0.elapsed().as_millis()
    );
    drop(banner_v);
    tokio::time::timeout(limit, watcher).await.unwrap().unwrap();
    let (s, took) = wait_for(&v, internet, limit, Sight::is_clear).await;
    log("uplink carrier back", &s, took);
    assert_eq!(s, Sight::Clear);
    assert_eq!(v.status(), None);
    sh(&format!(
        "ip route replace default via {gateway} dev {inner_if} && ip link del wan0"
    ));

    // G. Uplink anchors. One beyond the host (which does not forward): silent, so the
    // link is up but nothing beyond answers.
    let silent: SocketAddr = "203.0.113.9:443".parse().unwrap();
    let config = |anchors: Vec<SocketAddr>| VantageConfig {
        anchors,
        anchor_timeout: Duration::from_secs(1),
        ..VantageConfig::default()
    };
    let va = Vantage::new(config(vec![silent]));
    let t0 = Instant::now();
    let status = va.assess().await;
    println!(
        "CHILD [{mode}] silent anchor: {status:?} ({} ms)",
        t0.elapsed().as_millis()
    );
    let reason_text = status.unwrap().reason;
    assert_eq!(
        reason_text,
        format!(
            "no network beyond {inner_if}: none of the uplink anchors answered \
             (203.0.113.9:443 within 1 s); a captive portal, or the network's upstream is down?"
        )
    );
    let s = va.sight(internet).await;
    assert!(
        matches!(&s, Sight::Offline { reason, .. } if *reason == reason_text),
        "{s:?}"
    );
    // Its own subnet still answers.
    assert_eq!(va.sight(gateway).await, Sight::Clear);
    // Many failures at once share one round of anchor probes (the reading above is
    // stale after `anchors_fresh_for`).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let t0 = Instant::now();
    let rounds = va.stats().anchor_rounds;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200u8 {
        let va = va.clone();
        tasks.spawn(async move { va.sight(IpAddr::V4(Ipv4Addr::new(203, 0, 113, i))).await });
    }
    while let Some(s) = tasks.join_next().await {
        assert!(matches!(s.unwrap(), Sight::Offline { .. }));
    }
    let more = va.stats().anchor_rounds - rounds;
    println!(
        "CHILD [{mode}] 200 sights at once through silent anchors: {more} anchor round(s), {} ms",
        t0.elapsed().as_millis()
    );
    assert_eq!(more, 1);

    // The gateway refuses (RST): that is an answer.
    let vb = Vantage::new(config(vec![silent, SocketAddr::new(gateway, 9)]));
    let t0 = Instant::now();
    assert_eq!(vb.assess().await, None);
    println!(
        "CHILD [{mode}] refusing anchor: online ({} ms)",
        t0.elapsed().as_millis()
    );
    assert_eq!(vb.sight(internet).await, Sight::Clear);
}
