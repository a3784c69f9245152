#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use fieldline_ssh::ssh_config::{parse_with_home, ImportedHost, SshConfigError, SshConfigImport};

struct Home {
    _dir: tempfile::TempDir,
    home: PathBuf,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_path_buf();
        std::fs::create_dir_all(home.join(".ssh/config.d")).unwrap();
        Home { _dir: dir, home }
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.home.join(".ssh").join(rel);
        std::fs::write(&p, text).unwrap();
        p
    }
    fn parse(&self) -> SshConfigImport {
        parse_with_home(&self.home.join(".ssh/config"), &self.home).unwrap()
    }
}

fn host<'a>(import: &'a SshConfigImport, alias: &str) -> &'a ImportedHost {
    import
        .hosts
        .iter()
        .find(|h| h.alias == alias)
        .unwrap_or_else(|| panic!("no host {alias} in {:?}", import.hosts))
}

fn has_problem(import: &SshConfigImport, needle: &str) -> bool {
    import.problems.iter().any(|p| p.message.contains(needle))
}

#[test]
fn realistic_config_with_defaults_and_korean_comments() {
    let h = Home::new();
    h.write(
        "config",
        r#"# 고객사 서버 목록 (Korean comment)
Host web1 web2
    HostName %h.acme.example
    User deploy   # 배포 계정
    Port 2222

Host db
    hostname=10.0.0.5
    USER = postgres
    IdentityFile ~/.ssh/id_db
    IdentityFile "~/.ssh/keys/with space"
    ProxyJump bastion,admin@jump2:2200

Host bastion
    HostName bastion.acme.example
    ProxyJump none

Host *.internal !secret.internal
    User internal

Host app.internal secret.internal

Host *
    User root
    IdentityFile ~/.ssh/id_ed25519
    ProxyJump gateway
    Port 22
"#,
    );
    let import = h.parse();
    let aliases: Vec<&str> = import.hosts.iter().map(|h| h.alias.as_str()).collect();
    assert_eq!(
        aliases,
        [
            "web1",
            "web2",
            "db",
            "bastion",
            "app.internal",
            "secret.internal"
        ]
    );

    let web1 = host(&import, "web1");
    assert_eq!(web1.host_name.as_deref(), Some("web1.acme.example"));
    assert_eq!(web1.user.as_deref(), Some("deploy"));
    assert_eq!(web1.port, Some(2222));
    assert_eq!(web1.identity_files, [h.home.join(".ssh/id_ed25519")]);
    assert_eq!(web1.proxy_jump, ["gateway"]);
    assert!(web1.source.ends_with("config:2"), "{}", web1.source);
    assert_eq!(
        host(&import, "web2").host_name.as_deref(),
        Some("web2.acme.example")
    );

    let db = host(&import, "db");
    assert_eq!(db.host_name.as_deref(), Some("10.0.0.5"));
    assert_eq!(db.user.as_deref(), Some("postgres"));
    assert_eq!(db.port, Some(22));
    assert_eq!(
        db.identity_files,
        [
            h.home.join(".ssh/id_db"),
            h.home.join(".ssh/keys/with space"),
            h.home.join(".ssh/id_ed25519")
        ]
    );
    assert_eq!(db.proxy_jump, ["bastion", "admin@jump2:2200"]);

    let bastion = host(&import, "bastion");
    assert!(
        bastion.proxy_jump.is_empty(),
        "ProxyJump none wins over Host *"
    );

    assert_eq!(
        host(&import, "app.internal").user.as_deref(),
        Some("internal")
    );
    assert_eq!(
        host(&import, "secret.internal").user.as_deref(),
        Some("root")
    );
}

#[test]
fn earlier_host_star_overrides_later_specifics() {
    let h = Home::new();
    h.write(
        "config",
        "Host *\n  User everyone\n\nHost a\n  User alice\n  Port 2200\n",
    );
    let import = h.parse();
    let a = host(&import, "a");
    assert_eq!(a.user.as_deref(), Some("everyone"));
    assert_eq!(a.port, Some(2200));
}

