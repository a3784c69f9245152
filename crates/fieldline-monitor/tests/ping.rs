//! The `ping` probe with real sockets: loopback, an `Island` (netns + veth) whose cable
//! is pulled and put back, and child processes without privileges (as `nobody`, all
//! capabilities dropped) with the `ping_group_range` sysctl closed and opened. Needs root
//! (namespaces, raw sockets) and iproute2, util-linux (`unshare`, `nsenter`, `setpriv`).

#![allow(clippy::unwrap_used)]

#[rustfmt::skip]
#[path = "support/faults.rs"]
mod faults;

use fieldline_core::checks::PingSpec;
use fieldline_core::CheckState;
use fieldline_monitor::probe::ping::{icmp_access, probe, IcmpAccess};
use fieldline_monitor::Outcome;
use std::process::Command;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(2);

fn spec() -> PingSpec {
    PingSpec {
        count: 3,
        warn_ms: None,
        crit_ms: None,
        warn_loss: 1,
        crit_loss: 100,
    }
}

fn assert_ok(o: &Outcome, host: &str) {
    assert_eq!(o.state, CheckState::Ok, "{o:?}");
    assert!(
        o.message.starts_with(&format!("{host}: 3/3 replies, avg ")),
        "{o:?}"
    );
    assert!(o.latency_ms.is_some_and(|ms| ms < 1000.0), "{o:?}");
}

#[tokio::test]
async fn loopback_v4_and_v6() {
    let access = (icmp_access(false), icmp_access(true));
    eprintln!("access here: {access:?}");
    assert!(!matches!(access.0, IcmpAccess::Denied(_)), "{access:?}");
    let o = probe("127.0.0.1", &spec(), T).await;
    assert_ok(&o, "127.0.0.1");
    let o = probe("::1", &spec(), T).await;
    assert_ok(&o, "::1");
    let o = probe("localhost", &spec(), T).await;
    assert_ok(&o, "localhost (127.0.0.1)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_probes_at_once_do_not_cross_talk() {
    // Raw sockets (root here) each see every echo reply, and on loopback every request
    // too: a probe must count its own replies only, once each.
    let hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "::1"];
    let mut tasks = Vec::new();
    for i in 0..40 {
        let host = hosts[i % hosts.len()];
        tasks.push(tokio::spawn(async move {
            (host, probe(host, &spec(), T).await)
        }));
    }
    for task in tasks {
        let (host, o) = task.await.unwrap();
        assert_ok(&o, host);
    }
}

#[tokio::test]
async fn island_cut_and_restored() {
    let island = faults::Island::new().unwrap();
    let inner = island.inner_ip().to_string();
    let o = probe(&inner, &spec(), T).await;
    assert_ok(&o, &inner);

    island.cut().unwrap();
    let started = Instant::now();
    let o = probe(&inner, &spec(), T).await;
    let took = started.elapsed();
    assert_eq!(o.state, CheckState::Crit, "{o:?}");
    assert!(
        o.message
            .starts_with(&format!("{inner}: no reply to 3 pings within 2 s")),
        "{o:?}"
    );
    assert!(took < T + Duration::from_millis(200), "{took:?}");
    eprintln!("cut: {} in {took:?}", o.message);

    island.restore().unwrap();
    let o = probe(&inner, &spec(), T).await;
    assert_ok(&o, &inner);
    eprintln!("restored: {}", o.message);
}

// ---------------------------------------------------------------------------------------
// Without privileges: the probe runs in a child process (this test binary again)

const CHILD_ENV: &str = "FIELDLINE_PING_CHILD";

/// Not a test of its own: the body of the child process. With `FIELDLINE_PING_CHILD` set
/// (hosts, comma-separated) it prints its access and one outcome per host, as JSON.
#[test]
fn child_probe() {
    let Ok(hosts) = std::env::var(CHILD_ENV) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("CHILD-UID {}", uid());
    for host in hosts.split(',') {
        let v6 = host.contains(':');
        println!("CHILD-ACCESS {host} {:?}", icmp_access(v6));
        let o = rt.block_on(probe(host, &spec(), T));
        println!("CHILD-OUTCOME {}", serde_json::to_string(&o).unwrap());
    }
}

