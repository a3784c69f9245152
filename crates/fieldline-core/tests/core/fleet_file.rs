//! The fleet file: every error located by file, line and field; lossless round trip.

use fieldline_core::fleet_file::{export, parse, read};
use fieldline_core::{CheckKind, Fleet};

/// The shape from the issue, made complete (the parent and jump endpoints exist); shared
/// by the store and CLI tests.
pub const EXAMPLE: &str = include_str!("../../../../tests/fixtures/acme.toml");

#[test]
fn the_example_from_the_issue_parses_with_every_field() {
    let fleet = parse("fleet.toml", EXAMPLE).expect("valid");
    assert_eq!(fleet.customers.len(), 1);
    assert_eq!(fleet.sites[0].timezone, "Asia/Seoul");
    let web = fleet.endpoint("acme-web1").expect("web1");
    assert_eq!(web.tags, ["linux", "web"]);
    assert_eq!(web.parent.as_deref(), Some("acme-router"));
    assert_eq!(web.ssh.user.as_deref(), Some("ops"));
    assert_eq!(web.ssh.port, Some(22));
    assert_eq!(web.ssh.jump.as_deref(), Some("acme-bastion"));
    assert_eq!(web.checks.len(), 1);
    assert_eq!(web.checks[0].kind, CheckKind::Http);
    assert_eq!(web.checks[0].params["url"], "https://10.0.0.5/health");
}

#[test]
fn export_then_import_gives_the_same_fleet_and_the_same_text() {
    let rich = format!(
        "{EXAMPLE}interval = 30\nstatus = [200, 299]\nheaders = {{ Host = \"intranet\" }}\njson = [{{ pointer = \"/load\", max = 0.5 }}]\nverify_tls = false\n\
         [[endpoints.checks]]\nkind = \"tls_expiry\"\nwarn_days = 21\n\n\
         [[customers]]\nid = \"hanbit\"\nname = \"한빛 물류\"\nnotes = \"line one\\nline \\\"two\\\"\"\ndemo = true\n"
    );
    let fleet = parse("rich.toml", &rich).expect("valid");
    let text = export(&fleet).expect("export");
    let again = parse("exported.toml", &text).expect("exported file imports");
    assert_eq!(fleet, again);
    assert_eq!(
        text,
        export(&again).expect("export again"),
        "export is canonical"
    );
    let web = again.endpoint("acme-web1").expect("web1");
    assert_eq!(web.checks[0].params["headers"]["Host"], "intranet");
    assert_eq!(web.checks[0].params["json"][0]["max"], 0.5);
    assert_eq!(web.checks[0].params["verify_tls"], false);
    assert_eq!(again.customer("hanbit").map(|c| c.demo), Some(true));
}

#[test]
fn an_empty_file_is_an_empty_fleet() {
    assert_eq!(parse("empty.toml", "").expect("valid"), Fleet::default());
}

/// (what is wrong, replace this, with this, expected line, expected field, words in the message)
const CASES: &[(&str, &str, &str, u32, &str, &str)] = &[
    (
        "unknown customer",
        "customer = \"acme\"",
        "customer = \"acne\"",
        7,
        "sites.acme-hq.customer",
        "unknown customer \"acne\"",
    ),
    (
        "unknown site",
        "id = \"acme-router\"\nsite = \"acme-hq\"",
        "id = \"acme-router\"\nsite = \"acme-branch\"",
        13,
        "endpoints.acme-router.site",
        "unknown site \"acme-branch\"",
    ),
    (
        "unknown parent",
        "parent = \"acme-router\"\nssh",
        "parent = \"acme-switch\"\nssh",
        28,
        "endpoints.acme-web1.parent",
        "unknown parent endpoint \"acme-switch\"",
    ),
    (
        "unknown jump",
        "jump = \"acme-bastion\"",
        "jump = \"acme-gw\"",
        29,
        "endpoints.acme-web1.ssh.jump",
        "unknown jump endpoint \"acme-gw\"",
    ),
    (
        "duplicate endpoint id",
        "id = \"acme-bastion\"",
        "id = \"acme-router\"",
        18,
        "endpoints.acme-router.id",
        "duplicate id \"acme-router\"",
    ),
    (
        "duplicate customer id",
        "[[sites]]",
        "[[customers]]\nid = \"acme\"\nname = \"Again\"\n\n[[sites]]",
        6,
        "customers.acme.id",
        "duplicate id \"acme\"",
    ),
    (
        "bad time zone",
        "Asia/Seoul",
        "Asia/Busan",
        9,
        "sites.acme-hq.timezone",
        "not a known IANA time zone",
    ),
    (
        "empty time zone",
        "timezone = \"Asia/Seoul\"",
        "timezone = \"\"",
        9,
        "sites.acme-hq.timezone",
        "timezone is empty",
    ),
    (
        "parent cycle",
        "host = \"10.0.0.1\"",
        "host = \"10.0.0.1\"\nparent = \"acme-web1\"",
        15,
        "endpoints.acme-router.parent",
        "parent forms a cycle: acme-router → acme-web1 → acme-router",
    ),
    (
        "jump to itself",
        "jump = \"acme-bastion\"",
        "jump = \"acme-web1\"",
        29,
        "endpoints.acme-web1.ssh.jump",
        "jump host is the endpoint itself",
    ),
    (
        "bad id characters",
        "id = \"acme-web1\"",
        "id = \"acme web1\"",
        24,
        "endpoints[2].id",
        "ids use only letters",
    ),
    (
        "port out of range",
        "port = 22",
        "port = 70000",
        29,
        "endpoints.acme-web1.ssh.port",
        "out of range",
    ),
    (
        "port zero",
        "port = 22",
        "port = 0",
        29,
        "endpoints.acme-web1.ssh.port",
        "port 0",
    ),
    (
        "unknown check kind",
        "kind = \"http\"",
        "kind = \"smtp\"",
        30,
        "endpoints.acme-web1.checks[0]",
        "unknown check kind \"smtp\"",
    ),
    (
        "missing host",
        "host = \"10.0.0.2\"\n",
        "",
        17,
        "file",
        "missing field `host`",
    ),
    (
        "unknown key",
        "name = \"Head office\"",
        "name = \"Head office\"\ntimezon = \"UTC\"",
        9,
        "file",
        "unknown field `timezon`",
    ),
    (
        "host with a space",
        "host = \"10.0.0.5\"",
        "host = \"web 1\"",
        26,
        "endpoints.acme-web1.host",
        "contains ' '",
    ),
    (
        "tag with a space",
        "tags = [\"linux\", \"web\"]",
        "tags = [\"linux\", \"web server\"]",
        27,
        "endpoints.acme-web1.tags[1]",
        "single words",
    ),
    (
        "TOML syntax",
        "name = \"ACME Corp\"",
        "name = \"ACME Corp",
        3,
        "file",
        "",
    ),
];

