//! A full disk (issue 17): the data folder on a 6 MiB tmpfs, in a private mount namespace
//! that the test makes (`unshare --mount`, root), filled to the last byte while the
//! technician works. Every write then fails with one clear sentence and exit status 1,
//! nothing committed before is lost or half-written, and once space is freed the same
//! writes succeed.
//!
//! Linux only (mount namespaces and tmpfs); listed in scripts/windows/not-under-wine.txt.
#![cfg(target_os = "linux")]

mod support;

use rusqlite::Connection;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use support::said;

/// A process holding a private mount namespace with a tmpfs at `dir`; the CLI runs inside
/// it through nsenter, and the test reaches the tmpfs at `/proc/PID/root/DIR`.
struct SmallDisk {
    holder: Child,
    dir: PathBuf,
}

impl SmallDisk {
    fn new(dir: &Path, size: &str) -> SmallDisk {
        std::fs::create_dir_all(dir).expect("mount point");
        let mut holder = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(format!(
                "mount -t tmpfs -o size={size},mode=0700 fieldline-full \"$0\" && echo ready && exec sleep 600"
            ))
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run unshare (util-linux; needs root)");
        let mut line = String::new();
        BufReader::new(holder.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the holder");
        assert_eq!(
            line.trim(),
            "ready",
            "the tmpfs was not mounted (root needed)"
        );
        SmallDisk {
            holder,
            dir: dir.to_owned(),
        }
    }

    /// The tmpfs as the test sees it.
    fn inside(&self) -> PathBuf {
        PathBuf::from(format!("/proc/{}/root", self.holder.id()))
            .join(self.dir.strip_prefix("/").expect("an absolute mount point"))
    }

    /// A copy of the store (with its WAL) in `to`, for SQLite to read here: opened at
    /// `/proc/PID/root/…`, SQLite would follow that link to our own view of the folder.
    fn copy_of_store(&self, to: &Path) -> PathBuf {
        std::fs::create_dir_all(to).expect("copy folder");
        for name in ["fieldline.db", "fieldline.db-wal"] {
            let from = self.inside().join(name);
            if from.exists() {
                std::fs::copy(&from, to.join(name)).expect("copy the store");
            }
        }
        to.join("fieldline.db")
    }

    fn fieldline(&self, args: &[&str]) -> Output {
        Command::new("nsenter")
            .arg("-t")
            .arg(self.holder.id().to_string())
            .args(["-m", "--"])
            .arg(env!("CARGO_BIN_EXE_fieldline"))
            .arg("--data-dir")
            .arg(&self.dir)
            .args(args)
            .env_remove("FIELDLINE_DATA_DIR")
            .env("LANG", "en_US.UTF-8")
            .stdin(Stdio::null())
            .output()
            .expect("run fieldline through nsenter")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.fieldline(args);
        assert!(out.status.success(), "{args:?}: {}", said(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Writes zeros into `filler` until the disk refuses.
    fn fill(&self) {
        let mut f = std::fs::File::create(self.inside().join("filler")).expect("filler");
        let block = vec![0u8; 64 * 1024];
        loop {
            if f.write_all(&block).is_err() {
                break;
            }
        }
        // The last partial blocks too.
        while f.write_all(&[0u8; 512]).is_ok() {}
        let _ = f.sync_all();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

fn fleet(n: usize, tag: &str) -> String {
    let mut text = String::from(
        "[[customers]]\nid = \"full\"\nname = \"Full Disk Ltd\"\n\n\
         [[sites]]\nid = \"full-hq\"\ncustomer = \"full\"\nname = \"HQ\"\ntimezone = \"Asia/Seoul\"\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "\n[[endpoints]]\nid = \"{tag}-{i:04}\"\nsite = \"full-hq\"\nhost = \"10.{}.{}.9\"\n",
            i / 250,
            i % 250
        ));
    }
    text
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = Connection::open(db).expect("open the store");
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

#[test]
fn a_full_disk_refuses_writes_clearly_loses_nothing_and_recovers() {
    let tmp = tempfile::tempdir().expect("tmp");
    let disk = SmallDisk::new(&tmp.path().join("data"), "6m");
    let (small, big) = (tmp.path().join("small.toml"), tmp.path().join("big.toml"));
    std::fs::write(&small, fleet(40, "s")).expect("small");
    std::fs::write(&big, fleet(3000, "b")).expect("big");
    let (small, big) = (small.to_str().expect("path"), big.to_str().expect("path"));
    let sla = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/sla.toml");
    let open = |title| {
        [
            "ticket",
            "open",
            "--customer",
            "full",
            "--priority",
            "P2",
            title,
        ]
    };

    disk.ok(&["sla", "import", sla]);
    disk.ok(&["fleet", "import", small]);
    disk.ok(&open("before"));
    disk.ok(&["ticket", "note", "1", "written before the disk filled"]);

    disk.fill();

    // Each write fails alone, with one clear sentence, and changes nothing.
    let long_note = "x".repeat(4000);
    let writes: [&[&str]; 3] = [
        &["fleet", "import", big, "--replace"],
        &open("during"),
        &["ticket", "note", "1", &long_note],
    ];
    for args in writes {
        let out = disk.fieldline(args);
        let text = said(&out);
        eprintln!("{} on a full disk: {text}", args[..2].join(" "));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {text}");
        assert!(
            text.contains("disk") && text.contains("is full") && text.contains("Free some space"),
            "{args:?} did not say the disk is full: {text}"
        );
        assert_eq!(text.trim().lines().count(), 1, "one sentence: {text}");
    }
    // A read needs no room once the store is open (the app keeps it open); a new process
    // may need some for SQLite's shared-memory file, and then says the same.
    let read = disk.fieldline(&["ticket", "list"]);
    if read.status.success() {
        assert!(said(&read).contains("before"), "{}", said(&read));
    } else {
        assert!(said(&read).contains("is full"), "{}", said(&read));
    }

    // Space comes back. Nothing committed before is lost, nothing half-written is there.
    // (Read once there is room again: SQLite's own shared-memory file needs a little.)
    std::fs::remove_file(disk.inside().join("filler")).expect("free the space");
    let db = disk.copy_of_store(&tmp.path().join("seen"));
    assert_eq!(count(&db, "SELECT count(*) FROM endpoints"), 40);
    assert_eq!(count(&db, "SELECT count(*) FROM tickets"), 1);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM ticket_events WHERE instr(data, 'written before') > 0"
        ),
        1
    );
    let check: String = Connection::open(&db)
        .expect("open")
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");

    // And the same writes succeed.
    disk.ok(&open("after"));
    disk.ok(&["fleet", "import", big, "--replace"]);
    let db = disk.copy_of_store(&tmp.path().join("seen-after"));
    assert_eq!(count(&db, "SELECT count(*) FROM endpoints"), 3000);
    assert_eq!(count(&db, "SELECT count(*) FROM tickets"), 2);
}
