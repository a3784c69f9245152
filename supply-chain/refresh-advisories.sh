#!/usr/bin/env bash
# Regenerates supply-chain/rustsec-advisory-db/, the filtered copy of the RustSec advisory
# database that `cargo deny check` reads offline (scripts/supply-chain.sh), from a full
# checkout of https://github.com/rustsec/advisory-db.
#
# Why a filtered, vendored copy: CI has no route to GitHub, so cargo-deny cannot fetch the
# database at run time. Only the advisories for crate names that appear in our lock files
# (Cargo.lock, and fuzz/Cargo.lock; src-tauri/ has no lock of its own, it is a member of
# the root workspace) are kept: a few hundred KiB instead of the whole database. A crate
# that a later Cargo.lock change adds is NOT covered until this script is re-run, so
# scripts/supply-chain.sh names every crate of Cargo.lock missing from the filter list
# (crate-names.txt here) and fails on it when SUPPLY_CHAIN_STRICT=1.
#
# Usage: supply-chain/refresh-advisories.sh PATH-TO-ADVISORY-DB-CHECKOUT
#   The checkout must be a git work tree (or a bare/mirror git dir: its HEAD is read with
#   `git archive`). Writes rustsec-advisory-db/SOURCE (commit, commit date, date of the
#   refresh) and rustsec-advisory-db/crate-names.txt (the filter list). Commit the result.
#
# The database is CC0-1.0 (a few advisories CC-BY-4.0, each names its licence and source
# url); its README.md, LICENSE.txt and LICENSES/ are copied alongside for attribution.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
src="${1:?usage: $0 PATH-TO-ADVISORY-DB-CHECKOUT (see the top of $0)}"
out="$here/rustsec-advisory-db"

# The checkout's HEAD, whether it is a work tree or a bare git directory.
git_dir="$(git -C "$src" rev-parse --absolute-git-dir)"
commit="$(git --git-dir="$git_dir" rev-parse HEAD)"
commit_date="$(git --git-dir="$git_dir" show -s --format=%cI HEAD)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git --git-dir="$git_dir" archive --format=tar HEAD README.md LICENSE.txt LICENSES crates |
  tar -x -C "$tmp"

# Crate names of every lock file we ship or test from (the [[package]] name = "..." lines).
locks=("$root/Cargo.lock")
[[ -f "$root/fuzz/Cargo.lock" ]] && locks+=("$root/fuzz/Cargo.lock")
names="$(sed -n 's/^name = "\(.*\)"$/\1/p' "${locks[@]}" | sort -u)"

rm -rf "$out"
mkdir -p "$out/crates"
cp -r "$tmp/README.md" "$tmp/LICENSE.txt" "$tmp/LICENSES" "$out/"
kept=0
while IFS= read -r name; do
  if [[ -d "$tmp/crates/$name" ]]; then
    cp -r "$tmp/crates/$name" "$out/crates/"
    kept=$((kept + 1))
  fi
done <<<"$names"
printf '%s\n' "$names" >"$out/crate-names.txt"
advisories="$(find "$out/crates" -name 'RUSTSEC-*.md' | wc -l)"

cat >"$out/SOURCE" <<EOF
# Filtered copy of the RustSec advisory database, made by supply-chain/refresh-advisories.sh.
repository=https://github.com/rustsec/advisory-db
commit=$commit
commit_date=$commit_date
refreshed=$(date -u +%Y-%m-%dT%H:%M:%SZ)
lock_files=$(for l in "${locks[@]}"; do printf '%s ' "${l#"$root"/}"; done)
crate_names=$(wc -l <<<"$names")
crates_with_advisories=$kept
advisories=$advisories
EOF
echo "refresh-advisories: $advisories advisories for $kept of $(wc -l <<<"$names") crate names" \
  "from rustsec/advisory-db $commit ($commit_date) -> ${out#"$root"/}"
