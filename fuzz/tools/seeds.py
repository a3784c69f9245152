#!/usr/bin/env python3
"""Regenerates the seed corpora in fuzz/corpus/<target>/ from the repository's test
fixtures and the string literals of its tests (run from anywhere; standard library only).

Each seed is named after a hash of its content, so running this again adds nothing twice.
Literals are unescaped as Rust would (raw strings as written); the iCalendar tests' line
arrays (`cal(&[...])`, `crlf(&[...])`) are joined with CRLF the way the tests do.
"""
import hashlib
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fuzz" / "corpus"

CHAR_LIT = re.compile(r"'(\\u\{[0-9a-fA-F]+\}|\\x[0-9a-fA-F]{2}|\\.|[^'\\\n])'")


def unescape(body):
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = body[i + 1] if i + 1 < len(body) else ""
        if n == "\n":  # line continuation: skip the break and the next line's indent
            i += 2
            while i < len(body) and body[i] in " \t\r\n":
                i += 1
            continue
        simple = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
        if n in simple:
            out.append(simple[n])
            i += 2
        elif n == "x":
            out.append(chr(int(body[i + 2 : i + 4], 16)))
            i += 4
        elif n == "u":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3 : end], 16)))
            i = end + 1
        else:
            out.append(n)
            i += 2
    return "".join(out)


def literals(src):
    """(start, end, text) of every string literal outside comments."""
    found, i = [], 0
    while i < len(src):
        if src.startswith("//", i):
            i = src.find("\n", i)
            i = len(src) if i < 0 else i
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i)
            i = len(src) if j < 0 else j + 2
            continue
        if src[i] == "'":
            m = CHAR_LIT.match(src, i)
            i = m.end() if m else i + 1
            continue
        m = re.compile(r'b?r(#*)"').match(src, i)
        if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            close = '"' + m.group(1)
            j = src.find(close, m.end())
            if j < 0:
                break
            found.append((i, j + len(close), src[m.end() : j]))
            i = j + len(close)
            continue
        if src[i] == '"' or (src[i] == "b" and src.startswith('b"', i)):
            start = i
            i = i + 1 if src[i] == '"' else i + 2
            body = []
            while i < len(src) and src[i] != '"':
                if src[i] == "\\":
                    body.append(src[i : i + 2])
                    i += 2
                else:
                    body.append(src[i])
                    i += 1
            try:
                found.append((start, i + 1, unescape("".join(body))))
            except (ValueError, IndexError):
                pass
            i += 1
            continue
        i += 1
    return found


def line_arrays(src, lits):
    """The calendars the iCalendar tests build from line arrays, joined as they do."""
    out = []
    for m in re.finditer(r"\b(cal|crlf)\(&\[", src):
        depth, j = 1, m.end()
        inside = [l for l in lits if l[0] >= m.end()]
        k = 0
        while j < len(src) and depth:
            if k < len(inside) and inside[k][0] == j:
                j = inside[k][1]
                k += 1
                continue
            depth += {"[": 1, "]": -1}.get(src[j], 0)
            j += 1
        lines = [l[2] for l in inside if l[1] <= j]
        if m.group(1) == "cal":
            lines = ["BEGIN:VCALENDAR", "VERSION:2.0", *lines, "END:VCALENDAR"]
        out.append("\r\n".join(lines) + "\r\n")
    return out


def add(target, text):
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)


def texts(*rel):
    for r in rel:
        p = ROOT / r
        src = p.read_text()
        yield src, literals(src)