fn uid() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .unwrap()
        .to_owned()
}

/// This test binary, copied where `nobody` may run it.
fn exe_for_nobody() -> (tempfile::TempDir, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new()
        .prefix("fieldline-ping-child-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let exe = dir.path().join("ping-test");
    std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    (dir, exe)
}

/// `setpriv` arguments that make the rest run as nobody with no capabilities at all.
const AS_NOBODY: [&str; 6] = [
    "--reuid=65534",
    "--regid=65534",
    "--clear-groups",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--",
];

struct Child {
    lines: Vec<String>,
    outcomes: Vec<Outcome>,
}

fn run_child(mut command: Command, hosts: &str) -> Child {
    let out = command
        .args(["--exact", "child_probe", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, hosts)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<String> = stdout
        .lines()
        // The harness may print "test child_probe ... " on the same line first.
        .filter_map(|l| l.find("CHILD-").map(|at| l[at..].to_owned()))
        .collect();
    let outcomes = lines
        .iter()
        .filter_map(|l| l.strip_prefix("CHILD-OUTCOME "))
        .map(|json| {
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            let state = serde_json::from_value(v["state"].clone()).unwrap();
            Outcome {
                state,
                latency_ms: v["latency_ms"].as_f64(),
                message: v["message"].as_str().unwrap().to_owned(),
            }
        })
        .collect();
    Child { lines, outcomes }
}

#[test]
fn unprivileged_without_the_sysctl_is_unknown_and_says_why() {
    let (_dir, exe) = exe_for_nobody();
    // A fresh network namespace with the sysctl closed ("1 0", whatever the host has),
    // then nobody without capabilities: neither a datagram nor a raw socket opens.
    let mut c = Command::new("unshare");
    c.args(["--net", "--", "sh", "-c"])
        .arg(
            "echo '1 0' > /proc/sys/net/ipv4/ping_group_range && ip link set lo up && \
             exec setpriv \"$@\"",
        )
        .arg("sh")
        .args(AS_NOBODY)
        .arg(&exe);
    let child = run_child(c, "127.0.0.1,::1");
    assert!(child.lines[0].contains("65534"), "{:?}", child.lines);
    assert!(
        child.lines.iter().any(|l| l.contains("Denied(")),
        "{:?}",
        child.lines
    );
    assert_eq!(child.outcomes.len(), 2, "{:?}", child.lines);
    for o in &child.outcomes {
        assert_eq!(o.state, CheckState::Unknown, "{o:?}");
        assert_eq!(
            o.message,
            "this system does not allow unprivileged ping: sysctl net.ipv4.ping_group_range \
             is \"1 0\", which leaves out group 65534, and there is no CAP_NET_RAW for a raw \
             socket; allow it with sysctl -w net.ipv4.ping_group_range=\"0 2147483647\" \
             (persist in /etc/sysctl.d/) or setcap cap_net_raw+ep on Fieldline"
        );
        assert!(o.latency_ms.is_none());
    }
}

#[test]
fn unprivileged_datagram_path_works_without_root() {
    let (_dir, exe) = exe_for_nobody();
    // Inside the Island the sysctl is open ("0 2147483647"); nobody, no capabilities,
    // pings the host's end of the veth and the namespace's own loopback.
    let island = faults::Island::new().unwrap();
    let mut c = island.command("setpriv");
    c.args(AS_NOBODY).arg(&exe);
    let host_side = island.host_ip().to_string();
    let child = run_child(c, &format!("{host_side},::1"));
    assert!(child.lines[0].contains("65534"), "{:?}", child.lines);
    assert!(
        child
            .lines
            .iter()
            .filter(|l| l.contains(" Datagram"))
            .count()
            == 2,
        "{:?}",
        child.lines
    );
    assert_eq!(child.outcomes.len(), 2, "{:?}", child.lines);
    assert_ok(&child.outcomes[0], &host_side);
    assert_ok(&child.outcomes[1], "::1");
}
