//! Starts the real app for a test: a private X server (Xvfb), a private D-Bus session bus,
//! tauri-driver (which starts WebKitWebDriver, which starts the app), and a WebDriver client.
//! Everything is per test, on loopback, in a temp folder, and stopped on drop.

use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Tests share one display number space and one machine: run them one at a time.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const WAIT: Duration = Duration::from_secs(20);

pub fn desktop_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_fieldline-desktop"))
}

/// The CLI binary, built next to the desktop binary by `cargo build --workspace --bins`.
pub fn cli_binary() -> PathBuf {
    let path = desktop_binary().with_file_name("fieldline");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` before the end-to-end tests",
        path.display()
    );
    path
}

/// Where screenshots go: `target/e2e-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    let dir = desktop_binary()
        .parent()
        .and_then(Path::parent)
        .map(|t| t.join("e2e-artifacts"))
        .unwrap_or_else(|| PathBuf::from("e2e-artifacts"));
    std::fs::create_dir_all(&dir).expect("create artifacts dir");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on port {port} within {WAIT:?}");
}

/// A child process stopped with SIGTERM (never SIGKILL first: a killed tauri-driver
/// leaves WebKitWebDriver orphaned, holding the test's output open).
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The machinery around the app: display, bus, driver. One per test.
pub struct Desk {
    pub home: tempfile::TempDir,
    pub data_dir: PathBuf,
    pub display: String,
    pub bus: String,
    /// Further variables for the app and the CLI (`FIELDLINE_NOW`, a D-Bus address...).
    extra: Vec<(String, String)>,
    driver_port: u16,
    // Dropped in reverse order of start: driver, bus, X server.
    _driver: Proc,
    _bus: Proc,
    _xvfb: Proc,
}

fn start_xvfb() -> (Proc, String) {
    for n in 90..140 {
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            continue;
        }
        let display = format!(":{n}");
        let mut child = Command::new("Xvfb")
            .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb (install the xvfb package: scripts/setup.sh)");
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return (Proc(child), display);
            }
            if let Ok(Some(_)) = child.try_wait() {
                break; // lost a race for this number; try the next
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("no free X display between :90 and :139");
}

