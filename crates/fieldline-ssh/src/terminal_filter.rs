//! A filter for what a remote host writes to the technician's terminal.
//!
//! Terminal output is hostile: anything on the far end (a compromised host, a `cat` of a
//! crafted log file) can write escape sequences. Most are harmless colour and cursor
//! movement and pass through unchanged. A few make the terminal act for the host:
//!
//! - **OSC 52** reads or writes the technician's clipboard;
//! - **report queries** make the terminal answer back on the session's input, as if the
//!   technician had typed it: window title and icon reports (`CSI 20 t`, `CSI 21 t`), window
//!   size and position reports (`CSI 13/14/18/19 t`), colour queries (`OSC 4;n;?`,
//!   `OSC 5`, `OSC 10`..`OSC 19` with `?`), `DECRQSS` (`DCS $ q`) and `XTGETTCAP`
//!   (`DCS + q`).
//!
//! [`TerminalFilter`] drops those unless its [`FilterPolicy`] allows them, and passes every
//! other byte through in order. It is stateful: a sequence split across chunks is
//! recognised. What never happens: a dropped sequence reaches the terminal in part; memory
//! grows without bound (an unterminated string sequence longer than [`MAX_STRING_SEQUENCE`]
//! is dropped and the rest of it discarded until its terminator; a control sequence longer
//! than [`MAX_CONTROL_SEQUENCE`] likewise); any input panics.
//!
//! C1 controls written as UTF-8 (`U+009B` CSI, `U+009D` OSC, `U+0090` DCS, `U+009C` ST, as
//! the bytes `C2 9B` and so on) are treated like their `ESC` forms, because terminals that
//! decode UTF-8 first (xterm.js among them) act on them. Raw 8-bit C1 bytes are left alone:
//! in a UTF-8 stream they are continuation bytes, not controls.
//!
//! Malformed sequences (a control sequence interrupted by a byte that cannot be in it, a
//! string or control sequence aborted by `CAN`/`SUB`/`ESC`, an `ESC` followed by another)
//! are dropped, and a `C2` byte not followed by a UTF-8 continuation byte becomes U+FFFD.
//! So nothing the filter writes is left open for bytes after a dropped sequence to
//! complete: the output read again by the filter passes unchanged.

/// Longest OSC, DCS, SOS, PM or APC string kept while waiting for its terminator (64 KiB).
pub const MAX_STRING_SEQUENCE: usize = 64 * 1024;
/// Longest CSI sequence kept while waiting for its final byte.
pub const MAX_CONTROL_SEQUENCE: usize = 4 * 1024;

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;
const CAN: u8 = 0x18;
const SUB: u8 = 0x1a;
const C1_LEAD: u8 = 0xc2;

/// What the filter lets through besides ordinary output. Both default to `false`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilterPolicy {
    /// Let OSC 52 clipboard reads and writes through.
    pub allow_clipboard: bool,
    /// Let sequences that make the terminal answer back through.
    pub allow_reports: bool,
}

/// How many sequences the filter dropped, by reason (for the session's status line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FilterStats {
    /// OSC 52 sequences dropped.
    pub clipboard: u64,
    /// Report queries dropped.
    pub reports: u64,
    /// Sequences dropped for being longer than the caps.
    pub oversized: u64,
    /// Malformed or aborted control sequences dropped.
    pub malformed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StrKind {
    Osc,
    Dcs,
    /// SOS, PM, APC: passed through once complete.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ground,
    /// Saw `ESC` (held in `buf`).
    Esc,
    /// Saw `C2` in ground (held in `buf`): the next byte says whether it is a C1 control.
    C1Lead,
    /// In a CSI (`buf` holds it so far).
    Csi,
    /// A CSI over the cap: discard until its final byte.
    CsiDiscard,
    /// In a string sequence (`buf` holds it so far).
    Str(StrKind),
    /// In a string sequence, the last byte was `ESC`.
    StrEsc(StrKind),
    /// A string over the cap: discard until its terminator.
    StrDiscard,
    /// Discarding a string, the last byte was `ESC`.
    StrDiscardEsc,
}

/// A stateful filter over a session's output. Feed it chunks in order with
/// [`TerminalFilter::filter`].
#[derive(Debug, Clone)]
pub struct TerminalFilter {
    policy: FilterPolicy,
    state: State,
    buf: Vec<u8>,
    stats: FilterStats,
}

enum Verdict {
    Pass,
    Clipboard,
    Report,
}

