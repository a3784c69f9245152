#!/usr/bin/env node
// Offline stand-in for `npm audit --omit=dev`: checks the production dependencies of the UI
// (what ships inside the app) against the vendored, filtered copy of GitHub's advisory
// database in supply-chain/npm-advisories/ (OSV JSON, one file per GHSA advisory).
//
// Why: the registry proxy that CI and the developers' machines reach answers 405 to npm's
// audit endpoint, so `npm audit` cannot run here; the vendored copy is refreshed by
// supply-chain/refresh-npm-advisories.sh from a full checkout of github/advisory-database.
//
// Usage: node supply-chain/npm-audit.mjs [--lock ui/package-lock.json] [--db DIR]
//   Exit 0: no production package is affected. Exit 1: at least one is (each one printed
//   with package, installed version, GHSA id, summary and the fixed version). Exit 2:
//   bad input (unreadable lock file or database, a version this script cannot parse).
//
// Production packages are the lock file's `packages` entries without `"dev": true` (the
// same set as `npm ls --omit=dev --all`; optional and devOptional ones count as shipped),
// read from package-lock.json, so node_modules/ need not be installed. Versions are
// compared as SemVer 2.0 (npm's order), for OSV ranges of type SEMVER and ECOSYSTEM (GitHub
// publishes npm ranges as ECOSYSTEM), with events introduced / fixed / last_affected;
// `affected[].versions` lists are honoured too; withdrawn advisories are skipped.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Parses a SemVer 2.0 version ("1.2.3", "1.2.3-rc.1+build"); a leading "v" or "=" is allowed. */
export function parseVersion(text) {
  const m = /^[v=]?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(
    String(text).trim(),
  );
  if (!m) throw new Error(`not a SemVer version: "${text}"`);
  return {
    core: [BigInt(m[1]), BigInt(m[2]), BigInt(m[3])],
    pre: m[4] === undefined ? [] : m[4].split("."),
  };
}

function compareIdentifiers(a, b) {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
  if (an) return -1; // numeric identifiers sort before alphanumeric ones
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** -1, 0 or 1, in SemVer precedence (build metadata ignored). OSV's "0" means "the very first". */
export function compareVersions(a, b) {
  if (a === "0" || b === "0") return a === b ? 0 : a === "0" ? -1 : 1;
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < 3; i++) {
    if (x.core[i] !== y.core[i]) return x.core[i] < y.core[i] ? -1 : 1;
  }
  // A release sorts after its pre-releases: 1.0.0-rc.1 < 1.0.0.
  if (!x.pre.length || !y.pre.length) return x.pre.length === y.pre.length ? 0 : x.pre.length ? -1 : 1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    if (i >= x.pre.length) return -1;
    if (i >= y.pre.length) return 1;
    const c = compareIdentifiers(x.pre[i], y.pre[i]);
    if (c) return c;
  }
  return 0;
}

/**
 * Whether `version` falls in one OSV range (its events), per the OSV schema's evaluation:
 * events sorted by version; introduced turns "affected" on, fixed turns it off at that
 * version, last_affected turns it off just after it. Returns the event that closes the
 * interval containing `version` (its `fixed`), or null when not affected.
 */
export function rangeHit(version, events) {
  const evs = events
    .map((e) => {
      const [kind] = Object.keys(e).filter((k) => ["introduced", "fixed", "last_affected"].includes(k));
      return kind ? { kind, v: e[kind] } : null;
    })
    .filter(Boolean)
    .sort((a, b) => compareVersions(a.v, b.v) || order(a.kind) - order(b.kind));
  let affected = false;
  for (const e of evs) {
    if (e.kind === "introduced" && compareVersions(version, e.v) >= 0) affected = true;
    else if (e.kind === "fixed" && compareVersions(version, e.v) >= 0) affected = false;
    else if (e.kind === "last_affected" && compareVersions(version, e.v) > 0) affected = false;
  }
  if (!affected) return null;
  const next = evs.find((e) => e.kind === "fixed" && compareVersions(e.v, version) > 0);
  return { fixed: next ? next.v : null };
}
// At equal versions, apply "introduced" before "fixed" (OSV: a fixed at the same version wins).
const order = (kind) => ({ introduced: 0, last_affected: 1, fixed: 2 })[kind];