#[test]
fn includes_relative_globs_and_cycle() {
    let h = Home::new();
    h.write(
        "config",
        "Include config.d/*.conf\nInclude ~/.ssh/missing-file\n\nHost top\n  HostName top.example\n",
    );
    h.write(
        "config.d/10-acme.conf",
        "Host acme-web\n  HostName web.acme\n  Include loop.conf\n",
    );
    h.write(
        "config.d/20-other.conf",
        "# 다른 고객\nHost other\n  User ops\n",
    );
    // loop.conf includes the glob that includes 10-acme.conf again.
    h.write("loop.conf", "User looped\nInclude config.d/10-acme.conf\n");
    let import = h.parse();
    let aliases: Vec<&str> = import.hosts.iter().map(|h| h.alias.as_str()).collect();
    assert_eq!(aliases, ["acme-web", "other", "top"]);
    let web = host(&import, "acme-web");
    assert_eq!(web.host_name.as_deref(), Some("web.acme"));
    // The included file's settings apply under the enclosing Host.
    assert_eq!(web.user.as_deref(), Some("looped"));
    assert!(web.source.contains("10-acme.conf:1"));
    assert_eq!(host(&import, "other").user.as_deref(), Some("ops"));
    assert_eq!(host(&import, "top").user, None);
    assert!(has_problem(&import, "cycle"), "{:?}", import.problems);
    assert!(
        has_problem(&import, "no file matches"),
        "{:?}",
        import.problems
    );
}

#[test]
fn self_include_and_depth_limit() {
    let h = Home::new();
    h.write("config", "Include config\nHost x\n");
    let import = h.parse();
    assert!(has_problem(&import, "cycle"));
    assert_eq!(import.hosts.len(), 1);

    // A chain of 20 distinct files.
    let h = Home::new();
    h.write("config", "Include f0\n");
    for i in 0..20 {
        h.write(
            &format!("f{i}"),
            &format!("Host h{i}\nInclude f{}\n", i + 1),
        );
    }
    let import = h.parse();
    assert!(
        has_problem(&import, "deeper than 16"),
        "{:?}",
        import.problems
    );
    assert_eq!(import.hosts.len(), 16);
}

#[test]
fn match_blocks_are_skipped_with_a_note() {
    let h = Home::new();
    h.write(
        "config",
        "Host a\n  User alice\nMatch host b exec \"true\"\n  User matched\n  Host-ignored x\nHost b\n  Port 2022\n",
    );
    let import = h.parse();
    assert!(has_problem(&import, "Match"));
    assert_eq!(host(&import, "a").user.as_deref(), Some("alice"));
    let b = host(&import, "b");
    assert_eq!(b.user, None);
    assert_eq!(b.port, Some(2022));
}

#[test]
fn tokens_bad_values_and_commands_noted() {
    let h = Home::new();
    h.write(
        "config",
        "Host t\n  HostName real.example\n  User bob\n  IdentityFile ~/.ssh/%h-%r_100%%\n  IdentityFile /keys/%C\n  Port 99999\n  ProxyCommand nc %h %p\n  Broken \"unterminated\n",
    );
    let import = h.parse();
    let t = host(&import, "t");
    assert_eq!(
        t.identity_files,
        [
            h.home.join(".ssh/real.example-bob_100%"),
            PathBuf::from("/keys/%C")
        ]
    );
    assert_eq!(t.port, None);
    assert!(has_problem(&import, "%C"));
    assert!(has_problem(&import, "not a port number"));
    assert!(has_problem(&import, "ProxyCommand"));
    assert!(has_problem(&import, "unterminated quote"));
}

#[test]
fn oversized_and_missing_files_are_errors() {
    let h = Home::new();
    let big = "# padding\n".repeat(200_000);
    let p = h.write("config", &big);
    assert!(matches!(
        parse_with_home(&p, &h.home),
        Err(SshConfigError::TooLarge { .. })
    ));
    let err = parse_with_home(Path::new("/nonexistent/ssh/config"), &h.home).unwrap_err();
    assert!(err.to_string().contains("could not read"));
}

#[test]
fn hostile_bytes_never_panic() {
    let h = Home::new();
    let mut junk: Vec<u8> = (0..=255u8).cycle().take(50_000).collect();
    junk.extend_from_slice(b"\nHost \xff\xfe ok\n  Port=\n  HostName\n=\n\"\n");
    let p = h.home.join(".ssh/config");
    std::fs::write(&p, junk).unwrap();
    let import = parse_with_home(&p, &h.home).unwrap();
    assert!(import.hosts.iter().any(|h| h.alias == "ok"));
}
