//! End to end on the real app: built, started under Xvfb, driven over WebDriver
//! (tauri-driver + WebKitWebDriver). Each test asserts what a technician sees.
//! Screenshots land in target/e2e-artifacts/.

mod harness;
#[path = "../../crates/fieldline-keychain/tests/support/keychain.rs"]
mod keychain;
#[path = "../../crates/fieldline-monitor/tests/support/prom.rs"]
#[allow(clippy::unwrap_used)]
mod prom;
#[path = "../../crates/fieldline-sync/tests/support/rt.rs"]
mod rt;
// Each harness is self-contained and brings its own copy of harness_common.
#[path = "../../crates/fieldline-monitor/tests/support/sshd.rs"]
#[allow(clippy::unwrap_used, clippy::duplicate_mod)]
mod sshd;

use fantoccini::key::Key;
use fantoccini::Locator;
use harness::{Desk, SERIAL};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn technician_builds_an_inventory_in_the_window_and_finds_it_after_a_restart() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    let ui = desk.launch().await;

    // First run: an empty store says so and offers a way in.
    ui.wait("empty-fleet").await;
    ui.click("empty-add-customer").await;
    ui.fill("field-id", "acme").await;
    ui.fill("field-name", "ACME Corp").await;
    ui.click("form-save").await;
    ui.wait("tree-customer-acme").await;

    ui.click("tree-customer-acme").await;
    ui.click("add-site").await;
    ui.fill("field-id", "acme-hq").await;
    ui.fill("field-name", "Head office").await;
    ui.fill("field-timezone", "Asia/Seoul").await;
    ui.click("form-save").await;
    ui.wait("tree-site-acme-hq").await;

    ui.click("tree-site-acme-hq").await;
    ui.click("add-endpoint").await;
    ui.fill("field-id", "acme-web1").await;
    ui.fill("field-name", "Web server").await;
    ui.fill("field-host", "10.0.0.5").await;
    ui.fill("field-tags", "linux web").await;
    ui.click("form-save").await;
    ui.wait("tree-endpoint-acme-web1").await;

    // The store refuses a duplicate id and the form says why.
    ui.click("tree-site-acme-hq").await;
    ui.click("add-endpoint").await;
    ui.fill("field-id", "acme-web1").await;
    ui.fill("field-host", "10.0.0.6").await;
    ui.click("form-save").await;
    ui.wait_text("form-error", "already exists").await;
    ui.click("form-cancel").await;

    ui.screenshot("inventory").await;
    ui.quit().await;

    // Restart: everything is still there.
    let ui = desk.launch().await;
    ui.click("tree-endpoint-acme-web1").await;
    ui.wait_text("detail-title", "Web server").await;
    ui.wait_text("detail-host", "10.0.0.5").await;
    ui.quit().await;

    // The CLI reads the same store.
    let out = desk.cli(&["fleet", "list", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fleet: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let web = &fleet["endpoints"][0];
    assert_eq!(web["id"], "acme-web1");
    assert_eq!(web["site"], "acme-hq");
    assert_eq!(web["tags"], serde_json::json!(["linux", "web"]));
    assert_eq!(fleet["sites"][0]["timezone"], "Asia/Seoul");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_to_korean_shows_korean_and_is_remembered() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    let ui = desk.launch().await;
    ui.click("nav-settings").await;
    ui.select("language-select", "ko").await;
    ui.wait_text("nav-settings", "설정").await;
    assert_eq!(ui.text("nav-notifications").await.trim(), "알림");
    assert_eq!(ui.text("nav-fleet").await.trim(), "자산");
    ui.screenshot("korean-settings").await;
    ui.click("nav-fleet").await;
    ui.screenshot("korean-fleet").await;
    ui.quit().await;

    let ui = desk.launch().await;
    ui.wait_text("nav-settings", "설정").await;
    ui.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_offers_the_demo_fleet_and_labels_it_demo() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    let ui = desk.launch().await;
    ui.wait("empty-fleet").await;
    assert!(
        !ui.is_present("demo-badge").await,
        "no demo label before the demo is loaded"
    );
    ui.click("load-demo").await;
    ui.wait("demo-badge").await;
    ui.wait("tree-customer-demo-hanbit").await;
    ui.click("tree-endpoint-demo-hanbit-web1").await;
    ui.wait_text("detail-host", "127.0.0.1").await;
    ui.screenshot("demo-fleet").await;
    assert_eq!(ui.client.title().await.expect("title"), "Fieldline");

    // Search narrows the tree to what matches (here a tag).
    ui.fill("fleet-search", "firewall").await;
    ui.wait("tree-endpoint-demo-seorin-fw").await;
    assert!(!ui.is_present("tree-endpoint-demo-hanbit-web1").await);
    ui.fill("fleet-search", "").await;
    ui.wait("tree-endpoint-demo-hanbit-web1").await;

    // Keyboard first: Ctrl+K, type, Enter jumps to the endpoint.
    let body = ui.wait_css("body").await;
    body.send_keys(&format!("{}k{}", Key::Control, Key::Control))
        .await
        .expect("Ctrl+K");
    ui.fill("palette-input", "Backup NAS").await;
    ui.wait("palette-item-demo-hanbit-nas").await;
    ui.wait("palette-input")
        .await
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("Enter");
    ui.wait_text("detail-title", "Backup NAS").await;
    ui.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_cli_imports_while_the_app_runs_appears_in_the_window() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    let ui = desk.launch().await;
    ui.wait("empty-fleet").await;
    let file = desk.home.path().join("fleet.toml");
    std::fs::write(
        &file,
        "[[customers]]\nid = \"beta\"\nname = \"Beta Clinic\"\n\
         [[sites]]\nid = \"beta-1\"\ncustomer = \"beta\"\nname = \"Clinic\"\ntimezone = \"Asia/Seoul\"\n",
    )
    .expect("write fleet file");
    let out = desk.cli(&["fleet", "import", &file.display().to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ui.wait("tree-customer-beta").await;
    ui.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_launch_hands_over_to_the_running_window() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    let ui = desk.launch().await;
    let mut second = std::process::Command::new(harness::desktop_binary());
    for (k, v) in desk.env() {
        second.env(k, v);
    }
    let mut child = second.spawn().expect("second launch");
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the second instance kept running instead of handing over");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "second instance exited with {status}");
    // The first window still answers.
    ui.click("nav-settings").await;
    ui.wait("app-info").await;
    ui.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_fieldline_is_refused_on_screen_and_left_alone() {
    let _serial = SERIAL.lock().await;
    let home = tempfile::tempdir().expect("home");
    let data = home.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    let db = data.join("fieldline.db");
    {
        let conn = rusqlite::Connection::open(&db).expect("db");
        conn.execute_batch("PRAGMA application_id = 1178881102; PRAGMA user_version = 999;")
            .expect("pragma");
    }
    let before = std::fs::read(&db).expect("read");
    let desk = Desk::with_data_dir(home, data);
    let ui = desk.launch().await;
    ui.wait_text("newer-database", "newer").await;
    ui.screenshot("newer-database").await;
    ui.quit().await;
    assert_eq!(
        std::fs::read(&db).expect("read"),
        before,
        "the newer database was modified"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spreadsheet_imported_in_the_window_reports_bad_rows_then_imports_the_good_ones() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    let fleet = desk.home.path().join("fleet.toml");
    std::fs::write(
        &fleet,
        "[[customers]]\nid = \"acme\"\nname = \"ACME Corp\"\n\
         [[sites]]\nid = \"acme-hq\"\ncustomer = \"acme\"\nname = \"Head office\"\ntimezone = \"Asia/Seoul\"\n",
    )
    .expect("fleet file");
    assert!(desk
        .cli(&["fleet", "import", &fleet.display().to_string()])
        .status
        .success());
    let csv = desk.home.path().join("hosts.csv");
    std::fs::write(
        &csv,
        "Hostname,IP Address,Site,Tags,Name\nacme-db1,10.0.0.9,acme-hq,linux db,<b>DB</b><img src=x>\nacme-<b>x</b>,10.0.0.10,acme-hq,,\n",
    )
    .expect("csv");

    let ui = desk.launch().await;
    ui.wait("tree-customer-acme").await;
    ui.click("import-fleet").await;
    ui.wait("import-file")
        .await
        .send_keys(&csv.display().to_string())
        .await
        .expect("choose the file");
    // "Hostname" is guessed as the host; this sheet uses it as the id, the address as host.
    ui.select("csv-map-0", "id").await;
    ui.select("csv-map-1", "host").await;
    ui.click("import-submit").await;
    let report = ui.wait_text("import-result", "Nothing was imported").await;
    assert!(
        report.contains("line 3: Hostname: id contains '<'"),
        "{report}"
    );
    assert!(
        !ui.is_present("tree-endpoint-acme-db1").await,
        "nothing is half-imported"
    );

    ui.click("csv-allow-partial").await;
    ui.click("import-submit").await;
    ui.wait_text("import-result", "Created: 1, updated: 0")
        .await;
    ui.wait("tree-endpoint-acme-db1").await;
    ui.screenshot("csv-import").await;
    ui.click("import-close").await;
    // Markup in a spreadsheet cell is shown as the characters it is, never rendered.
    ui.click("tree-endpoint-acme-db1").await;
    ui.wait_text("detail-title", "<b>DB</b><img src=x>").await;

    // The fleet file the export shows holds what was imported.
    ui.client.refresh().await.expect("reload");
    ui.click("export-fleet").await;
    let text = ui.wait_value("export-text", "[[endpoints]]").await;
    assert!(
        text.contains("id = \"acme-db1\"") && text.contains("tags = [\"linux\", \"db\"]"),
        "{text}"
    );
    ui.quit().await;
}

/// The command table the UI's types are generated from and the handler the shell
/// registers must agree: every declared command answers (successfully, or with an error
/// about its arguments), none is unknown, and failures arrive as values with a `kind`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_declared_command_is_registered_and_errors_carry_a_kind() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    let ui = desk.launch().await;
    let names: Vec<String> = fieldline_ipc::bindings::commands()
        .iter()
        .map(|c| c.name.to_string())
        .collect();
    let script = r#"
        const [names, done] = [arguments[0], arguments[arguments.length - 1]];
        (async () => {
            const out = {};
            for (const n of names) {
                try { await window.__TAURI_INTERNALS__.invoke(n, {}); out[n] = 'ok'; }
                catch (e) { out[n] = typeof e === 'string' ? e : JSON.stringify(e); }
            }
            try {
                await window.__TAURI_INTERNALS__.invoke('apply_fleet_change',
                    { change: { kind: 'DeleteCustomer', id: 'nobody' } });
                out.__structured = 'no error';
            } catch (e) { out.__structured = e; }
            done(out);
        })();
    "#;
    // A command that needs a path outside the data folder asks in a native picker even
    // when called bare: each is cancelled here, in the order they are declared, as a
    // technician would.
    let pickers = [
        ("backup_store", "keep the backup in which folder"),
        ("restore_store", "restore which backup folder"),
        (
            "choose_auto_backup_folder",
            "make the daily backups in which folder",
        ),
    ];
    let (out, ()) = tokio::join!(
        ui.client
            .execute_async(script, vec![serde_json::json!(names)]),
        async {
            for (_, title) in pickers {
                desk.pick_native(title, None).await;
            }
        }
    );
    let out = out.expect("invoke every command");
    for (command, _) in pickers {
        assert!(
            out[command]
                .as_str()
                .is_some_and(|e| e.contains("NotApproved")),
            "{command}: {out}"
        );
    }
    for name in &names {
        let answer = out[name].as_str().unwrap_or_default();
        assert!(
            !answer.contains(&format!("command {name} not found")),
            "{name} is declared in fieldline-ipc but not registered: {answer}"
        );
    }
    assert_eq!(out["fleet_snapshot"], "ok");
    assert_eq!(out["__structured"]["kind"], "NotFound", "{out}");
    assert!(out["__structured"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("nobody")));
    ui.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_and_deleting_in_the_window_say_what_they_touch() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    let out = desk.cli(&["demo", "--no-simulator"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ui = desk.launch().await;

    ui.click("tree-endpoint-demo-seorin-pms").await;
    ui.click("edit").await;
    ui.fill("field-name", "PMS (new hardware)").await;
    ui.click("form-save").await;
    ui.wait_text("detail-title", "PMS (new hardware)").await;

    // Deleting a site says what goes with it before anything is deleted.
    ui.click("tree-site-demo-seorin-busan").await;
    ui.click("delete").await;
    let question = ui.text("delete-dialog").await;
    assert!(
        question.contains("Delete Busan clinic with its 2 endpoints?"),
        "the dialog names the site and counts its endpoints: {question}"
    );
    ui.click("confirm-delete").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while ui.is_present("tree-site-demo-seorin-busan").await {
        assert!(
            std::time::Instant::now() < deadline,
            "the site is still shown"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!ui.is_present("tree-endpoint-demo-seorin-fw").await);
    ui.quit().await;

    let out = desk.cli(&["fleet", "list", "--json"]);
    let fleet: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ids: Vec<&str> = fleet["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert!(
        !ids.iter().any(|id| id.starts_with("demo-seorin")),
        "{ids:?}"
    );
    assert!(ids.contains(&"demo-hanbit-web1"));
}

/// A fixture shared with the crates' tests.
fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// ACME's fleet and the SLA policies (Seoul office hours; P2 first response 2h), loaded
/// with the CLI, and one P2 ticket opened on Tuesday 2026-11-24 at 09:00 Seoul time.
fn seed_acme_with_a_p2_ticket(desk: &Desk) {
    desk.cli_ok(&["fleet", "import", "--yes", &fixture("acme.toml")]);
    desk.cli_ok(&["sla", "import", &fixture("sla.toml")]);
    let out = desk.cli_ok(&[
        "ticket",
        "open",
        "--customer",
        "acme",
        "--priority",
        "P2",
        "--at",
        "2026-11-24T09:00:00+09:00",
        "Mail server down",
    ]);
    assert!(out.starts_with("#1 "), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sla_countdown_turns_to_warning_on_time_without_a_reload() {
    let _serial = SERIAL.lock().await;
    // Half of the 2h first-response target is used at 10:00; the app's clock starts 10 s
    // before (the window is on screen 1-3 s after launch).
    let desk = Desk::with_env(&[("FIELDLINE_NOW", "2026-11-24T09:59:50+09:00")]);
    seed_acme_with_a_p2_ticket(&desk);
    let started = Instant::now();
    let ui = desk.launch().await;

    // The dashboard strip shows the clock first, and leads to the board.
    ui.wait("urgent-1-first_response").await;
    ui.click("nav-sla").await;
    let clock = "sla-clock-1-first_response";
    let row = ui.text("sla-row-1").await;
    assert!(
        row.contains("Mail server down") && row.contains("ACME Corp") && row.contains("P2"),
        "{row}"
    );
    assert_eq!(ui.attr(clock, "data-level").await.as_deref(), Some("ok"));
    let seen_ok = started.elapsed();
    let text = ui.text(clock).await;
    // 2h target, 59:5x used: a little over an hour left.
    assert!(text.starts_with("1:00:0"), "{text}");
    assert!(text.contains("due"), "{text}");

    // No reload, no click: the colour changes when half the target is used.
    let took = ui
        .wait_attr(clock, "data-level", "warn", Duration::from_secs(15))
        .await;
    eprintln!("clock seen ok {seen_ok:?} after launch; turned warn {took:?} later");
    ui.screenshot("sla-board").await;
    ui.click("nav-fleet").await;
    ui.wait("urgent-1-first_response").await;
    ui.screenshot("fleet-urgent-strip").await;

    // The same board in Korean.
    ui.click("nav-settings").await;
    ui.select("language-select", "ko").await;
    ui.click("nav-sla").await;
    ui.wait_text("sla-view-board", "현황판").await;
    ui.wait_text(clock, "기한").await;
    ui.screenshot("sla-board-ko").await;
    ui.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_technician_imports_policies_opens_a_ticket_and_notes_stay_text() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    desk.cli_ok(&["fleet", "import", "--yes", &fixture("acme.toml")]);
    let bad = desk.home.path().join("bad-sla.toml");
    std::fs::write(
        &bad,
        "[[calendars]]\nid = \"office\"\ntimezone = \"Asia/Seoul\"\nmon = [\"9-18\"]\n",
    )
    .expect("write a bad policy file");

    let ui = desk.launch().await;
    ui.click("nav-sla").await;
    ui.wait("sla-empty").await;
    ui.click("sla-import").await;

    // A broken file is refused, line by line, and nothing changes.
    ui.wait("sla-import-file")
        .await
        .send_keys(&bad.display().to_string())
        .await
        .expect("choose the bad file");
    let refused = ui
        .wait_text("sla-import-result", "Nothing was imported")
        .await;
    assert!(refused.contains("bad-sla.toml:"), "{refused}");
    ui.screenshot("sla-import-refused").await;

    ui.wait("sla-import-file")
        .await
        .send_keys(&fixture("sla.toml"))
        .await
        .expect("choose the policy file");
    let done = ui.wait_text("sla-import-result", "Imported.").await;
    assert!(done.contains("standard"), "{done}");
    ui.click("sla-import-close").await;
    ui.wait("sla-board").await;

    ui.click("new-ticket").await;
    ui.select("ticket-field-customer", "acme").await;
    ui.select("ticket-field-endpoint", "acme-web1").await;
    ui.fill("ticket-field-title", "VPN <b>drops</b> every hour")
        .await;
    ui.select("ticket-field-priority", "P2").await;
    ui.click("ticket-save").await;

    ui.wait_text("ticket-detail", "#1 VPN <b>drops</b> every hour")
        .await;
    ui.click("ticket-respond").await;
    ui.wait_text("ticket-timeline", "First reply to the customer")
        .await;
    let hostile = "<img src=x onerror=alert(1)>";
    ui.fill("ticket-note-text", &format!("Called them. {hostile}"))
        .await;
    ui.click("ticket-note-add").await;
    let timeline = ui.wait_text("ticket-timeline", hostile).await;
    assert!(timeline.contains("Called them."), "{timeline}");
    let images = ui
        .client
        .find_all(Locator::Css(
            "[data-testid='ticket-detail'] img, [data-testid='ticket-detail'] b",
        ))
        .await
        .expect("query");
    assert!(
        images.is_empty(),
        "markup in a note or title became elements"
    );
    ui.screenshot("ticket-detail").await;

    // The board shows the ticket; the first response is done, resolution still runs.
    ui.click("ticket-close").await;
    ui.wait("sla-clock-1-resolution").await;
    assert!(!ui.is_present("sla-clock-1-first_response").await);
    ui.quit().await;

    let shown = desk.cli_ok(&["ticket", "show", "1"]);
    assert!(
        shown.contains(hostile) && shown.contains("responded"),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monthly_report_shows_and_saves_as_csv() {
    let _serial = SERIAL.lock().await;
    let reports = tempfile::tempdir().expect("report folder");
    let desk = Desk::with_env(&[("FIELDLINE_NOW", "2026-11-24T12:00:00+09:00")]);
    seed_acme_with_a_p2_ticket(&desk);
    desk.cli_ok(&[
        "ticket",
        "respond",
        "1",
        "--at",
        "2026-11-24T09:45:00+09:00",
    ]);

    let ui = desk.launch().await;
    ui.click("nav-sla").await;
    ui.wait("sla-row-1").await;
    ui.click("sla-view-report").await;
    // The month is the app's (injected) one, not this computer's.
    ui.wait_value("report-month", "2026-11").await;
    ui.select("report-customer", "acme").await;
    ui.click("report-show").await;
    let table = ui.wait_text("report-table", "P2").await;
    assert!(table.contains("0h 45m"), "mean first response: {table}");
    ui.wait_text("report-tickets", "Mail server down").await;

    // Where it goes is chosen in the native save dialog, never typed in the page.
    ui.click("report-save-csv").await;
    let path = reports.path().join("fieldline-sla-acme-2026-11.csv");
    desk.save_native("save the SLA report as", &path).await;
    let saved = ui
        .wait_text("report-saved", "fieldline-sla-acme-2026-11.csv")
        .await;
    assert!(saved.contains(&path.display().to_string()), "{saved}");
    let csv = std::fs::read_to_string(&path).expect("the saved report");
    assert!(
        csv.contains("\"Mail server down\",P2,") && csv.contains(",met,"),
        "{csv}"
    );
    ui.screenshot("sla-report").await;

    // The notification centre and its settings open beside it.
    ui.click("nav-notifications").await;
    ui.wait("notification-centre").await;
    ui.wait_value("notify-settings-repeat", "60").await;
    ui.screenshot("notifications").await;
    ui.quit().await;
}

/// The issue's "done when": with RT on loopback, the technician connects it in Settings
/// (token into the real keychain), sees the RT tickets' SLA clocks, goes offline, changes
/// states and adds a note and time, comes back, and RT shows every change once, while the
/// edit a colleague contradicted in RT waits for the technician's decision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rt_tickets_sync_offline_edits_reach_rt_once_and_a_conflict_waits() {
    let _serial = SERIAL.lock().await;
    let keyring = keychain::GnomeKeyring::start().expect("a Secret Service");
    let rt = rt::Rt::start().expect("Request Tracker");
    let a = rt
        .create_ticket("Disk full on <b>web-01</b>", "", r#""SLA":"2h""#)
        .expect("ticket a");
    let b = rt
        .create_ticket("Printer offline", "", "")
        .expect("ticket b");
    let desk = Desk::with_env(&[("DBUS_SESSION_BUS_ADDRESS", keyring.bus_address())]);
    desk.cli_ok(&["fleet", "import", "--yes", &fixture("acme.toml")]);
    desk.cli_ok(&["sla", "import", &fixture("sla.toml")]);
    let ui = desk.launch().await;

    ui.click("nav-settings").await;
    ui.click("connections-add").await;
    ui.fill("connection-name", "rt").await;
    ui.fill("connection-url", &rt.base_url()).await;
    ui.fill("connection-user", rt.user()).await;
    ui.fill("connection-secret", rt.token()).await;
    ui.fill("connection-queues", rt.queue()).await;
    ui.click("connection-customers-add").await;
    ui.fill("connection-customers-key-0", rt.queue()).await;
    ui.fill("connection-customers-value-0", "acme").await;
    ui.click("connection-test").await;
    ui.wait_text("connection-test-result", "Connected to Request Tracker 5")
        .await;
    ui.screenshot("connection-form").await;
    ui.click("connection-save").await;
    ui.click("connection-sync-rt").await;
    ui.wait_text("connection-status-rt", "2 tickets").await;
    ui.screenshot("connections").await;

    // The RT tickets are on the SLA board with their clocks, marked with their source;
    // the subject's markup is text.
    ui.click("nav-sla").await;
    let badge = ui.wait_text("ticket-source-1", &format!("#{a}")).await;
    assert!(badge.contains("rt"), "{badge}");
    let row = ui.wait_text("sla-row-1", "<b>web-01</b>").await;
    assert!(row.contains("ACME"), "{row}");
    assert!(ui.is_present("sla-clock-1-resolution").await);
    ui.screenshot("sla-board-rt").await;

    // Offline: RT is gone; the technician keeps working (here from the terminal).
    rt.stop_server().expect("stop RT");
    desk.cli_ok(&["ticket", "state", "1", "in_progress"]);
    desk.cli_ok(&["ticket", "note", "1", "Freed 20 GB in /var/log"]);
    desk.cli_ok(&["ticket", "time", "1", "30", "--on-site"]);
    desk.cli_ok(&["ticket", "state", "2", "resolved"]);
    ui.click("sync-indicator").await;
    ui.click("connection-sync-rt").await;
    ui.wait_attr(
        "sync-indicator",
        "data-state",
        "failed",
        Duration::from_secs(20),
    )
    .await;
    ui.wait_text("connection-status-rt", "4 changes waiting")
        .await;
    ui.wait_text("connection-error-rt", "cannot reach the helpdesk")
        .await;
    ui.screenshot("sync-offline").await;

    // Back online; meanwhile a colleague put b on hold in RT.
    rt.start_server().expect("start RT");
    rt.request(
        "PUT",
        &format!("/ticket/{b}"),
        Some(r#"{"Status":"stalled"}"#),
    )
    .and_then(|r| r.expect(200))
    .expect("colleague's change");
    ui.click("connection-sync-rt").await;
    ui.wait_attr(
        "sync-indicator",
        "data-state",
        "ok",
        Duration::from_secs(30),
    )
    .await;
    ui.wait_text("connection-status-rt", "1 conflict").await;
    ui.click("sync-indicator-conflicts").await;
    let conflict = ui.wait_css("[data-testid^='conflict-keep-']").await;
    let id = conflict
        .attr("data-testid")
        .await
        .expect("attr")
        .expect("testid")
        .trim_start_matches("conflict-keep-")
        .to_string();
    let mine = ui.text(&format!("conflict-mine-{id}")).await;
    let theirs = ui.text(&format!("conflict-theirs-{id}")).await;
    assert!(theirs.contains("stalled"), "{mine} / {theirs}");
    ui.screenshot("sync-conflict").await;
    ui.click(&format!("conflict-keep-{id}")).await;
    ui.click("sync-indicator").await;
    ui.click("connection-sync-rt").await;
    ui.wait_text("connection-result-rt", " 1 sent").await;

    // RT has every change exactly once, and the kept edit.
    let status = |id: u64| {
        let body = rt.ticket(id).expect("ticket").body;
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        (
            v["Status"].as_str().unwrap_or("").to_string(),
            v["TimeWorked"].as_str().unwrap_or("").to_string(),
        )
    };
    assert_eq!(status(a), ("open".to_string(), "30".to_string()));
    assert_eq!(status(b).0, "resolved");
    let history = rt.history(a, 1).expect("history").body;
    assert_eq!(
        history.matches("\"Comment\"").count(),
        2,
        "a note and a time entry: {history}"
    );
    // The log says what the app did, and never holds the token it sent.
    let log = desk.log_text();
    assert!(
        log.contains("Fieldline") && log.contains("started") && log.contains("sync rt:"),
        "{log}"
    );
    assert!(!log.contains(rt.token()), "the RT token reached the log");
    let gone = ui.is_present(&format!("conflict-{id}")).await;
    assert!(!gone, "the settled conflict is gone");
    ui.quit().await;
}

/// Imports a fleet of two customers (`acme` with site `acme-hq`, `hanbit` with site
/// `hanbit-dc`, both in Seoul) and `endpoints` (fleet-file text) through the CLI.
fn import_two_customers(desk: &Desk, endpoints: &str) {
    let fleet = format!(
        r#"
[[customers]]
id = "acme"
name = "ACME Corp"
[[customers]]
id = "hanbit"
name = "Hanbit Logistics"
[[sites]]
id = "acme-hq"
customer = "acme"
name = "HQ"
timezone = "Asia/Seoul"
[[sites]]
id = "hanbit-dc"
customer = "hanbit"
name = "DC"
timezone = "Asia/Seoul"
{endpoints}"#
    );
    let file = desk.home.path().join("fleet.toml");
    std::fs::write(&file, fleet).expect("write fleet");
    // The technician imports their own file: credential bindings approved with --yes.
    desk.cli_ok(&["fleet", "import", "--yes", file.to_str().expect("path")]);
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A loopback TCP service that greets every connection with `banner`, until the test ends.
fn banner_server(banner: &'static str) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            use std::io::Write;
            let _ = stream.write_all(banner.as_bytes());
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_status_shows_problems_first_and_an_endpoints_words_stay_text() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    // A healthy service, a closed port, and a service whose banner is hostile markup.
    let healthy = banner_server("SSH-2.0-OpenSSH_9.2\r\n");
    let hostile = banner_server(
        "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>\r\n",
    );
    let closed = closed_port();
    import_two_customers(
        &desk,
        &format!(
            r#"
[[endpoints]]
id = "acme-bastion"
site = "acme-hq"
host = "127.0.0.1"
[[endpoints.checks]]
kind = "tcp"
port = {healthy}
expect = "SSH-"
interval = "2s"
[[endpoints]]
id = "acme-evil"
site = "acme-hq"
host = "127.0.0.1"
[[endpoints.checks]]
kind = "tcp"
port = {hostile}
expect = "SSH-"
interval = "2s"
timeout = "2s"
[[endpoints]]
id = "hanbit-nas"
site = "hanbit-dc"
host = "127.0.0.1"
[[endpoints.checks]]
kind = "tcp"
port = {closed}
interval = "2s"
"#
        ),
    );
    let ui = desk.launch().await;

    // The engine runs in the app: tiles roll up, problems come first.
    ui.wait_attr(
        "status-tile-hanbit",
        "data-state",
        "CRIT",
        Duration::from_secs(20),
    )
    .await;
    ui.wait_attr(
        "status-tile-acme",
        "data-state",
        "CRIT",
        Duration::from_secs(20),
    )
    .await;
    ui.wait("status-problem-hanbit-nas-0").await;
    ui.wait("status-problem-acme-evil-0").await;
    assert!(
        !ui.is_present("status-problem-acme-bastion-0").await,
        "a healthy endpoint is not a problem"
    );
    ui.wait_attr(
        "tree-state-acme-bastion",
        "data-state",
        "OK",
        Duration::from_secs(20),
    )
    .await;

    // The hostile banner is shown as the words it is, and nothing of it runs.
    ui.click("status-problem-acme-evil-0").await;
    ui.wait_attr(
        "status-check-acme-evil-0",
        "data-state",
        "CRIT",
        Duration::from_secs(10),
    )
    .await;
    let message = ui
        .wait_text("status-message-acme-evil-0", "<img src=x")
        .await;
    assert!(message.contains("<script>"), "{message}");
    let pwned = ui
        .client
        .execute("return [document.querySelectorAll('img[src=\"x\"]').length, window.__pwned === undefined];", vec![])
        .await
        .expect("script");
    assert_eq!(
        pwned,
        serde_json::json!([0, true]),
        "markup from an endpoint became elements or ran"
    );
    ui.screenshot("fleet-status").await;
    ui.quit().await;
}

/// The scale path in the window: a real Prometheus scrapes a node_exporter that is up and
/// a target that is down; the technician sets Prometheus up in Settings (tested before it
/// is saved), and the Fleet shows what it says for endpoints the laptop does not probe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prometheus_set_up_in_settings_shows_its_targets_in_the_fleet() {
    let _serial = SERIAL.lock().await;
    let ws = prom::Workspace::new().expect("prometheus workspace");
    let node = prom::NodeExporter::start(&ws).expect("node_exporter");
    let down = closed_port();
    // `127.0.0.1:P` matches the endpoint whose host is 127.0.0.1, `localhost:Q` the one
    // whose host is localhost: neither has a check of its own, so only Prometheus speaks.
    let up_target = node.daemon.addr();
    let down_target = format!("localhost:{down}");
    let p = prom::Prometheus::start(
        &ws,
        prom::PrometheusOptions {
            jobs: vec![prom::Job::scrape(
                "node",
                &[up_target.clone(), down_target.clone()],
            )],
            ..Default::default()
        },
    )
    .expect("prometheus");
    p.wait_query(
        "up",
        &[
            &format!("\"instance\":\"{up_target}\""),
            &format!("\"instance\":\"{down_target}\""),
        ],
        Duration::from_secs(30),
    )
    .expect("prometheus scraped both targets");

    let desk = Desk::new();
    import_two_customers(
        &desk,
        r#"
[[endpoints]]
id = "acme-node"
site = "acme-hq"
host = "127.0.0.1"
[[endpoints]]
id = "hanbit-app"
site = "hanbit-dc"
host = "localhost"
"#,
    );
    let ui = desk.launch().await;

    ui.click("nav-settings").await;
    // A wrong address is refused in words before anything is saved.
    ui.fill("prom-url", "ftp://prometheus").await;
    ui.click("prom-test").await;
    ui.wait_text("prom-error", "http").await;
    ui.fill("prom-url", &format!("http://{}/", p.daemon.addr()))
        .await;
    ui.click("prom-test").await;
    let tested = ui.wait_text("prom-test-result", "2").await;
    assert!(tested.contains('2'), "{tested}");
    ui.click("prom-save").await;
    ui.wait("prom-status").await;

    ui.click("nav-fleet").await;
    ui.wait_attr(
        "status-tile-hanbit",
        "data-state",
        "CRIT",
        Duration::from_secs(30),
    )
    .await;
    ui.wait_attr(
        "status-tile-acme",
        "data-state",
        "OK",
        Duration::from_secs(30),
    )
    .await;
    ui.wait("status-source-hanbit-app-0").await;
    assert!(
        !ui.is_present("status-source-acme-node-0").await,
        "a target that is up is not a problem"
    );
    ui.screenshot("fleet-prometheus").await;

    // The settings survive a restart; the secret never went to the store.
    ui.quit().await;
    let db = rusqlite::Connection::open(desk.data_dir.join("fieldline.db")).expect("db");
    let saved: String = db
        .query_row(
            "SELECT value FROM settings WHERE key = 'prometheus_source'",
            [],
            |r| r.get(0),
        )
        .expect("the source is saved");
    assert!(saved.contains(&p.daemon.addr()), "{saved}");
    let ui = desk.launch().await;
    ui.wait_attr(
        "status-tile-hanbit",
        "data-state",
        "CRIT",
        Duration::from_secs(30),
    )
    .await;
    ui.quit().await;
}

/// A technician acknowledges a down NAS from its health view and plans a weekly patch
/// night for a customer from its detail; the store (read back by the CLI) has both, and
/// the comment stays text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledging_a_problem_and_planning_maintenance_in_the_window() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    let healthy = banner_server("SSH-2.0-OpenSSH_9.2\r\n");
    let closed = closed_port();
    import_two_customers(
        &desk,
        &format!(
            r#"
[[endpoints]]
id = "acme-bastion"
site = "acme-hq"
host = "127.0.0.1"
[[endpoints.checks]]
kind = "tcp"
port = {healthy}
interval = "2s"
[[endpoints]]
id = "hanbit-nas"
site = "hanbit-dc"
host = "127.0.0.1"
[[endpoints.checks]]
kind = "tcp"
port = {closed}
interval = "2s"
"#
        ),
    );
    let ui = desk.launch().await;

    ui.click("status-problem-hanbit-nas-0").await;
    ui.click("ack-hanbit-nas-0").await;
    ui.fill("ack-comment", "<b>ISP ticket 4411</b>").await;
    ui.click("ack-save").await;
    let listed = ui
        .wait_text("ack-list-hanbit-nas", "<b>ISP ticket 4411</b>")
        .await;
    assert!(
        listed.contains("<b>"),
        "the comment is shown as typed: {listed}"
    );
    let acks = desk.cli_ok(&["ack", "list"]);
    assert!(
        acks.contains("hanbit-nas") && acks.contains("<b>ISP ticket 4411</b>"),
        "{acks}"
    );

    ui.click("tree-customer-acme").await;
    ui.click("maintenance-add").await;
    ui.click("maintenance-mode-stop_checking").await;
    ui.click("maintenance-kind-weekly").await;
    ui.click("maintenance-day-0").await;
    ui.fill("maintenance-reason", "Patch night").await;
    ui.click("maintenance-save").await;
    ui.wait_text("maintenance-list", "Patch night").await;
    let windows = desk.cli_ok(&["maintenance", "list"]);
    assert!(
        windows.contains("every mon at 02:00 for 120 min") && windows.contains("checks stopped"),
        "{windows}"
    );
    ui.screenshot("maintenance").await;
    assert!(
        ui.is_present("maintenance-list").await && !ui.is_present("maintenance-none").await,
        "the window stays listed"
    );
    ui.quit().await;
}

/// The text of an element if it is on screen now (no waiting).
async fn shown_text(ui: &harness::Ui, id: &str) -> Option<String> {
    let el = ui
        .client
        .find(Locator::Css(&harness::testid(id)))
        .await
        .ok()?;
    el.text().await.ok().map(|t| t.trim().to_owned())
}

/// Text of the first terminal on screen (xterm's DOM renderer: one element per row).
async fn terminal_text(ui: &harness::Ui) -> String {
    match ui.client.find(Locator::Css(".xterm-rows")).await {
        Ok(rows) => rows.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn wait_terminal(ui: &harness::Ui, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = terminal_text(ui).await;
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "the terminal never showed {needle:?}; it shows:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The issue's "done when", in the window: a host behind a two-hop jump chain, its key
/// pasted into a credential profile (so into the OS keychain), each hop's host key shown
/// and accepted, a command typed into the terminal tab and its output read back, the
/// session recorded; a file copied down over SFTP; a command fanned out to the site after
/// the window said how many hosts of how many customers; then the inner jump's host key
/// changes and the next session stops before any credential leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_technician_reaches_a_host_behind_two_jumps_works_in_a_recorded_terminal_and_a_changed_key_stops_it(
) {
    let _serial = SERIAL.lock().await;
    let keyring = keychain::GnomeKeyring::start().expect("a Secret Service");
    let mut chain = sshd::Chain::start().expect("three sshd");
    let downloads = tempfile::tempdir().expect("downloads");
    std::fs::write(
        chain.target.scratch_dir().join("report.txt"),
        "quarterly <b>report</b> 분기 보고서\n",
    )
    .expect("a file to copy");
    let desk = Desk::with_env(&[("DBUS_SESSION_BUS_ADDRESS", keyring.bus_address())]);
    let endpoint = |id: &str, port: u16, jump: Option<&str>| {
        let jump = jump
            .map(|j| format!(", jump = \"{j}\""))
            .unwrap_or_default();
        format!(
            "[[endpoints]]\nid = \"{id}\"\nsite = \"acme-hq\"\nhost = \"127.0.0.1\"\n\
             ssh = {{ user = \"{}\", port = {port}, credential = \"ops\"{jump} }}\n",
            sshd::USER
        )
    };
    import_two_customers(
        &desk,
        &[
            endpoint("bastion", chain.jump1.port(), None),
            endpoint("inner", chain.jump2.port(), Some("bastion")),
            endpoint("db", chain.target.port(), Some("inner")),
        ]
        .concat(),
    );
    let key = std::fs::read_to_string(chain.jump1.user_key_path(sshd::KeyKind::Ed25519))
        .expect("the user key");
    let ui = desk.launch().await;

    // A credential profile whose private key is pasted: it goes to the keychain.
    ui.click("nav-sessions").await;
    ui.click("sessions-view-credentials").await;
    ui.click("ssh-profile-add").await;
    ui.fill("ssh-profile-name", "ops").await;
    ui.select("ssh-profile-method", "key").await;
    // WebDriver types a newline character as nothing: lines are ended with Enter, as
    // typing (or pasting) does in a text area.
    ui.fill(
        "ssh-profile-key-text",
        &key.trim().replace('\n', &Key::Enter.to_string()),
    )
    .await;
    ui.click("ssh-profile-save").await;
    ui.wait("ssh-profile-ops").await;
    let listed = desk.cli_ok(&["ssh-profile", "list"]);
    assert!(listed.contains("keychain: key"), "{listed}");

    // A terminal tab to db: each hop's key is shown, in order, and accepted.
    ui.click("sessions-view-terminals").await;
    ui.click("session-host-db").await;
    // Logging in is asked natively, naming the jumps on the way.
    desk.wait_native("open a terminal on db").await;
    desk.screen_png("ssh-open-session-native");
    desk.answer_native("open a terminal on db", true).await;
    for hop in [&chain.jump1, &chain.jump2, &chain.target] {
        let shown = ui.wait_text("host-key-fingerprint", "SHA256:").await;
        let expected = hop.host_key_fingerprint_sha256().expect("fingerprint");
        assert_eq!(shown.trim(), expected, "the hop's own key is shown");
        if hop.port() == chain.jump1.port() {
            ui.screenshot("ssh-host-key").await;
        }
        ui.click("host-key-accept").await;
        // Trusting a key is allowed only in the native dialog Rust raises, never in the page.
        let label = if hop.port() == chain.jump1.port() {
            "bastion"
        } else if hop.port() == chain.jump2.port() {
            "inner"
        } else {
            "db"
        };
        let title = format!("trust the host key of {label}");
        desk.wait_native(&title).await;
        if hop.port() == chain.jump1.port() {
            desk.screen_png("ssh-host-key-native");
        }
        desk.answer_native(&title, true).await;
        // The next question replaces this one: wait until this one has gone.
        let deadline = Instant::now() + Duration::from_secs(10);
        while shown_text(&ui, "host-key-fingerprint").await.as_deref() == Some(expected.as_str()) {
            assert!(Instant::now() < deadline, "the host-key dialog stayed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    ui.wait_text("session-state", "Connected").await;
    wait_terminal(&ui, "$").await;

    // Typed into the terminal as a person does: click it, type, Enter.
    ui.wait_css(".xterm")
        .await
        .click()
        .await
        .expect("focus the terminal");
    let typing = ui
        .client
        .active_element()
        .await
        .expect("the focused terminal");
    typing
        .send_keys(&format!("echo hi-$((6*7)) '<b>bold</b>'{}", Key::Enter))
        .await
        .expect("type into the terminal");
    let text = wait_terminal(&ui, "hi-42 <b>bold</b>").await;
    assert!(text.contains("hi-42"), "{text}");
    ui.screenshot("ssh-terminal").await;
    let port = |s: &sshd::Sshd| format!("127.0.0.1:{}", s.port());
    assert!(chain
        .jump1
        .direct_tcpip_targets_in_log()
        .contains(&port(&chain.jump2)));
    assert!(chain
        .jump2
        .direct_tcpip_targets_in_log()
        .contains(&port(&chain.target)));

    // The session is recorded (output only) under the customer.
    let recordings = desk.data_dir.join("recordings").join("acme");
    let deadline = Instant::now() + Duration::from_secs(10);
    let recorded = loop {
        let text: String = std::fs::read_dir(&recordings)
            .map(|d| {
                d.flatten()
                    .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default();
        if text.contains("hi-42") || Instant::now() > deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(recorded.contains("hi-42"), "the recording has the output");
    assert!(recorded.starts_with("{\"version\":2"), "asciicast v2");

    // SFTP: the report comes down into the chosen folder, byte for byte.
    ui.click("sessions-view-sftp").await;
    ui.fill("sftp-endpoint", "db").await;
    ui.fill(
        "sftp-path",
        chain.target.scratch_dir().to_str().expect("path"),
    )
    .await;
    ui.click("sftp-list").await;
    ui.wait("sftp-entry-report.txt").await;
    // The local folder is chosen in the native picker Rust opens, not typed in the page.
    ui.click("sftp-download-report.txt").await;
    desk.pick_native("download into which folder", Some(downloads.path()))
        .await;
    ui.wait_text("sftp-transfer-state", "done").await;
    assert_eq!(
        std::fs::read_to_string(downloads.path().join("report.txt")).expect("copied"),
        "quarterly <b>report</b> 분기 보고서\n"
    );
    // A whole folder goes up, chosen in the native folder picker.
    // (Files only: GTK's folder picker, given a path, opens it and would pick the first
    // subfolder inside.)
    let outgoing = downloads.path().join("site-notes");
    std::fs::create_dir_all(&outgoing).expect("folder");
    std::fs::write(outgoing.join("a1.txt"), "패치 패널 A1\n").expect("file");
    std::fs::write(outgoing.join("b2.txt"), "UPS\n").expect("file");
    ui.click("sftp-upload-folder").await;
    desk.pick_native("upload which folder", Some(&outgoing))
        .await;
    let uploaded = chain.target.scratch_dir().join("site-notes/a1.txt");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !uploaded.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    if !uploaded.exists() {
        let shown = ui
            .client
            .execute(
                "return document.querySelector('[data-testid=sftp]').innerText;",
                vec![],
            )
            .await
            .expect("read the transfers");
        panic!("the folder did not arrive; the window shows: {shown}");
    }
    assert_eq!(
        std::fs::read_to_string(&uploaded).expect("uploaded folder"),
        "패치 패널 A1\n"
    );

    // Fan-out to the site: the window says how many hosts of how many customers first.
    ui.click("sessions-view-fanout").await;
    ui.select("fanout-customer", "acme").await;
    ui.select("fanout-site", "acme-hq").await;
    ui.fill("fanout-command", "echo fan-$((2+3))").await;
    ui.click("fanout-preview").await;
    let asked = ui.wait_text("fanout-confirm-count", "3").await;
    assert!(asked.contains('1'), "3 hosts of 1 customer: {asked}");
    ui.screenshot("ssh-fanout-confirm").await;
    ui.click("fanout-run").await;
    // The run waits for the native dialog stating the blast radius.
    let title = "run a command on 3 hosts of 1 customer";
    desk.wait_native(title).await;
    desk.screen_png("ssh-fanout-native");
    desk.answer_native(title, true).await;
    for id in ["bastion", "inner", "db"] {
        ui.wait_text(&format!("fanout-host-{id}"), "fan-5").await;
    }
    ui.screenshot("ssh-fanout").await;

    // Hosts from ~/.ssh/config join the fleet at a chosen site, with the chosen profile.
    let ssh_dir = desk.home.path().join(".ssh");
    std::fs::create_dir_all(&ssh_dir).expect("~/.ssh");
    std::fs::write(
        ssh_dir.join("config"),
        format!(
            "Host gw\n  HostName 127.0.0.1\n  Port {}\n  User {user}\n\
             Host app\n  HostName 127.0.0.1\n  Port {}\n  ProxyJump gw\n",
            chain.jump1.port(),
            chain.jump2.port(),
            user = sshd::USER
        ),
    )
    .expect("~/.ssh/config");
    ui.click("sessions-view-credentials").await;
    ui.select("ssh-import-site", "hanbit-dc").await;
    // The profile list is read when the panel opens: pick once it has arrived.
    ui.wait_css("[data-testid='ssh-import-profile'] option[value='ops']")
        .await;
    ui.select("ssh-import-profile", "ops").await;
    ui.click("ssh-import-run").await;
    // The bindings and the jump it sets up are approved in the native dialog first.
    desk.answer_native("that act with your credentials", true)
        .await;
    ui.wait_text("ssh-import-result", "gw, app").await;
    let listed = desk.cli_ok(&["fleet", "list", "--json"]);
    assert!(
        listed.contains("\"jump\":\"gw\"") || listed.contains("\"jump\": \"gw\""),
        "app jumps through gw: {listed}"
    );

    // The inner jump's key changes: a new session to db stops there, loudly, and no
    // credential reaches inner or db.
    let before = (
        chain.jump2.auth_attempts_in_log(),
        chain.target.auth_attempts_in_log(),
    );
    let new_key = chain
        .jump2
        .restart_with_new_host_key()
        .expect("new host key");
    ui.click("sessions-view-terminals").await;
    ui.click("session-tab-close").await;
    ui.click("session-host-db").await;
    desk.answer_native("open a terminal on db", true).await;
    let said = ui.wait_text("session-state", "HOST KEY CHANGED").await;
    assert!(said.contains(&new_key), "{said}");
    ui.screenshot("ssh-host-key-changed").await;
    assert!(
        !ui.is_present("host-key-dialog").await,
        "a changed key is not offered"
    );
    assert_eq!(
        (
            chain.jump2.auth_attempts_in_log(),
            chain.target.auth_attempts_in_log()
        ),
        before,
        "no authentication was attempted after the key changed"
    );

    // The audit log holds it all, chained; the key is in no file of the data folder.
    let verified = desk.cli_ok(&["audit", "verify"]);
    assert!(verified.contains("chain intact"), "{verified}");
    let audit = std::fs::read_to_string(desk.data_dir.join("audit.jsonl")).expect("audit");
    for action in [
        "host_key_accepted",
        "session_opened",
        "sftp_download",
        "fanout_started",
        "command_run",
    ] {
        assert!(audit.contains(action), "{action} is audited");
    }
    let marker = key.lines().nth(1).expect("key body");
    for entry in walk(&desk.data_dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(marker),
            "the private key is in {}",
            entry.display()
        );
    }
    ui.quit().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Starts `invoke(command, args)` from the page as an injected script would (no UI, no
/// click) and returns at once; the outcome lands in `window.__attack[slot]`.
async fn attack(ui: &harness::Ui, slot: &str, command: &str, args: serde_json::Value) {
    ui.client
        .execute(
            "const [slot, cmd, args] = arguments;
             window.__attack = window.__attack || {};
             window.__attack[slot] = 'pending';
             window.__TAURI_INTERNALS__.invoke(cmd, args).then(
               (ok) => { window.__attack[slot] = { ok }; },
               (err) => { window.__attack[slot] = { err }; });
             return true;",
            vec![slot.into(), command.into(), args],
        )
        .await
        .expect("run the attacker's script");
}

/// What the attacker's call in `slot` ended with, once it has.
async fn attack_outcome(ui: &harness::Ui, slot: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = ui
            .client
            .execute(
                "return (window.__attack || {})[arguments[0]] ?? null;",
                vec![slot.into()],
            )
            .await
            .expect("read the outcome");
        if v != serde_json::Value::Null && v != "pending" {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "the call {slot} never ended: {v}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The trust boundary, played by an attacker: a script in the real window calls the
/// dangerous commands directly against a real sshd holding a key-file profile. While the
/// native dialog is open nothing has reached the server; cancelled, nothing is done and
/// the call says so; only an Allow given in the native dialog (driven here with xdotool
/// under Xvfb, like a person at the keyboard) lets the fan-out run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_in_the_window_reaches_no_customer_without_consent_given_outside_it() {
    let _serial = SERIAL.lock().await;
    let keyring = keychain::GnomeKeyring::start().expect("a Secret Service");
    let sshd = sshd::Sshd::start(sshd::Options::default()).expect("sshd");
    // A host never contacted: its key is unknown.
    let stranger = sshd::Sshd::start(sshd::Options::default()).expect("a second sshd");
    let desk = Desk::with_env(&[("DBUS_SESSION_BUS_ADDRESS", keyring.bus_address())]);
    let endpoint = |id: &str, port: u16| {
        format!(
            "[[endpoints]]\nid = \"{id}\"\nsite = \"acme-hq\"\nhost = \"127.0.0.1\"\n\
             ssh = {{ user = \"{}\", port = {port}, credential = \"ops\" }}\n",
            sshd::USER
        )
    };
    import_two_customers(
        &desk,
        &(endpoint("db", sshd.port()) + &endpoint("web", stranger.port())),
    );
    let key = sshd.user_key_path(sshd::KeyKind::Ed25519);
    desk.cli_ok(&[
        "ssh-profile",
        "add",
        "ops",
        "--method",
        "key",
        "--key-file",
        key.to_str().expect("path"),
    ]);
    // The host is known (as after a first session the technician accepted).
    let known = desk.data_dir.join("known_hosts");
    std::fs::write(&known, sshd.known_hosts_line().expect("line")).expect("known_hosts");
    // Where the test user on the host can write: the proof that a command ran there.
    let marker = sshd.scratch_dir().join("pwned");
    let ui = desk.launch().await;
    let logins = || sshd.accepted_in_log();
    assert_eq!(logins(), 0);

    // 1. A fan-out straight from the page: the native dialog states the blast radius and
    //    nothing reaches the host while it is open; Escape cancels it.
    let selector =
        serde_json::json!({ "customer": null, "site": null, "tag": null, "endpoints": ["db"] });
    let fanout = serde_json::json!({
        "selector": selector,
        "command": format!("touch {}", marker.display()),
        "concurrency": 1,
        "queueUnreachable": false,
    });
    attack(&ui, "fanout", "run_fanout", fanout.clone()).await;
    let title = "run a command on 1 host of 1 customer";
    desk.wait_native(title).await;
    desk.screen_png("attack-fanout-native");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        (logins(), sshd.auth_attempts_in_log()),
        (0, 0),
        "nothing reached sshd while the dialog was open"
    );
    desk.answer_native(title, false).await;
    let out = attack_outcome(&ui, "fanout").await;
    assert_eq!(out["err"]["kind"], "NotApproved", "{out}");
    assert_eq!(logins(), 0, "cancelled: no login");
    assert!(!marker.exists(), "cancelled: nothing ran");

    // 2. A port forward into the customer's network: asked, cancelled, not opened.
    attack(
        &ui,
        "forward",
        "open_forward",
        serde_json::json!({ "endpoint": "db", "localPort": 0, "remoteHost": "127.0.0.1", "remotePort": 9 }),
    )
    .await;
    desk.answer_native("open a port into acme", false).await;
    let out = attack_outcome(&ui, "forward").await;
    assert_eq!(out["err"]["kind"], "NotApproved", "{out}");
    assert_eq!(logins(), 0, "no login for a refused forward");

    // 3. SFTP with a path chosen by the page: the argument is not even accepted; the
    //    local side comes from the native picker only, and cancelling it writes nothing.
    let autostart = desk.home.path().join(".config").join("autostart");
    attack(
        &ui,
        "sftp",
        "sftp_transfer",
        serde_json::json!({ "endpoint": "db", "direction": "download", "remote": "/etc/hostname", "folder": false, "local": autostart.display().to_string() }),
    )
    .await;
    desk.pick_native("download into which folder", None).await;
    let out = attack_outcome(&ui, "sftp").await;
    assert_eq!(out["err"]["kind"], "NotApproved", "{out}");
    assert!(
        !autostart.exists(),
        "nothing was written where the page said"
    );
    assert_eq!(logins(), 0, "no SFTP login without a picked folder");

    // 4. Forgetting the host key (the first half of defeating "a changed key is refused").
    let before = std::fs::read_to_string(&known).expect("known_hosts");
    attack(
        &ui,
        "forget",
        "remove_known_host",
        serde_json::json!({ "line": 1 }),
    )
    .await;
    desk.answer_native("forget the host key", false).await;
    let out = attack_outcome(&ui, "forget").await;
    assert_eq!(out["err"]["kind"], "NotApproved", "{out}");
    assert_eq!(
        std::fs::read_to_string(&known).expect("known_hosts"),
        before
    );

    // 5. A credential profile pointed at another file by the page: the file is chosen in
    //    a native picker or not at all.
    attack(
        &ui,
        "profile",
        "save_ssh_profile",
        serde_json::json!({
            "profile": { "name": "ops", "user": null, "method": { "kind": "key", "key_file": "/etc/shadow" } },
            "secret": null,
            "passphrase": null,
        }),
    )
    .await;
    desk.pick_native("which private key file", None).await;
    let out = attack_outcome(&ui, "profile").await;
    assert_eq!(out["err"]["kind"], "NotApproved", "{out}");
    let listed = desk.cli_ok(&["ssh-profile", "list"]);
    assert!(
        listed.contains(key.to_str().expect("path")) && !listed.contains("shadow"),
        "{listed}"
    );

    // 6. A terminal session opened by the page to a known host (then a `session_write`
    //    would type anything there): the login is asked natively; cancelled, no login.
    let before = logins();
    attack(
        &ui,
        "login",
        "open_session",
        serde_json::json!({ "endpoint": "db", "cols": 80, "rows": 24 }),
    )
    .await;
    desk.answer_native("open a terminal on db", false).await;
    let out = attack_outcome(&ui, "login").await;
    assert_eq!(out["err"]["kind"], "NotApproved", "{out}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(logins(), before, "no login for a refused session");

    // 7. Trusting a new host key: a session to an unknown host (its opening allowed, as
    //    the technician would), whose key the page then "accepts" itself; the fingerprint
    //    goes to a native dialog, and cancelled, the key is refused before any login.
    attack(
        &ui,
        "session",
        "open_session",
        serde_json::json!({ "endpoint": "web", "cols": 80, "rows": 24 }),
    )
    .await;
    desk.answer_native("open a terminal on web", true).await;
    let session = attack_outcome(&ui, "session").await;
    let id = session["ok"]["id"].clone();
    assert!(id.is_u64(), "{session}");
    // Until the session has asked, the call says so (NotFound); once it has, the call
    // waits for the native dialog.
    let deadline = Instant::now() + Duration::from_secs(20);
    'asking: loop {
        attack(
            &ui,
            "trust",
            "answer_host_key",
            serde_json::json!({ "id": id, "accept": true }),
        )
        .await;
        loop {
            if desk.native_window("trust the host key of web").is_some() {
                break 'asking;
            }
            let state = ui
                .client
                .execute("return window.__attack.trust;", vec![])
                .await
                .expect("read the call");
            if state != "pending" {
                assert_eq!(state["err"]["kind"], "NotFound", "{state}");
                break;
            }
            assert!(Instant::now() < deadline, "no native host-key dialog");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            Instant::now() < deadline,
            "the session never asked: {session}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    desk.answer_native("trust the host key of web", false).await;
    let out = attack_outcome(&ui, "trust").await;
    assert_eq!(out["err"]["kind"], "NotApproved", "{out}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        stranger.auth_attempts_in_log(),
        0,
        "no authentication after the refused key"
    );
    let known_now = std::fs::read_to_string(&known).expect("known_hosts");
    assert!(
        !known_now.contains(&format!("]:{} ", stranger.port())),
        "the refused key was not remembered"
    );

    // 8. Trusting the keys of ~/.ssh/known_hosts wholesale is asked too.
    let ssh_dir = desk.home.path().join(".ssh");
    std::fs::create_dir_all(&ssh_dir).expect("~/.ssh");
    std::fs::write(
        ssh_dir.join("known_hosts"),
        stranger.known_hosts_line().expect("line"),
    )
    .expect("~/.ssh/known_hosts");
    attack(
        &ui,
        "import-keys",
        "import_known_hosts",
        serde_json::json!({}),
    )
    .await;
    desk.answer_native("host keys of", false).await;
    let out = attack_outcome(&ui, "import-keys").await;
    assert_eq!(out["err"]["kind"], "NotApproved", "{out}");
    assert!(
        !std::fs::read_to_string(&known)
            .expect("known_hosts")
            .contains(&format!("]:{} ", stranger.port())),
        "nothing was imported"
    );

    // 7b. The page cannot raise (or fake) a native dialog or picker itself: the window
    //    holds no permission for the dialog plugin's commands.
    for (slot, cmd) in [
        ("msg", "plugin:dialog|message"),
        ("open", "plugin:dialog|open"),
    ] {
        attack(
            &ui,
            slot,
            cmd,
            serde_json::json!({ "message": "Allow?", "options": {} }),
        )
        .await;
        let out = attack_outcome(&ui, slot).await;
        assert!(
            out.get("err").is_some() && out.to_string().contains("not allowed"),
            "{cmd}: {out}"
        );
    }

    // 9. The question speaks the technician's language.
    attack(
        &ui,
        "ko",
        "set_language",
        serde_json::json!({ "language": "ko" }),
    )
    .await;
    attack_outcome(&ui, "ko").await;
    attack(&ui, "fanout-ko", "run_fanout", fanout.clone()).await;
    let title_ko = "고객사 1곳의 호스트 1대에서 명령을 실행할까요";
    desk.wait_native(title_ko).await;
    desk.screen_png("attack-fanout-native-ko");
    desk.answer_native(title_ko, false).await;
    let out = attack_outcome(&ui, "fanout-ko").await;
    assert_eq!(out["err"]["kind"], "NotApproved", "{out}");
    assert!(
        out["err"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("승인")),
        "{out}"
    );
    assert!(!marker.exists());
    attack(
        &ui,
        "en",
        "set_language",
        serde_json::json!({ "language": "en" }),
    )
    .await;
    attack_outcome(&ui, "en").await;

    // 10. Only the technician's Allow, given outside the page, lets the fan-out run.
    attack(&ui, "fanout2", "run_fanout", fanout).await;
    desk.answer_native(title, true).await;
    let out = attack_outcome(&ui, "fanout2").await;
    assert!(out.get("ok").is_some(), "{out}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !marker.exists() {
        if Instant::now() > deadline {
            attack(&ui, "runs", "fanouts", serde_json::json!({})).await;
            panic!(
                "the approved command never ran: {}\n{}",
                attack_outcome(&ui, "runs").await,
                sshd.log()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(logins(), 1, "one login, after the Allow");
    let audit = std::fs::read_to_string(desk.data_dir.join("audit.jsonl")).expect("audit");
    assert_eq!(
        audit.matches("fanout_started").count(),
        1,
        "only the approved run"
    );
    ui.quit().await;
}

/// Processes of the desktop app started for `desk` (found by the data folder in their
/// environment): a restart outlives the WebDriver session that launched the first one.
fn desktop_processes(desk: &Desk) -> Vec<u32> {
    let needle = format!("FIELDLINE_DATA_DIR={}", desk.data_dir.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            exe.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("fieldline-desktop"))
                && env.split(|b| *b == 0).any(|v| v == needle.as_bytes())
        })
        .collect()
}

/// Settings → Restore, from the page and by hand: a script in the window can start a
/// restore but neither choose the backup nor allow it (the picker and the question are
/// native; cancelled, nothing is staged). Allowed, the app restarts, the next start puts
/// the backup in place before it opens the store, and says so on screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_is_restored_from_settings_only_with_consent_given_outside_the_page() {
    let _serial = SERIAL.lock().await;
    let desk = Desk::new();
    import_two_customers(&desk, "");
    let usb = desk.home.path().join("usb");
    let said = desk.cli_ok(&["backup", usb.to_str().expect("path")]);
    let folder = said
        .lines()
        .find_map(|l| l.strip_prefix("backup:"))
        .map(|p| std::path::PathBuf::from(p.trim()))
        .expect("the backup's folder");
    // After the backup: an endpoint the restore takes away again.
    import_two_customers(
        &desk,
        "[[endpoints]]\nid = \"after-backup\"\nsite = \"acme-hq\"\nhost = \"10.0.0.9\"\n",
    );
    let endpoints = |desk: &Desk| desk.cli_ok(&["fleet", "list", "--json"]);
    assert!(endpoints(&desk).contains("after-backup"));
    let staged = desk.data_dir.join("restore-staged");
    let ui = desk.launch().await;

    // 1. The page asks for a restore: the picker is native; cancelled, nothing is staged.
    attack(&ui, "restore", "restore_store", serde_json::json!({})).await;
    let picker = "restore which backup folder";
    desk.pick_native(picker, None).await;
    let out = attack_outcome(&ui, "restore").await;
    assert_eq!(out["err"]["kind"], "NotApproved", "{out}");
    // 2. A folder picked, the native question (what is replaced, by what) cancelled.
    attack(&ui, "restore2", "restore_store", serde_json::json!({})).await;
    desk.pick_native(picker, Some(&folder)).await;
    let question = "restore the backup made";
    desk.wait_native(question).await;
    desk.answer_native(question, false).await;
    let out = attack_outcome(&ui, "restore2").await;
    assert_eq!(out["err"]["kind"], "NotApproved", "{out}");
    assert!(!staged.exists(), "nothing staged without an Allow");
    assert!(endpoints(&desk).contains("after-backup"));
    assert_eq!(desktop_processes(&desk).len(), 1, "no restart");

    // 3. The technician, in Settings: daily backups into a folder picked natively (the
    //    first one made at once), then the restore: picks the folder, reads the question,
    //    allows it.
    ui.click("nav-settings").await;
    let daily = desk.home.path().join("daily");
    std::fs::create_dir_all(&daily).expect("daily folder");
    ui.click("daily-backups-choose").await;
    desk.pick_native("make the daily backups in which folder", Some(&daily))
        .await;
    ui.wait_text("daily-backups-state", &daily.display().to_string())
        .await;
    let made: Vec<_> = std::fs::read_dir(&daily)
        .expect("daily folder")
        .flatten()
        .filter(|e| e.path().join("manifest.json").is_file())
        .collect();
    assert_eq!(made.len(), 1, "the first daily backup, made at once");
    ui.screenshot("settings-backups").await;
    ui.click("settings-restore").await;
    desk.pick_native(picker, Some(&folder)).await;
    desk.wait_native(question).await;
    desk.screen_png("restore-native");
    let before = desktop_processes(&desk);
    desk.answer_native(question, true).await;
    // The app restarts; the new start restores before it opens the store.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = desktop_processes(&desk);
        let restarted = !now.is_empty() && now.iter().all(|p| !before.contains(p));
        if restarted && !staged.exists() && !endpoints(&desk).contains("after-backup") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not restored after a restart: processes {before:?} → {now:?}, staged {}",
            staged.exists()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let listed = endpoints(&desk);
    assert!(
        listed.contains("acme") && listed.contains("hanbit"),
        "{listed}"
    );
    let kept: Vec<String> = std::fs::read_dir(&desk.data_dir)
        .expect("data folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("fieldline.db.before-restore-"))
        .collect();
    assert_eq!(
        kept.len(),
        1,
        "the replaced database is set aside: {kept:?}"
    );
    // The new window says what happened (photographed: its WebDriver session is gone).
    tokio::time::sleep(Duration::from_secs(4)).await;
    desk.screen_png("restore-done");
    drop(ui);
    for pid in desktop_processes(&desk) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
}
