#![allow(clippy::unwrap_used)]

use fieldline_ssh::terminal_filter::{FilterPolicy, TerminalFilter, MAX_STRING_SEQUENCE};
use proptest::prelude::*;

fn run(input: &[u8]) -> Vec<u8> {
    let mut f = TerminalFilter::default();
    let mut out = f.filter(input);
    out.extend(f.finish());
    out
}

fn run_chunks(chunks: &[&[u8]]) -> Vec<u8> {
    let mut f = TerminalFilter::default();
    let mut out = Vec::new();
    for c in chunks {
        out.extend(f.filter(c));
    }
    out.extend(f.finish());
    out
}

#[test]
fn ordinary_text_colour_and_cursor_pass_unchanged() {
    let input = "plain \x1b[1;31mred\x1b[0m \x1b[2J\x1b[H\x1b[10;20H\x1b[?25l\x1b[?1049h 한국어 텍스트 \x1b]0;my title\x07 \x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\ \x1b(B\x1b=\x1b[22;0t\x1b[8;24;80t\r\n";
    assert_eq!(run(input.as_bytes()), input.as_bytes());
}

#[test]
fn osc52_dropped_with_bel_and_st() {
    assert_eq!(run(b"a\x1b]52;c;aGVsbG8=\x07b"), b"ab");
    assert_eq!(run(b"a\x1b]52;c;aGVsbG8=\x1b\\b"), b"ab");
    assert_eq!(run(b"a\x1b]52;c;?\x07b"), b"ab");
    // UTF-8 encoded C1 OSC and ST.
    assert_eq!(run("a\u{9d}52;c;aGk=\u{9c}b".as_bytes()), b"ab");
}

#[test]
fn osc52_allowed_by_policy() {
    let mut f = TerminalFilter::new(FilterPolicy {
        allow_clipboard: true,
        allow_reports: false,
    });
    let s = b"a\x1b]52;c;aGVsbG8=\x07b";
    assert_eq!(f.filter(s), s);
}

#[test]
fn report_queries_dropped() {
    for q in [
        &b"\x1b[21t"[..],
        b"\x1b[20t",
        b"\x1b[13t",
        b"\x1b[14t",
        b"\x1b[14;2t",
        b"\x1b[18t",
        b"\x1b[19t",
        b"\x1b]10;?\x07",
        b"\x1b]11;?\x1b\\",
        b"\x1b]12;?\x07",
        b"\x1b]4;1;?\x07",
        b"\x1bP$qm\x1b\\",
        b"\x1bP+q544e\x1b\\",
    ] {
        let mut input = b"x".to_vec();
        input.extend_from_slice(q);
        input.extend_from_slice(b"y");
        let mut f = TerminalFilter::default();
        assert_eq!(f.filter(&input), b"xy", "{:?}", String::from_utf8_lossy(q));
        assert_eq!(f.stats().reports, 1);
        let mut allow = TerminalFilter::new(FilterPolicy {
            allow_clipboard: false,
            allow_reports: true,
        });
        assert_eq!(allow.filter(&input), input);
    }
    // Setting a colour (not a query) passes.
    assert_eq!(run(b"\x1b]11;#000000\x07"), b"\x1b]11;#000000\x07");
    assert_eq!(
        run(b"\x1b]4;1;rgb:ff/00/00\x07"),
        b"\x1b]4;1;rgb:ff/00/00\x07"
    );
}

#[test]
fn split_sequences_across_chunks() {
    let whole = b"A\x1b]52;c;aGVsbG8=\x1b\\B\x1b[21tC\x1b[31mD";
    let expected = b"ABC\x1b[31mD".to_vec();
    for cut in 0..whole.len() {
        let (a, b) = whole.split_at(cut);
        assert_eq!(run_chunks(&[a, b]), expected, "cut at {cut}");
    }
    // Byte by byte.
    let chunks: Vec<&[u8]> = whole.chunks(1).collect();
    assert_eq!(run_chunks(&chunks), expected);
    // ST split between ESC and backslash.
    assert_eq!(
        run_chunks(&[b"x\x1b]52;c;YQ==\x1b", b"\\y"]),
        b"xy".to_vec()
    );
}