fn start_bus(dir: &Path) -> (Proc, String) {
    let socket = dir.join("bus");
    let mut child = Command::new("dbus-daemon")
        .args([
            "--session",
            "--nofork",
            "--print-address=1",
            &format!("--address=unix:path={}", socket.display()),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start dbus-daemon (install the dbus package: scripts/setup.sh)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("bus address");
    (Proc(child), line.trim().to_string())
}

impl Desk {
    /// A fresh desk with an empty data folder.
    pub fn new() -> Desk {
        let home = tempfile::tempdir().expect("temp home");
        let data_dir = home.path().join("fieldline-data");
        Desk::with_data_dir(home, data_dir)
    }

    /// A fresh desk whose app and CLI also get `extra` in their environment. The app is
    /// started by tauri-driver, which passes its own environment on: set here, before launch.
    pub fn with_env(extra: &[(&str, &str)]) -> Desk {
        let home = tempfile::tempdir().expect("temp home");
        let data_dir = home.path().join("fieldline-data");
        let extra = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Desk::start(home, data_dir, extra)
    }

    pub fn with_data_dir(home: tempfile::TempDir, data_dir: PathBuf) -> Desk {
        Desk::start(home, data_dir, Vec::new())
    }

    fn start(home: tempfile::TempDir, data_dir: PathBuf, extra: Vec<(String, String)>) -> Desk {
        let (xvfb, display) = start_xvfb();
        let (bus, bus_addr) = start_bus(home.path());
        let driver_port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &driver_port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ]);
        for (k, v) in Self::env_of(home.path(), &data_dir, &display, &bus_addr)
            .into_iter()
            .chain(extra.iter().cloned())
        {
            cmd.env(k, v);
        }
        let mut driver = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tauri-driver (install it: scripts/setup.sh)");
        wait_for_port(driver_port, &mut driver, "tauri-driver");
        Desk {
            home,
            data_dir,
            display,
            bus: bus_addr,
            extra,
            driver_port,
            _driver: Proc(driver),
            _bus: bus,
            _xvfb: xvfb,
        }
    }

    fn env_of(home: &Path, data: &Path, display: &str, bus: &str) -> Vec<(String, String)> {
        let h = home.display().to_string();
        vec![
            ("HOME".into(), h.clone()),
            ("XDG_DATA_HOME".into(), format!("{h}/.local/share")),
            ("XDG_CONFIG_HOME".into(), format!("{h}/.config")),
            ("XDG_CACHE_HOME".into(), format!("{h}/.cache")),
            ("FIELDLINE_DATA_DIR".into(), data.display().to_string()),
            ("DISPLAY".into(), display.to_string()),
            ("DBUS_SESSION_BUS_ADDRESS".into(), bus.to_string()),
            ("LANG".into(), "C.UTF-8".into()),
        ]
    }

    /// The environment the app runs in, for launching it or the CLI directly.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = Self::env_of(self.home.path(), &self.data_dir, &self.display, &self.bus);
        env.extend(self.extra.iter().cloned());
        env
    }

    /// Launches the app and connects to its window.
    pub async fn launch(&self) -> Ui {
        let caps = serde_json::json!({
            "tauri:options": { "application": desktop_binary().display().to_string() }
        });
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => unreachable!(),
        };
        // Under load, WebKitWebDriver sometimes drops the connection that asks for a new
        // session before answering (seen once in CI: "IncompleteMessage"); a session
        // request is safe to repeat, so it gets one more try. Anything else fails at once.
        let url = format!("http://127.0.0.1:{}", self.driver_port);
        let mut first_error = None;
        let client = loop {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if first_error.is_none() => {
                    eprintln!("WebDriver session request failed ({e}); trying once more");
                    first_error = Some(e);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => panic!(
                    "WebDriver session with the app: {e} (first try: {:?})",
                    first_error
                ),
            }
        };
        // The shell is up when it shows its navigation, or the screen that says why the
        // store could not be opened.
        client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&format!(
                "{}, {}",
                testid("nav-fleet"),
                testid("newer-database")
            )))
            .await
            .expect("the app window shows its navigation");
        Ui { client }
    }

    /// Everything the app logged (`fieldline_app::log`: the OS log folder of the app id,
    /// here under the desk's XDG_DATA_HOME), its files oldest first.
    pub fn log_text(&self) -> String {
        let dir = self
            .home
            .path()
            .join(".local/share/app.fieldline.console/logs");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap_or_default())
            .collect()
    }

    /// Runs the CLI on this desk's store.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(cli_binary());
        cmd.args(args);
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.output().expect("run fieldline")
    }

    /// Runs the CLI and fails the test unless it succeeded; returns what it printed.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "fieldline {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The native dialogs Rust raises (GTK under Xvfb), found by title and answered with
/// xdotool as a person at the keyboard would: nothing the webview can reach.
impl Desk {
    fn xdotool(&self, args: &[&str]) -> std::process::Output {
        Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .expect("run xdotool (install the xdotool package: scripts/setup.sh)")
    }

