//! CSV import: header mapping, every bad row by line, all or nothing unless partial.

use fieldline_core::csv_import::{decode, import, preview, CsvOptions, EndpointField};
use fieldline_core::fleet_file::parse;

fn base() -> fieldline_core::Fleet {
    parse("f.toml", crate::fleet_file::EXAMPLE).expect("valid")
}

fn options(text: &str) -> CsvOptions {
    CsvOptions {
        mapping: preview("hosts.csv", text).expect("preview").mapping,
        default_site: None,
        allow_partial: false,
    }
}

const GOOD: &str = "Asset ID,IP Address,Site,Tags,SSH Port\n\
acme-db1,10.0.0.9,acme-hq,linux db,2222\n\
acme-nas,10.0.0.10,acme-hq,storage,\n";

#[test]
fn headers_are_mapped_by_guess_in_english_and_korean() {
    let p = preview("hosts.csv", GOOD).expect("preview");
    use EndpointField::*;
    assert_eq!(
        p.mapping,
        vec![Some(Id), Some(Host), Some(Site), Some(Tags), Some(SshPort)]
    );
    assert_eq!(p.rows, 2);
    let ko = preview(
        "호스트.csv",
        "아이디;IP 주소;사이트;메모\nx;1.2.3.4;acme-hq;메모\n",
    )
    .expect("preview");
    assert_eq!(
        ko.mapping,
        vec![Some(Id), Some(Host), Some(Site), Some(Notes)]
    );
}

#[test]
fn a_field_is_guessed_for_one_column_only() {
    let p = preview("hosts.csv", "Hostname,IP Address,Name\na,1.1.1.1,A\n").expect("preview");
    use EndpointField::*;
    assert_eq!(p.mapping, vec![Some(Host), None, Some(Name)]);
}

#[test]
fn good_rows_are_created_and_existing_ids_updated_keeping_their_checks() {
    let text = format!("{GOOD}acme-web1,10.0.0.55,acme-hq,linux,\n");
    let (report, fleet) = import("hosts.csv", &text, &options(&text), &base()).expect("imports");
    assert!(report.imported && report.bad_rows.is_empty(), "{report:?}");
    assert_eq!((report.created, report.updated), (2, 1));
    let fleet = fleet.expect("fleet");
    assert_eq!(
        fleet.endpoint("acme-db1").map(|e| e.ssh.port),
        Some(Some(2222))
    );
    assert_eq!(
        fleet.endpoint("acme-db1").map(|e| e.tags.clone()),
        Some(vec!["linux".into(), "db".into()])
    );
    let web = fleet.endpoint("acme-web1").expect("web1");
    assert_eq!(web.host, "10.0.0.55");
    assert_eq!(
        web.checks.len(),
        1,
        "a CSV update keeps the checks it does not carry"
    );
}

const BAD: &str = "id,host,site,ssh_port,parent\n\
ok-1,10.0.0.20,acme-hq,22,\n\
bad-port,10.0.0.21,acme-hq,twenty-two,\n\
,10.0.0.22,acme-hq,,\n\
bad-site,10.0.0.23,nowhere,,\n\
child-of-bad,10.0.0.24,acme-hq,,bad-site\n\
ok-2,10.0.0.25,acme-hq,,ok-1\n";

#[test]
fn every_bad_row_is_reported_by_line_and_nothing_is_imported() {
    let (report, fleet) = import("hosts.csv", BAD, &options(BAD), &base()).expect("runs");
    assert!(!report.imported && fleet.is_none());
    let lines: Vec<_> = report
        .bad_rows
        .iter()
        .map(|i| (i.line.unwrap_or(0), i.field.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![(3, "ssh_port"), (4, "id"), (5, "site")],
        "{:#?}",
        report.bad_rows
    );
}

#[test]
fn a_partial_import_keeps_the_good_rows_and_drops_rows_that_named_a_dropped_row() {
    let mut opts = options(BAD);
    opts.allow_partial = true;
    let (report, fleet) = import("hosts.csv", BAD, &opts, &base()).expect("runs");
    assert!(report.imported);
    assert_eq!(report.created, 2, "{report:#?}");
    let fleet = fleet.expect("fleet");
    assert!(fleet.endpoint("ok-1").is_some() && fleet.endpoint("ok-2").is_some());
    assert!(fleet.endpoint("child-of-bad").is_none());
    assert!(
        report
            .bad_rows
            .iter()
            .any(|i| i.line == Some(6) && i.field == "parent"),
        "{:#?}",
        report.bad_rows
    );
}

#[test]
fn unmapped_required_fields_and_missing_site_are_file_errors() {
    let opts = CsvOptions {
        mapping: vec![Some(EndpointField::Id), None],
        default_site: None,
        allow_partial: false,
    };
    let err = import("x.csv", "id,host\na,1.1.1.1\n", &opts, &base()).expect_err("no host column");
    assert!(err.to_string().contains("mapped to host"), "{err}");
    let opts = CsvOptions {
        mapping: vec![Some(EndpointField::Id), Some(EndpointField::Host)],
        default_site: None,
        allow_partial: false,
    };
    let err = import("x.csv", "id,host\na,1.1.1.1\n", &opts, &base()).expect_err("no site");
    assert!(err.to_string().contains("default site"), "{err}");
    let opts = CsvOptions {
        default_site: Some("acme-hq".into()),
        ..opts
    };
    let (report, _) = import("x.csv", "id,host\na,1.1.1.1\n", &opts, &base()).expect("imports");
    assert_eq!(report.created, 1);
}

#[test]
fn korean_excel_files_in_euc_kr_and_utf8_with_bom_are_read() {
    let euc = euc_kr("아이디,호스트\n서버1,10.0.0.1\n");
    let text = decode("kr.csv", &euc).expect("EUC-KR");
    assert!(text.starts_with("아이디"));
    let bom = [b"\xEF\xBB\xBF".as_slice(), "id,host\n".as_bytes()].concat();
    assert_eq!(decode("bom.csv", &bom).expect("utf8"), "id,host\n");
    assert!(decode("bin.csv", &[0xff, 0xfe, 0x00, 0x81]).is_err());
}

/// EUC-KR bytes of a few Hangul syllables, written out so the test needs no encoder.
fn euc_kr(s: &str) -> Vec<u8> {
    let table = [
        ('아', [0xBE, 0xC6]),
        ('이', [0xC0, 0xCC]),
        ('디', [0xB5, 0xF0]),
        ('호', [0xC8, 0xA3]),
        ('스', [0xBD, 0xBA]),
        ('트', [0xC6, 0xAE]),
        ('서', [0xBC, 0xAD]),
        ('버', [0xB9, 0xF6]),
    ];
    let mut out = Vec::new();
    for c in s.chars() {
        match table.iter().find(|(k, _)| *k == c) {
            Some((_, b)) => out.extend_from_slice(b),
            None => out.push(c as u8),
        }
    }
    out
}