#[test]
fn every_error_names_the_file_line_and_field() {
    let mut wrong = Vec::new();
    for (what, from, to, line, field, words) in CASES {
        assert!(EXAMPLE.contains(from), "{what}: fixture lacks {from:?}");
        let text = EXAMPLE.replacen(from, to, 1);
        let Err(issues) = parse("customer.toml", &text) else {
            wrong.push(format!("{what}: accepted"));
            continue;
        };
        let hit = issues
            .iter()
            .find(|i| i.message.contains(words) && i.field == *field);
        match hit {
            None => wrong.push(format!(
                "{what}: no {field:?} issue with {words:?} in {issues:?}"
            )),
            Some(hit)
                if hit.file.as_deref() != Some("customer.toml") || hit.line != Some(*line) =>
            {
                wrong.push(format!("{what}: expected line {line}, got {hit}"))
            }
            Some(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_parsing() {
    let huge = "#".repeat(fieldline_core::limits::MAX_IMPORT_BYTES + 1);
    let issues = parse("huge.toml", &huge).expect_err("too big");
    assert!(issues[0].message.contains("limit"), "{issues:?}");
}

#[test]
fn a_file_may_reference_the_store_when_merged_over_it() {
    let base = parse("base.toml", EXAMPLE).expect("valid");
    let addition = "[[endpoints]]\nid = \"acme-db1\"\nsite = \"acme-hq\"\nhost = \"10.0.0.9\"\nparent = \"acme-router\"\n";
    assert!(
        parse("add.toml", addition).is_err(),
        "alone it names an unknown site"
    );
    let merged = read("add.toml", addition)
        .expect("reads")
        .validate(Some(&base))
        .expect("valid over the base");
    assert_eq!(merged.endpoints.len(), 4);
    let broken = addition.replace("acme-router", "acme-nope");
    let issues = read("add.toml", &broken)
        .expect("reads")
        .validate(Some(&base))
        .expect_err("unknown parent");
    assert_eq!(issues[0].line, Some(5));
}

/// A hostile fleet file: local files and credential headers are refused, each at its line.
#[test]
fn local_files_and_credential_headers_are_refused_at_their_line() {
    let text = "\
[[customers]]
id = \"evil\"
name = \"Evil\"

[[sites]]
id = \"evil-hq\"
customer = \"evil\"
name = \"HQ\"
timezone = \"UTC\"

[[endpoints]]
id = \"evil-web\"
site = \"evil-hq\"
host = \"10.0.0.9\"

[[endpoints.checks]]
kind = \"ssh_command\"
command = \"uptime\"
key_file = \"/etc/shadow\"
known_hosts = \"/dev/null\"

[[endpoints.checks]]
kind = \"http\"
url = \"https://{host}/\"
headers = { Cookie = \"session=stolen\" }
";
    let issues = parse("evil.toml", text).expect_err("refused");
    let find = |field: &str| {
        issues
            .iter()
            .find(|i| i.field == field)
            .unwrap_or_else(|| panic!("{field} in {issues:#?}"))
    };
    let key = find("endpoints.evil-web.checks[0].key_file");
    assert_eq!(key.file.as_deref(), Some("evil.toml"));
    assert_eq!(key.line, Some(19), "{key}");
    assert!(key.message.contains("Sessions > Credentials"), "{key}");
    assert!(key.message.contains("Fieldline's own known_hosts"), "{key}");
    let cookie = find("endpoints.evil-web.checks[1].headers.Cookie");
    assert_eq!(cookie.line, Some(25), "{cookie}");
    assert!(
        cookie.message.contains("belongs in a credential profile"),
        "{cookie}"
    );
    assert!(!cookie.message.contains("stolen"), "{cookie}");
    // The rendered form a terminal shows: file:line: field: message.
    assert!(key
        .to_string()
        .starts_with("evil.toml:19: endpoints.evil-web.checks[0].key_file: "));
}