impl TerminalFilter {
    /// A filter with the given policy.
    pub fn new(policy: FilterPolicy) -> Self {
        Self {
            policy,
            state: State::Ground,
            buf: Vec::new(),
            stats: FilterStats::default(),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> FilterPolicy {
        self.policy
    }

    /// Change the policy; it applies to sequences completed from now on.
    pub fn set_policy(&mut self, policy: FilterPolicy) {
        self.policy = policy;
    }

    /// What has been dropped so far.
    pub fn stats(&self) -> FilterStats {
        self.stats
    }

    /// Filter one chunk, returning what may be written to the terminal. Bytes of an
    /// incomplete sequence at the end are held until the next chunk.
    pub fn filter(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len());
        self.filter_into(input, &mut out);
        out
    }

    /// Like [`TerminalFilter::filter`], appending to `out`.
    pub fn filter_into(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut i = 0;
        while i < input.len() {
            if self.state == State::Ground {
                // Fast path: copy the run of ordinary bytes.
                let run = input[i..]
                    .iter()
                    .position(|&b| b == ESC || b == C1_LEAD)
                    .unwrap_or(input.len() - i);
                out.extend_from_slice(&input[i..i + run]);
                i += run;
                if i >= input.len() {
                    break;
                }
            }
            let b = input[i];
            i += 1;
            if !self.step(b, out) {
                // The byte was not consumed: process it again in the new state.
                i -= 1;
            }
        }
    }

    /// End of the session's output: returns held bytes that cannot start a dropped
    /// sequence any more (a lone `ESC` or `C2` at the very end); an incomplete sequence is
    /// dropped.
    pub fn finish(&mut self) -> Vec<u8> {
        let out = if matches!(self.state, State::C1Lead | State::Esc) {
            std::mem::take(&mut self.buf)
        } else {
            Vec::new()
        };
        self.buf.clear();
        self.state = State::Ground;
        out
    }

    /// Process one byte. Returns `false` if the byte must be processed again (the state
    /// changed to one that should see it).
    fn step(&mut self, b: u8, out: &mut Vec<u8>) -> bool {
        match self.state {
            State::Ground => {
                self.buf.clear();
                self.buf.push(b);
                self.state = if b == ESC { State::Esc } else { State::C1Lead };
                true
            }
            State::C1Lead => {
                let kind = match b {
                    0x9b => Some(None),
                    0x9d => Some(Some(StrKind::Osc)),
                    0x90 => Some(Some(StrKind::Dcs)),
                    0x98 | 0x9e | 0x9f => Some(Some(StrKind::Other)),
                    _ => None,
                };
                match kind {
                    Some(None) => {
                        self.buf.push(b);
                        self.state = State::Csi;
                        true
                    }
                    Some(Some(k)) => {
                        self.buf.push(b);
                        self.state = State::Str(k);
                        true
                    }
                    None if (0x80..=0xbf).contains(&b) => {
                        out.push(C1_LEAD);
                        out.push(b);
                        self.buf.clear();
                        self.state = State::Ground;
                        true
                    }
                    None => {
                        // An invalid lead byte: written as U+FFFD so that it cannot pair up
                        // with a byte after a dropped sequence.
                        out.extend_from_slice("\u{FFFD}".as_bytes());
                        self.buf.clear();
                        self.state = State::Ground;
                        false
                    }
                }
            }
            State::Esc => {
                match b {
                    b'[' => {
                        self.buf.push(b);
                        self.state = State::Csi;
                    }
                    b']' => {
                        self.buf.push(b);
                        self.state = State::Str(StrKind::Osc);
                    }
                    b'P' => {
                        self.buf.push(b);
                        self.state = State::Str(StrKind::Dcs);
                    }
                    b'X' | b'^' | b'_' => {
                        self.buf.push(b);
                        self.state = State::Str(StrKind::Other);
                    }
                    ESC => {
                        // The first ESC is abandoned (the terminal restarts on the second);
                        // it is dropped so that it cannot pair up with what follows.
                        self.stats.malformed += 1;
                    }
                    CAN | SUB => {
                        self.stats.malformed += 1;
                        out.push(b);
                        self.buf.clear();
                        self.state = State::Ground;
                    }
                    _ => {
                        out.push(ESC);
                        out.push(b);
                        self.buf.clear();
                        self.state = State::Ground;
                    }
                }
                true
            }
            State::Csi => {
                match b {
                    0x20..=0x3f => {
                        if self.buf.len() >= MAX_CONTROL_SEQUENCE {
                            self.buf.clear();
                            self.stats.oversized += 1;
                            self.state = State::CsiDiscard;
                        } else {
                            self.buf.push(b);
                        }
                        true
                    }
                    0x40..=0x7e => {
                        self.buf.push(b);
                        if self.policy.allow_reports || !csi_is_report(&self.buf) {
                            out.extend_from_slice(&self.buf);
                        } else {
                            self.stats.reports += 1;
                        }
                        self.buf.clear();
                        self.state = State::Ground;
                        true
                    }
                    ESC | CAN | SUB => {
                        self.buf.clear();
                        self.stats.malformed += 1;
                        self.state = State::Ground;
                        if b == ESC {
                            false
                        } else {
                            out.push(b);
                            true
                        }
                    }
                    0x00..=0x1f => {
                        // C0 controls are executed where they stand; order relative to the
                        // held sequence does not change their effect.
                        out.push(b);
                        true
                    }
                    _ => {
                        self.buf.clear();
                        self.stats.malformed += 1;
                        self.state = State::Ground;
                        false
                    }
                }
            }
            State::CsiDiscard => {
                match b {
                    0x40..=0x7e | CAN | SUB => self.state = State::Ground,
                    ESC => {
                        self.state = State::Ground;
                        return false;
                    }
                    _ => {}
                }
                true
            }
            State::Str(kind) => {
                match b {
                    BEL if kind == StrKind::Osc => {
                        self.buf.push(b);
                        self.end_string(kind, out);
                    }
                    ESC => self.state = State::StrEsc(kind),
                    CAN | SUB => {
                        self.abort_string();
                        out.push(b);
                    }
                    0x9c if self.buf.last() == Some(&C1_LEAD) => {
                        self.buf.push(b);
                        self.end_string(kind, out);
                    }
                    _ => {
                        if self.buf.len() >= MAX_STRING_SEQUENCE {
                            self.buf.clear();
                            self.stats.oversized += 1;
                            self.state = State::StrDiscard;
                        } else {
                            self.buf.push(b);
                        }
                    }
                }
                true
            }
            State::StrEsc(kind) => {
                if b == b'\\' {
                    self.buf.push(ESC);
                    self.buf.push(b);
                    self.end_string(kind, out);
                    true
                } else {
                    // ESC aborts the string (dropped) and starts a new sequence.
                    self.abort_string();
                    self.buf.push(ESC);
                    self.state = State::Esc;
                    false
                }
            }
            State::StrDiscard => {
                match b {
                    BEL | CAN | SUB => self.state = State::Ground,
                    ESC => self.state = State::StrDiscardEsc,
                    0x9c if self.buf.last() == Some(&C1_LEAD) => self.state = State::Ground,
                    _ => {}
                }
                // Remember only the last byte, to see a `C2 9C` terminator.
                self.buf.clear();
                if self.state == State::StrDiscard {
                    self.buf.push(b);
                }
                true
            }
            State::StrDiscardEsc => {
                self.buf.clear();
                if b == b'\\' {
                    self.state = State::Ground;
                    true
                } else {
                    self.buf.push(ESC);
                    self.state = State::Esc;
                    false
                }
            }
        }
    }

    /// A string sequence was aborted: dropped whatever it was.
    fn abort_string(&mut self) {
        self.stats.malformed += 1;
        self.buf.clear();
        self.state = State::Ground;
    }

    /// A string sequence in `buf` has ended (or been aborted): judge it, emit or drop it,
    /// back to ground.
    fn end_string(&mut self, kind: StrKind, out: &mut Vec<u8>) {
        let verdict = match kind {
            StrKind::Osc => osc_verdict(&self.buf),
            StrKind::Dcs => dcs_verdict(&self.buf),
            StrKind::Other => Verdict::Pass,
        };
        match verdict {
            Verdict::Pass => out.extend_from_slice(&self.buf),
            Verdict::Clipboard if self.policy.allow_clipboard => out.extend_from_slice(&self.buf),
            Verdict::Report if self.policy.allow_reports => out.extend_from_slice(&self.buf),
            Verdict::Clipboard => self.stats.clipboard += 1,
            Verdict::Report => self.stats.reports += 1,
        }
        self.buf.clear();
        self.state = State::Ground;
    }
}

impl Default for TerminalFilter {
    fn default() -> Self {
        Self::new(FilterPolicy::default())
    }
}

/// The payload of a string sequence: after its introducer, before its terminator.
fn string_payload(buf: &[u8]) -> &[u8] {
    let start = if buf.first() == Some(&ESC) || buf.first() == Some(&C1_LEAD) {
        2
    } else {
        1
    };
    let body = buf.get(start..).unwrap_or(&[]);
    let body = body.strip_suffix(&[BEL]).unwrap_or(body);
    let body = body.strip_suffix(&[ESC, b'\\']).unwrap_or(body);
    body.strip_suffix(&[C1_LEAD, 0x9c]).unwrap_or(body)
}

fn osc_verdict(buf: &[u8]) -> Verdict {
    let payload = string_payload(buf);
    let mut fields = payload.split(|&b| b == b';');
    let number = fields.next().unwrap_or(&[]);
    let Some(n) = parse_decimal(number) else {
        return Verdict::Pass;
    };
    match n {
        52 => Verdict::Clipboard,
        4 | 5 | 10..=19 => {
            if fields.any(|f| f == b"?") {
                Verdict::Report
            } else {
                Verdict::Pass
            }
        }
        _ => Verdict::Pass,
    }
}

fn dcs_verdict(buf: &[u8]) -> Verdict {
    let payload = string_payload(buf);
    if payload.starts_with(b"$q") || payload.starts_with(b"+q") {
        Verdict::Report
    } else {
        Verdict::Pass
    }
}

/// `CSI Ps t` with `Ps` one of the window reports (13, 14, 18, 19) or title reports (20, 21).
fn csi_is_report(buf: &[u8]) -> bool {
    if buf.last() != Some(&b't') {
        return false;
    }
    let params = buf.get(2..buf.len().saturating_sub(1)).unwrap_or(&[]);
    let first = params.split(|&b| b == b';').next().unwrap_or(&[]);
    matches!(parse_decimal(first), Some(13 | 14 | 18 | 19 | 20 | 21))
}

fn parse_decimal(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')),
    )
}