/** The affected entries of `advisory` that hit npm package `name` at `version`. */
export function advisoryHits(advisory, name, version) {
  if (advisory.withdrawn) return [];
  const hits = [];
  for (const a of advisory.affected ?? []) {
    if (a.package?.ecosystem !== "npm" || a.package?.name !== name) continue;
    if ((a.versions ?? []).includes(version)) {
      hits.push({ fixed: null });
      continue;
    }
    for (const r of a.ranges ?? []) {
      if (r.type !== "SEMVER" && r.type !== "ECOSYSTEM") continue;
      const hit = rangeHit(version, r.events ?? []);
      if (hit) hits.push(hit);
    }
  }
  return hits;
}

/** name@version of every production package in an npm lock file (v2/v3 `packages` map). */
export function productionPackages(lock) {
  if (!lock.packages) throw new Error("lock file has no `packages` map (lockfileVersion 2 or 3 needed)");
  const out = [];
  for (const [path, p] of Object.entries(lock.packages)) {
    if (path === "" || p.dev || p.link) continue;
    const name = p.name ?? path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    out.push({ name, version: p.version, path });
  }
  return out;
}

export function loadAdvisories(dir) {
  const adir = join(dir, "advisories");
  return readdirSync(adir)
    .filter((f) => /^GHSA-.*\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(adir, f), "utf8")));
}

function readSource(dir) {
  const file = join(dir, "SOURCE");
  const kv = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const m = /^([a-z_]+)=(.*)$/.exec(line);
      if (m) kv[m[1]] = m[2];
    }
  }
  return kv;
}

function main(argv) {
  const root = resolve(here, "..");
  let lockPath = join(root, "ui", "package-lock.json");
  let db = join(here, "npm-advisories");
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--lock") lockPath = argv[++i];
    else if (argv[i] === "--db") db = argv[++i];
    else throw new Error(`unknown argument "${argv[i]}" (see the top of supply-chain/npm-audit.mjs)`);
  }
  const lock = JSON.parse(readFileSync(lockPath, "utf8"));
  const advisories = loadAdvisories(db);
  const source = readSource(db);
  const prod = productionPackages(lock);

  const byName = new Map();
  for (const adv of advisories) {
    for (const a of adv.affected ?? []) {
      if (a.package?.ecosystem !== "npm") continue;
      if (!byName.has(a.package.name)) byName.set(a.package.name, new Set());
      byName.get(a.package.name).add(adv);
    }
  }
  const considered = new Set(prod.flatMap((p) => [...(byName.get(p.name) ?? [])]));

  console.log(
    `npm-audit: ${prod.length} production packages of ${lockPath} checked against ` +
      `${advisories.length} vendored advisories (${considered.size} name one of these packages)`,
  );
  console.log(
    `npm-audit: database ${source.repository ?? "?"} at ${source.commit ?? "?"} ` +
      `(${source.commit_date ?? "date unknown"}), kind: ${source.kind ?? "?"}`,
  );
  if (source.kind !== "full-refresh") {
    console.log(
      "npm-audit: WARNING: the vendored database is not a filtered copy of a full checkout " +
        `(kind=${source.kind ?? "unset"}, see ${join(db, "SOURCE")}); absence of findings proves little ` +
        "until supply-chain/refresh-npm-advisories.sh is run on a full checkout.",
    );
  }
  const covered = existsSync(join(db, "package-names.txt"))
    ? new Set(readFileSync(join(db, "package-names.txt"), "utf8").split("\n").filter(Boolean))
    : null;
  if (covered) {
    const missing = [...new Set(prod.map((p) => p.name))].filter((n) => !covered.has(n));
    if (missing.length) {
      console.log(
        `npm-audit: WARNING: ${missing.length} production package name(s) were not in the lock file when the ` +
          `database was filtered, so their advisories are not vendored: ${missing.join(", ")}`,
      );
    }
  }

  const findings = [];
  for (const p of prod) {
    for (const adv of byName.get(p.name) ?? []) {
      for (const hit of advisoryHits(adv, p.name, p.version)) {
        findings.push({ p, adv, hit });
      }
    }
  }
  for (const { p, adv, hit } of findings) {
    const sev = adv.database_specific?.severity ?? "UNKNOWN";
    console.log(
      `npm-audit: VULNERABLE ${p.name}@${p.version} (${p.path}): ${adv.id} [${sev}] ${adv.summary ?? ""}\n` +
        `           fixed in: ${hit.fixed ?? "no fixed version published"}; https://github.com/advisories/${adv.id}`,
    );
  }
  if (findings.length) {
    console.log(`npm-audit: FAILED: ${findings.length} finding(s) in production dependencies`);
    return 1;
  }
  console.log("npm-audit: ok, no production dependency is affected by a vendored advisory");
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`npm-audit: error: ${err.message}`);
    process.exitCode = 2;
  }
}
