// Unit tests of supply-chain/npm-audit.mjs: SemVer ordering and OSV range evaluation.
// Usage: node --test supply-chain/
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { compareVersions, rangeHit, advisoryHits, productionPackages } from "./npm-audit.mjs";

test("SemVer precedence, including pre-releases (the SemVer 2.0 spec's example chain)", () => {
  const chain = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.10.0",
    "2.0.0",
  ];
  for (let i = 0; i + 1 < chain.length; i++) {
    assert.equal(compareVersions(chain[i], chain[i + 1]), -1, `${chain[i]} < ${chain[i + 1]}`);
    assert.equal(compareVersions(chain[i + 1], chain[i]), 1);
  }
  assert.equal(compareVersions("1.2.3+build.7", "1.2.3"), 0);
  assert.equal(compareVersions("0", "0.0.0-0"), -1);
  assert.throws(() => compareVersions("1.2", "1.2.3"), /not a SemVer version/);
});

test("introduced / fixed: half-open interval", () => {
  const ev = [{ introduced: "7.0.0" }, { fixed: "7.5.2" }];
  assert.equal(rangeHit("6.9.9", ev), null);
  assert.deepEqual(rangeHit("7.0.0", ev), { fixed: "7.5.2" });
  assert.deepEqual(rangeHit("7.5.1", ev), { fixed: "7.5.2" });
  assert.deepEqual(rangeHit("7.5.2-rc.1", ev), { fixed: "7.5.2" }, "a pre-release of the fix is still affected");
  assert.equal(rangeHit("7.5.2", ev), null);
  assert.equal(rangeHit("8.0.0", ev), null);
});

test("introduced 0 and no fix: every version", () => {
  const ev = [{ introduced: "0" }];
  assert.deepEqual(rangeHit("0.0.1", ev), { fixed: null });
  assert.deepEqual(rangeHit("99.0.0", ev), { fixed: null });
});

test("last_affected is inclusive", () => {
  const ev = [{ introduced: "1.2.0" }, { last_affected: "1.4.3" }];
  assert.equal(rangeHit("1.1.9", ev), null);
  assert.deepEqual(rangeHit("1.4.3", ev), { fixed: null });
  assert.equal(rangeHit("1.4.4", ev), null);
});

test("several intervals in one range, events out of order", () => {
  const ev = [{ fixed: "10.27.3" }, { introduced: "10.26.5" }, { fixed: "10.26.10" }, { introduced: "10.27.0" }];
  assert.equal(rangeHit("10.26.4", ev), null);
  assert.deepEqual(rangeHit("10.26.9", ev), { fixed: "10.26.10" });
  assert.equal(rangeHit("10.26.10", ev), null);
  assert.deepEqual(rangeHit("10.27.2", ev), { fixed: "10.27.3" });
  assert.equal(rangeHit("10.29.8", ev), null);
});

test("advisoryHits: ecosystem, package name, explicit versions, withdrawn", () => {
  const adv = {
    id: "GHSA-test",
    affected: [
      { package: { ecosystem: "npm", name: "a" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "2.0.0" }] }] },
      { package: { ecosystem: "PyPI", name: "b" }, ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }] },
      { package: { ecosystem: "npm", name: "c" }, versions: ["1.0.0"] },
      { package: { ecosystem: "npm", name: "d" }, ranges: [{ type: "GIT", events: [{ introduced: "abc" }] }] },
    ],
  };
  assert.deepEqual(advisoryHits(adv, "a", "1.9.9"), [{ fixed: "2.0.0" }]);
  assert.deepEqual(advisoryHits(adv, "a", "2.0.0"), []);
  assert.deepEqual(advisoryHits(adv, "b", "1.0.0"), [], "another ecosystem's package of the same name");
  assert.deepEqual(advisoryHits(adv, "c", "1.0.0"), [{ fixed: null }]);
  assert.deepEqual(advisoryHits(adv, "c", "1.0.1"), []);
  assert.deepEqual(advisoryHits(adv, "d", "1.0.0"), [], "GIT ranges are not version ranges");
  assert.deepEqual(advisoryHits({ ...adv, withdrawn: "2024-01-01T00:00:00Z" }, "a", "1.0.0"), []);
});

test("productionPackages: skips dev, links and the root; reads nested and aliased names", () => {
  const lock = {
    lockfileVersion: 3,
    packages: {
      "": { name: "root" },
      "node_modules/a": { version: "1.0.0" },
      "node_modules/b": { version: "1.0.0", dev: true },
      "node_modules/@s/c": { version: "2.0.0", optional: true },
      "node_modules/a/node_modules/d": { version: "3.0.0", devOptional: true },
      "node_modules/alias": { name: "e", version: "4.0.0" },
      "node_modules/w": { resolved: "packages/w", link: true },
    },
  };
  assert.deepEqual(
    productionPackages(lock).map((p) => `${p.name}@${p.version}`),
    ["a@1.0.0", "@s/c@2.0.0", "d@3.0.0", "e@4.0.0"],
  );
});

// Cross-check of the ordering against npm's own `semver`, when ui/node_modules has it.
const semverPath = new URL("../ui/node_modules/semver/package.json", import.meta.url);
test("ordering agrees with npm's semver package", { skip: !existsSync(semverPath) && "ui/node_modules/semver not installed" }, () => {
  const semver = createRequire(semverPath)("semver");
  const vs = ["0.0.0-0", "0.1.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-2", "1.0.0-10", "1.0.0-x.7.z.92", "1.0.0", "1.0.1-rc.1", "10.0.0", "2.0.0"];
  for (const a of vs) for (const b of vs) assert.equal(compareVersions(a, b), semver.compare(a, b), `${a} vs ${b}`);
});
