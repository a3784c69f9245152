//! End to end on the real app: built, started under Xvfb, driven over WebDriver
//! (tauri-driver + WebKitWebDriver). Each test asserts what a technician sees.
//! Screenshots land in target/e2e-artifacts/.

mod harness;

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