def main():
    # Fleet TOML: the fixture, and every literal of the fleet tests that looks like TOML.
    add("fleet_toml", (ROOT / "tests/fixtures/acme.toml").read_text())
    for src, lits in texts("crates/fieldline-core/tests/core/fleet_file.rs",
                           "crates/fieldline-core/src/maintenance.rs"):
        for _, _, t in lits:
            if re.search(r"^\s*\[\[|\w+ = ", t, re.M) and len(t) > 8:
                add("fleet_toml", t)

    # CSV: every multi-line literal of the CSV tests, plus an EUC-KR copy of the Korean ones.
    for src, lits in texts("crates/fieldline-core/tests/core/csv.rs",
                           "crates/fieldline-core/src/csv_import.rs"):
        for _, _, t in lits:
            if "\n" in t and re.search(r"[,;\t]", t):
                add("csv_import", t)
                if any(ord(c) > 127 for c in t):
                    try:
                        add("csv_import", t.encode("euc_kr"))
                    except UnicodeEncodeError:
                        pass

    # SLA policy: the fixture and the policy literals; `\0` then an .ics text feeds the
    # first holiday file the policy names (see fuzz_targets/sla_policy.rs).
    add("sla_policy", (ROOT / "tests/fixtures/sla.toml").read_text())
    ics_seeds = []
    for src, lits in texts("crates/fieldline-sla/tests/ical.rs", "crates/fieldline-sla/src/ical.rs"):
        ics_seeds += [t for _, _, t in lits if "BEGIN:VCALENDAR" in t]
        ics_seeds += line_arrays(src, lits)
    for src, lits in texts("crates/fieldline-sla/tests/sla.rs", "crates/fieldline-sla/tests/ical.rs",
                           "crates/fieldline-sla/src/policy_file.rs"):
        for _, _, t in lits:
            if re.search(r"\[\[(calendars|policies)\]\]|\[contracts\]", t):
                add("sla_policy", t)
                if "holidays_ics" in t and ics_seeds:
                    add("sla_policy", t + "\0" + ics_seeds[0])
    for t in ics_seeds:
        add("ical", t)

    # ssh_config: the literals of the ssh_config tests with a keyword line; `\0` then a
    # second file, written next to it as `included` (see fuzz_targets/ssh_config.rs).
    for src, lits in texts("crates/fieldline-ssh/tests/ssh_config.rs"):
        for _, _, t in lits:
            if re.search(r"^\s*(host|match|include|hostname|user|port)\b", t, re.I | re.M):
                add("ssh_config", t)
    add("ssh_config", "Host a\n  HostName x\nInclude included\n\0Host b\n  User u\n")

    # known_hosts: every literal with a key line, from the tests and the docs.
    for src, lits in texts(*[str(p.relative_to(ROOT)) for p in (ROOT / "crates").rglob("*.rs")
                             if "fieldline-ssh" in str(p) or "fieldline-app" in str(p)
                             or "fieldline-cli" in str(p) or "fieldline-monitor" in str(p)]):
        for _, _, t in lits:
            if re.search(r"(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+) AAAA", t) or "|1|" in t:
                add("known_hosts", t)

    # Prometheus text: the real scrape and the exporter literals of the tests.
    add("prometheus_text", (ROOT / "crates/fieldline-monitor/src/probe/testdata/node_exporter_1.5.0.prom").read_text())
    for src, lits in texts("crates/fieldline-monitor/tests/node_exporter.rs",
                           "crates/fieldline-monitor/src/probe/node.rs",
                           "crates/fieldline-monitor/tests/support/prom.rs",
                           "crates/fieldline-cli/tests/check_prometheus.rs"):
        for _, _, t in lits:
            if re.search(r"^(# (HELP|TYPE) |node_|windows_|apt_|yum_)", t, re.M) and "\n" in t:
                add("prometheus_text", t)

    # RT: every JSON literal of the sync tests (first byte: the HTTP status, see the target).
    for src, lits in texts("crates/fieldline-sync/tests/malformed.rs",
                           "crates/fieldline-sync/tests/rt_sync.rs",
                           "crates/fieldline-sync/tests/support/rt.rs",
                           "crates/fieldline-sync/src/rt.rs"):
        for _, _, t in lits:
            s = t.strip()
            if s[:1] in "{[" and len(s) > 2:
                try:
                    json.loads(s)
                except ValueError:
                    continue
                add("rt_json", "\x00" + t)
    rt_ticket = {"id": "7", "Subject": "Printer", "Status": "open", "Queue": {"id": "3"},
                 "Priority": "50", "SLA": "P2", "Created": "2026-11-20T09:00:00Z",
                 "Started": "1970-01-01T00:00:00Z", "LastUpdated": "2026-11-21T09:00:00Z",
                 "TimeWorked": 30, "Owner": {"id": "fieldline"}, "Name": "Helpdesk",
                 "Version": "5.0.3", "total": 1}
    add("rt_json", "\x00" + json.dumps(dict(rt_ticket, items=[rt_ticket])))
    add("rt_json", "\x00" + json.dumps([
        "Ticket 7: Status changed from 'new' to 'open'",
        "Comments added"]))
    add("rt_json", "\x01" + json.dumps({"items": [
        {"id": "9", "Type": "Comment", "TimeTaken": "0", "Creator": {"id": "fieldline"}}]}))


if __name__ == "__main__":
    main()