    /// The visible native window whose title contains `title` (a plain substring).
    pub fn native_window(&self, title: &str) -> Option<String> {
        let pattern: String = title
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == ' ' {
                    c.to_string()
                } else {
                    format!("\\{c}")
                }
            })
            .collect();
        let out = self.xdotool(&["search", "--onlyvisible", "--name", &pattern]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .map(str::to_owned)
    }

    /// Waits for the native dialog titled with `title`; panics after 20 s.
    pub async fn wait_native(&self, title: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(id) = self.native_window(title) {
                return id;
            }
            assert!(
                Instant::now() < deadline,
                "no native dialog titled {title:?} appeared"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_native_gone(&self, title: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.native_window(title).is_some() {
            assert!(
                Instant::now() < deadline,
                "the native dialog {title:?} stayed open"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn keys_to(&self, id: &str, keys: &[&str]) {
        // No window manager under Xvfb: give the dialog the keyboard focus ourselves.
        self.xdotool(&["windowfocus", "--sync", id]);
        tokio::time::sleep(Duration::from_millis(150)).await;
        for k in keys {
            self.xdotool(&["key", "--clearmodifiers", k]);
        }
    }

    /// Answers the native question titled with `title`: Allow (its Alt+A mnemonic) or
    /// Cancel (Escape). Returns once the dialog has gone.
    pub async fn answer_native(&self, title: &str, allow: bool) {
        let id = self.wait_native(title).await;
        self.keys_to(&id, &[if allow { "alt+a" } else { "Escape" }])
            .await;
        self.wait_native_gone(title).await;
    }

    /// Chooses `path` in the native file picker titled with `title` (types it into the
    /// picker's location field, as a person can with Ctrl+L), or cancels it (`None`).
    pub async fn pick_native(&self, title: &str, path: Option<&Path>) {
        let id = self.wait_native(title).await;
        match path {
            Some(p) => {
                let text = p.display().to_string();
                self.keys_to(&id, &["ctrl+l"]).await;
                self.xdotool(&["type", "--delay", "5", &text]);
                tokio::time::sleep(Duration::from_millis(300)).await;
                self.xdotool(&["key", "Return"]);
            }
            None => self.keys_to(&id, &["Escape"]).await,
        }
        self.wait_native_gone(title).await;
    }

    /// Saves as `path` in the native save dialog titled with `title` (the full path typed
    /// over the suggested name, as a person can).
    pub async fn save_native(&self, title: &str, path: &Path) {
        let id = self.wait_native(title).await;
        self.keys_to(&id, &["ctrl+a"]).await;
        self.xdotool(&["type", "--delay", "5", &path.display().to_string()]);
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.xdotool(&["key", "Return"]);
        self.wait_native_gone(title).await;
    }

    /// A PNG of the whole X screen (the window and any native dialog over it).
    pub fn screen_png(&self, name: &str) -> PathBuf {
        let out = artifacts_dir().join(format!("{name}.png"));
        let status = Command::new("import")
            .args(["-window", "root", "-display", &self.display])
            .arg(&out)
            .status();
        assert!(
            status.map(|s| s.success()).unwrap_or(false),
            "screen capture (ImageMagick's import: scripts/setup.sh)"
        );
        out
    }
}

/// The app's window, driven over WebDriver.
pub struct Ui {
    pub client: Client,
}

pub fn testid(id: &str) -> String {
    format!("[data-testid='{id}']")
}

impl Ui {
    /// Waits until the element with this test id is present and returns it.
    pub async fn wait(&self, id: &str) -> fantoccini::elements::Element {
        self.wait_css(&testid(id)).await
    }

    /// Waits for an element by CSS selector (for elements without a test id).
    pub async fn wait_css(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css:?} on screen: {e}"))
    }

    pub async fn click(&self, id: &str) {
        let el = self.wait(id).await;
        // WebDriver clicks at the element's centre as it was a moment earlier: if the page
        // is still laying out (a strip or badge arriving above it), the click lands on
        // whatever moved there. Click once the element has stopped moving, as a person would.
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut last = el.rectangle().await.ok();
        loop {
            tokio::time::sleep(Duration::from_millis(60)).await;
            let now = el.rectangle().await.ok();
            if now == last || Instant::now() > deadline {
                break;
            }
            last = now;
        }
        el.click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {id:?}: {e}"));
    }

    /// Replaces the text of an input.
    pub async fn fill(&self, id: &str, text: &str) {
        // Typed as a person does (select all, then type over it or delete it), so the
        // page sees real input events; WebDriver's `clear` fires none.
        use fantoccini::key::Key;
        let el = self.wait(id).await;
        let keys = if text.is_empty() {
            format!("{}a{}{}", Key::Control, Key::Control, Key::Backspace)
        } else {
            format!("{}a{}{text}", Key::Control, Key::Control)
        };
        el.send_keys(&keys)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {id:?}: {e}"));
    }

    /// Picks an option of a select by its value.
    pub async fn select(&self, id: &str, value: &str) {
        self.wait(id)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("cannot pick {value:?} in {id:?}: {e}"));
    }

    pub async fn text(&self, id: &str) -> String {
        self.wait(id)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("cannot read {id:?}: {e}"))
    }

    /// Waits until the element's text contains `needle`; returns the text.
    pub async fn wait_text(&self, id: &str, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(&testid(id))).await {
                last = el.text().await.unwrap_or_default();
                if last.contains(needle) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{id:?} never showed {needle:?}; it showed {last:?}");
    }

    /// Waits until an input's or text area's value contains `needle`; returns the value
    /// (a value can be filled in after the element appears).
    pub async fn wait_value(&self, id: &str, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(&testid(id))).await {
                last = el.prop("value").await.ok().flatten().unwrap_or_default();
                if last.contains(needle) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{id:?} never held {needle:?}; it held {last:?}");
    }

    /// Waits up to `limit` until the element's attribute is `value`; returns how long it
    /// took, or fails with the value it had.
    pub async fn wait_attr(&self, id: &str, name: &str, value: &str, limit: Duration) -> Duration {
        let start = Instant::now();
        let mut last = None;
        while start.elapsed() < limit {
            if let Ok(el) = self.client.find(Locator::Css(&testid(id))).await {
                last = el.attr(name).await.ok().flatten();
                if last.as_deref() == Some(value) {
                    return start.elapsed();
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{id:?} never had {name}={value:?} within {limit:?}; it had {last:?}");
    }

    /// The attribute of the element with this test id, once it is present.
    pub async fn attr(&self, id: &str, name: &str) -> Option<String> {
        self.wait(id)
            .await
            .attr(name)
            .await
            .unwrap_or_else(|e| panic!("cannot read {name} of {id:?}: {e}"))
    }

    pub async fn is_present(&self, id: &str) -> bool {
        self.client.find(Locator::Css(&testid(id))).await.is_ok()
    }

    /// Saves a screenshot under target/e2e-artifacts/ and fails if the window is blank.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // A screenshot right after a DOM change can show the previous frame.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let png = self.client.screenshot().await.expect("screenshot");
        let path = artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, &png).expect("save screenshot");
        let (colours, busy) = colour_stats(&png);
        assert!(
            colours >= 16 && busy >= 0.03,
            "the window looks blank: {colours} distinct colours, {:.1}% of pixels differ from the background, in {}",
            busy * 100.0,
            path.display()
        );
        path
    }

    /// Ends the WebDriver session, which closes the app.
    pub async fn quit(self) {
        self.client.close().await.expect("close the app");
    }
}

/// Distinct RGB colours in a PNG, and the share of pixels that differ from the most common
/// colour (the background). A blank window, or an error page with one line of text, has
/// few colours or almost nothing but background.
pub fn colour_stats(png_bytes: &[u8]) -> (usize, f64) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("PNG size")];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    let channels = info.color_type.samples();
    let mut counts = std::collections::HashMap::new();
    let mut total = 0usize;
    for px in buf[..info.buffer_size()].chunks(channels) {
        if px.len() >= 3 {
            *counts.entry((px[0], px[1], px[2])).or_insert(0usize) += 1;
            total += 1;
        }
    }
    let background = counts.values().copied().max().unwrap_or(0);
    let busy = if total == 0 {
        0.0
    } else {
        1.0 - background as f64 / total as f64
    };
    (counts.len(), busy)
}
