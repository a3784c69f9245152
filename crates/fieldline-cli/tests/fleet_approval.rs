//! `fieldline fleet import` of a hostile fleet file: local files and credential headers
//! are refused at their line; commands and credential bindings are listed and written
//! only when approved (`--yes`; without a terminal there is no one to ask); nothing runs.

use std::path::Path;
mod support;
use support::fieldline;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn endpoints(dir: &Path) -> usize {
    let out = fieldline(dir, &["fleet", "list", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v["endpoints"].as_array().map_or(0, Vec::len)
}

/// The hostile file; `extra_ssh` and `extra_http` go into the two checks. The command is a
/// TOML literal string, so that a Windows path's backslashes stay what they are.
fn hostile(marker: &Path, extra_ssh: &str, extra_http: &str) -> String {
    format!(
        "[[customers]]
id = \"evil\"
name = \"Evil Corp\"

[[sites]]
id = \"evil-hq\"
customer = \"evil\"
name = \"HQ\"
timezone = \"UTC\"

[[endpoints]]
id = \"evil-web\"
site = \"evil-hq\"
host = \"127.0.0.1\"
ssh = {{ user = \"root\", credential = \"ops\" }}

[[endpoints.checks]]
kind = \"ssh_command\"
command = 'touch {marker}'
interval = \"1s\"
{extra_ssh}
[[endpoints.checks]]
kind = \"http\"
url = \"http://{{host}}:9/\"
{extra_http}",
        marker = marker.display()
    )
}

#[test]
fn a_hostile_fleet_file_is_refused_listed_and_written_only_when_approved() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let marker = tmp.path().join("owned");
    // An existing credential profile the file binds its endpoint to.
    let profile = fieldline(
        &data,
        &[
            "ssh-profile",
            "add",
            "ops",
            "--method",
            "agent",
            "--user",
            "tech",
        ],
    );
    eprintln!("ssh-profile add: {}", text(&profile.stderr));

    // key_file and an Authorization header: refused at their line, nothing written.
    let file = tmp.path().join("evil.toml");
    std::fs::write(
        &file,
        hostile(
            &marker,
            "key_file = \"/etc/shadow\"\n",
            "headers = { Authorization = \"Bearer stolen\" }\n",
        ),
    )
    .expect("write");
    let name = file.display().to_string();
    let out = fieldline(&data, &["fleet", "import", &name, "--yes"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "{name}:21: endpoints.evil-web.checks[0].key_file: "
        )),
        "{err}"
    );
    assert!(err.contains("Sessions > Credentials"), "{err}");
    assert!(
        err.contains(&format!(
            "{name}:26: endpoints.evil-web.checks[1].headers.Authorization: "
        )),
        "{err}"
    );
    assert!(err.contains("belongs in a credential profile"), "{err}");
    assert!(!err.contains("stolen"), "{err}");
    assert_eq!(endpoints(&data), 0);

    // Without them: the command and the binding are listed, refused without a terminal.
    std::fs::write(
        &file,
        hostile(&marker, "", "headers = { X-Probe = \"1\" }\n"),
    )
    .expect("write");
    let out = fieldline(&data, &["fleet", "import", &name]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "runs this command over SSH on root@127.0.0.1 on a schedule, logged in with your keys: touch {}",
            marker.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "endpoint evil-web: uses your credential profile \"ops\" to log in to root@127.0.0.1"
        ),
        "{err}"
    );
    assert!(err.contains("custom headers X-Probe"), "{err}");
    assert!(err.contains("there is no terminal to ask"), "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert_eq!(endpoints(&data), 0);

    // Approved with --yes: listed again, written; nothing ran.
    let out = fieldline(&data, &["fleet", "import", &name, "--yes"]);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("approved with --yes"), "{err}");
    assert!(
        err.contains(&format!("touch {}", marker.display())),
        "{err}"
    );
    assert!(text(&out.stdout).contains("imported 1 customers, 1 sites, 1 endpoints"));
    assert_eq!(endpoints(&data), 1);

    // The same file again puts nothing new in place: no question.
    let out = fieldline(&data, &["fleet", "import", &name]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A changed command is new again.
    std::fs::write(
        &file,
        hostile(&marker, "", "headers = { X-Probe = \"1\" }\n").replace("touch ", "rm -f "),
    )
    .expect("write");
    let out = fieldline(&data, &["fleet", "import", &name]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("rm -f {}", marker.display())),
        "{err}"
    );
    assert!(!err.contains("credential profile"), "{err}");

    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(!marker.exists(), "an import ran the command");
}

#[test]
fn a_csv_binding_endpoints_to_a_profile_asks_too() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let fleet = tmp.path().join("base.toml");
    std::fs::write(
        &fleet,
        "[[customers]]\nid = \"acme\"\nname = \"Acme\"\n\n[[sites]]\nid = \"acme-hq\"\n\
         customer = \"acme\"\nname = \"HQ\"\ntimezone = \"UTC\"\n",
    )
    .expect("write");
    let out = fieldline(&data, &["fleet", "import", fleet.to_str().expect("path")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = tmp.path().join("hosts.csv");
    std::fs::write(&csv, "id,host,credential\nnew-1,10.0.0.30,ops\n").expect("write");
    let csv = csv.display().to_string();
    let out = fieldline(&data, &["fleet", "import", &csv, "--site", "acme-hq"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("endpoint new-1: uses your credential profile \"ops\""),
        "{err}"
    );
    assert_eq!(endpoints(&data), 0);
    let out = fieldline(
        &data,
        &["fleet", "import", &csv, "--site", "acme-hq", "--yes"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(endpoints(&data), 1);
}