#[test]
fn unterminated_osc_is_dropped_not_buffered_forever() {
    let mut f = TerminalFilter::new(FilterPolicy {
        allow_clipboard: true,
        allow_reports: true,
    });
    let mut out = f.filter(b"before\x1b]0;");
    let junk = vec![b'A'; 4096];
    for _ in 0..(MAX_STRING_SEQUENCE / 4096 + 10) {
        out.extend(f.filter(&junk));
    }
    out.extend(f.filter(b"\x07after"));
    assert_eq!(out, b"beforeafter");
    assert_eq!(f.stats().oversized, 1);
}

#[test]
fn esc_aborts_string_and_restarts() {
    // An OSC 52 aborted by ESC [ is still dropped; the following CSI passes.
    assert_eq!(run(b"\x1b]52;c;YQ==\x1b[31mX"), b"\x1b[31mX");
}

fn has_sequences(bytes: &[u8]) -> bool {
    bytes.contains(&0x1b)
        || bytes
            .windows(2)
            .any(|w| w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1]))
}

#[test]
fn dropped_sequence_cannot_glue_the_bytes_around_it_together() {
    // An aborted OSC introducer, a dropped report, then what would complete an OSC 52.
    let out = run(b"\x1b]\x1b[21t52;c;aGk=\x07");
    assert_eq!(run(&out), out);
    assert!(!out.windows(2).any(|w| w == b"\x1b]"), "{out:?}");
    // A lone ESC before a dropped report.
    let out = run(b"\x1b\x1b[21t]52;c;aGk=\x07");
    assert!(!out.windows(2).any(|w| w == b"\x1b]"), "{out:?}");
    // A UTF-8 C1 lead before a dropped report, then the C1 OSC's second byte.
    let out = run(b"\xc2\x1b[21t\x9d52;c;aGk=\x07");
    assert!(!out.windows(2).any(|w| w == b"\xc2\x9d"), "{out:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic_and_split_invariant(
        input in proptest::collection::vec(any::<u8>(), 0..2048),
        cut in 0usize..2048,
    ) {
        let whole = run(&input);
        let cut = cut.min(input.len());
        let (a, b) = input.split_at(cut);
        prop_assert_eq!(run_chunks(&[a, b]), whole.clone());
        // Only a stray C2 grows (to U+FFFD, 3 bytes).
        prop_assert!(whole.len() <= 3 * input.len());
    }

    #[test]
    fn sequence_free_input_is_unchanged(
        input in proptest::collection::vec(any::<u8>(), 0..2048).prop_map(|mut v| {
            for b in &mut v {
                if *b == 0x1b || *b == 0xc2 {
                    *b = b'x';
                }
            }
            v
        }),
    ) {
        prop_assert!(!has_sequences(&input));
        let once = run(&input);
        prop_assert_eq!(&once, &input);
        prop_assert_eq!(run(&once), once);
    }

    #[test]
    fn utf8_text_is_unchanged(s in "\\PC{0,300}") {
        prop_assume!(!has_sequences(s.as_bytes()));
        prop_assert_eq!(run(s.as_bytes()), s.as_bytes());
    }

    #[test]
    fn output_is_idempotent(input in proptest::collection::vec(
        prop_oneof![Just(0x1bu8), Just(b'['), Just(b']'), Just(b'5'), Just(b'2'), Just(b';'),
                    Just(0x07), Just(b'\\'), Just(b't'), Just(b'1'), Just(b'?'), Just(0xc2),
                    Just(0x9d), Just(0x9b), Just(0x9c), Just(b'P'), Just(b'$'), Just(b'q'),
                    Just(0x18), any::<u8>()],
        0..512)) {
        let once = run(&input);
        let twice = run(&once);
        prop_assert_eq!(twice, once);
    }
}
