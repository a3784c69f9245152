#!/usr/bin/env bash
# Supply-chain checks, offline: the Rust dependency graph with cargo-deny (known
# vulnerabilities, unmaintained and yanked crates, licences, duplicate versions, sources:
# deny.toml says what is allowed and why), then the UI's production npm dependencies
# against vendored GitHub advisories (supply-chain/npm-audit.mjs), then whether
# THIRD-PARTY-LICENSES.md (shipped in the .deb) still matches the lock files.
#
# Why offline: CI reaches the package registries but not GitHub, so neither cargo-deny's
# database fetch nor `npm audit` (405 from the registry proxy) works there. Both advisory
# databases are vendored, filtered to our lock files, under supply-chain/ (each with a
# SOURCE file naming the commit it came from); refresh them with
# supply-chain/refresh-advisories.sh (RustSec) and supply-chain/refresh-npm-advisories.sh
# (GitHub) from full checkouts.
#
# Usage: scripts/supply-chain.sh [--licenses]
#   (no option)  run the checks; exits non-zero when any fails (a known-vulnerable crate or
#                npm production package, a licence or source not allowed, a stale
#                THIRD-PARTY-LICENSES.md, ...)
#   --licenses   regenerate THIRD-PARTY-LICENSES.md (supply-chain/licenses.sh) and exit
#
# Environment:
#   SUPPLY_CHAIN_STRICT=1  also fail when Cargo.lock names a crate that the vendored RustSec
#                          copy was not filtered for (default: a warning naming them)
#   SUPPLY_CHAIN_VERBOSE=1 print cargo-deny's warnings in full (duplicate crate versions,
#                          with inclusion graphs), not only their count
#   SUPPLY_CHAIN_NICE=19   nice level of cargo-deny (and of its installation)
#
# Installs cargo-deny (pinned below, `cargo install --locked --debug`, into
# $HOME/.cargo/bin) when it is missing or another version. A debug build: about 2 minutes
# on 2 cores instead of 5 for the release build (fat LTO), for checks of about 11 s instead
# of 5; CI installs it on every fresh machine and runs it once. The advisory
# database is turned into a throwaway git repository under target/supply-chain/ (cargo-deny
# reads it only as a git checkout), dated with the vendored copy's commit date so that
# cargo-deny's staleness limit (deny.toml: maximum-db-staleness) applies to it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

CARGO_DENY_VERSION=0.20.2
nice_level="${SUPPLY_CHAIN_NICE:-19}"
step() { printf '\n==> supply-chain: %s (at %d s)\n' "$*" "$SECONDS"; }

if [[ "${1:-}" == "--licenses" ]]; then
  exec bash supply-chain/licenses.sh
elif [[ $# -gt 0 ]]; then
  echo "supply-chain: unknown argument \"$1\" (see the top of $0)" >&2
  exit 2
fi

if [[ "$(cargo-deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]]; then
  step "installing cargo-deny $CARGO_DENY_VERSION"
  nice -n "$nice_level" cargo install cargo-deny --locked --debug --version "$CARGO_DENY_VERSION"
fi

# --- Rust: cargo-deny with the vendored RustSec copy -------------------------------------
step "Rust: cargo deny (advisories, bans, licenses, sources)"
# Every crate of Cargo.lock, for every target (cargo-deny and licenses.sh read them all,
# offline): from crates.io when missing, instant when the cache has them.
cargo fetch --locked
vendored=supply-chain/rustsec-advisory-db
commit="$(sed -n 's/^commit=//p' "$vendored/SOURCE")"
commit_date="$(sed -n 's/^commit_date=//p' "$vendored/SOURCE")"
rust_advisories="$(find "$vendored/crates" -name 'RUSTSEC-*.md' | wc -l)"
# cargo-deny keeps the database for db-urls' https://github.com/rustsec/advisory-db in
# <db-path>/advisory-db-<hash of that url>; the name is fixed while the url is.
db="target/supply-chain/advisory-dbs/advisory-db-3157b0e258782691"
rm -rf "$db"
mkdir -p "$db"
cp -r "$vendored/." "$db/"
git -C "$db" init -q -b main
git -C "$db" add -A
GIT_AUTHOR_DATE="$commit_date" GIT_COMMITTER_DATE="$commit_date" \
  git -C "$db" -c user.name=supply-chain -c user.email=supply-chain@invalid \
  -c commit.gpgsign=false -c core.hooksPath=/dev/null \
  commit -q -m "filtered rustsec/advisory-db $commit"
touch -d "$commit_date" "$db/.git/HEAD" # cargo-deny dates the database by HEAD's mtime too

age_days=$(( ($(date +%s) - $(date -d "$commit_date" +%s)) / 86400 ))
echo "RustSec database: $rust_advisories advisories (filtered to our lock files) from" \
  "rustsec/advisory-db $commit, $commit_date ($age_days days old)"
if (( age_days > 90 )); then
  echo "WARNING: the vendored RustSec database is $age_days days old; refresh it with" \
    "supply-chain/refresh-advisories.sh (cargo-deny refuses it after 180 days)"
fi
uncovered="$(comm -23 <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.lock | sort -u) \
  <(sort -u "$vendored/crate-names.txt"))"
if [[ -n "$uncovered" ]]; then
  echo "WARNING: Cargo.lock has crates the vendored database was not filtered for (their" \
    "advisories are missing until supply-chain/refresh-advisories.sh is re-run):" "$(tr '\n' ' ' <<<"$uncovered")"
  [[ "${SUPPLY_CHAIN_STRICT:-0}" == 1 ]] && { echo "supply-chain: FAILED (SUPPLY_CHAIN_STRICT=1)"; exit 1; }
fi
echo "crates checked: $(grep -c '^\[\[package\]\]' Cargo.lock) packages in Cargo.lock"
# Errors in full (with the inclusion graph); warnings (38 duplicate versions today) only
# counted in the stats, unless SUPPLY_CHAIN_VERBOSE=1: in full they are ~6000 lines.
log_level=error
[[ "${SUPPLY_CHAIN_VERBOSE:-0}" == 1 ]] && log_level=warn
nice -n "$nice_level" cargo deny --log-level "$log_level" --locked --offline check --show-stats

# --- npm: production dependencies of the UI -------------------------------------------
step "npm: production dependencies of ui/ against vendored GitHub advisories"
node --test supply-chain/ # the checker's own range logic first
node supply-chain/npm-audit.mjs

# --- the licence file shipped in the .deb ----------------------------------------------
step "THIRD-PARTY-LICENSES.md matches the lock files"
bash supply-chain/licenses.sh --check

step "supply-chain checks passed"
