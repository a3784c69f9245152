#!/usr/bin/env bash
# Regenerates supply-chain/npm-advisories/, the filtered copy of GitHub's advisory database
# that supply-chain/npm-audit.mjs checks the UI's production dependencies against, from a
# full checkout of https://github.com/github/advisory-database.
#
# Why: `npm audit` needs the registry's audit endpoint, which the registry proxy here
# answers with 405; so the advisories are vendored. Only GitHub-reviewed advisories
# (advisories/github-reviewed/**/GHSA-*.json) with an `affected[]` entry of ecosystem "npm"
# whose package name appears anywhere in ui/package-lock.json (dev packages included, so a
# dev package promoted to a dependency is covered) are kept. A package that a later lock
# change adds is not covered until this script is re-run; npm-audit.mjs names such
# packages (package-names.txt is the filter list).
#
# Usage: supply-chain/refresh-npm-advisories.sh PATH-TO-ADVISORY-DATABASE-CHECKOUT
#   A git work tree of github/advisory-database (about 3.5 GB, 300k files: clone it
#   with --depth 1 --filter=blob:none --sparse and `git sparse-checkout set
#   advisories/github-reviewed` to keep it small). Writes npm-advisories/SOURCE (commit,
#   commit date, refresh date, kind=full-refresh). Commit the result.
#
# The database is CC-BY-4.0 (GitHub, Inc.); its LICENSE.md is copied alongside and
# npm-advisories/README.md gives the attribution.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
src="${1:?usage: $0 PATH-TO-ADVISORY-DATABASE-CHECKOUT (see the top of $0)}"
out="$here/npm-advisories"
[[ -d "$src/advisories/github-reviewed" ]] ||
  { echo "refresh-npm-advisories: $src/advisories/github-reviewed is missing (not a checkout?)" >&2; exit 2; }

commit="$(git -C "$src" rev-parse HEAD)"
commit_date="$(git -C "$src" show -s --format=%cI HEAD)"

rm -rf "$out/advisories"
mkdir -p "$out/advisories"
[[ -f "$src/LICENSE.md" ]] && cp "$src/LICENSE.md" "$out/LICENSE.md"

counts="$(node - "$src/advisories/github-reviewed" "$root/ui/package-lock.json" "$out" <<'EOF'
const fs = require("node:fs");
const path = require("node:path");
const [reviewed, lockPath, out] = process.argv.slice(2);
const lock = JSON.parse(fs.readFileSync(lockPath, "utf8"));
const names = new Set();
for (const [p, v] of Object.entries(lock.packages ?? {})) {
  if (p === "" || v.link) continue;
  names.add(v.name ?? p.slice(p.lastIndexOf("node_modules/") + "node_modules/".length));
}
let scanned = 0, kept = 0;
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) walk(f);
    else if (/^GHSA-.*\.json$/.test(e.name)) {
      scanned++;
      const text = fs.readFileSync(f, "utf8");
      if (!text.includes('"npm"')) continue; // cheap pre-filter before parsing
      const adv = JSON.parse(text);
      if ((adv.affected ?? []).some((a) => a.package?.ecosystem === "npm" && names.has(a.package.name))) {
        fs.copyFileSync(f, path.join(out, "advisories", e.name));
        kept++;
      }
    }
  }
};
walk(reviewed);
fs.writeFileSync(path.join(out, "package-names.txt"), [...names].sort().join("\n") + "\n");
console.log(`${scanned} ${kept} ${names.size}`);
EOF
)"
read -r scanned kept names <<<"$counts"
cat >"$out/SOURCE" <<EOF
# Filtered copy of GitHub's advisory database, made by supply-chain/refresh-npm-advisories.sh.
kind=full-refresh
repository=https://github.com/github/advisory-database
commit=$commit
commit_date=$commit_date
refreshed=$(date -u +%Y-%m-%dT%H:%M:%SZ)
filter=advisories/github-reviewed, ecosystem npm, package names of ui/package-lock.json
package_names=$names
advisories_scanned=$scanned
advisories=$kept
EOF
echo "refresh-npm-advisories: kept $kept of $scanned reviewed advisories ($names package names)" \
  "from github/advisory-database $commit ($commit_date) -> ${out#"$root"/}"
