// The incremental rollup and problem list held to the whole computation: random batches
// and source reads (seeded, so a failure replays), compared after every step.
import { describe, expect, it } from 'vitest';
import type { CheckState, CheckStatus, EndpointResults, Fleet, SourceResult, SourceView } from '../bindings';
import { checkStatus, customer, endpoint, monitoredFleet, site } from '../test/fixtures';
import { checkKey, indexFleet, LiveHealth, problems, rollup, type FleetIndex } from './rollup';

const STATES: CheckState[] = ['OK', 'WARN', 'CRIT', 'UNKNOWN', 'STALE'];

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof prng>;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
const int = (rand: Rand, n: number) => Math.floor(rand() * n);

/** 3 customers, 5 sites, 40 endpoints with 0 to 3 checks each. */
function randomFleet(rand: Rand, endpoints = 40): Fleet {
  const customers = ['a', 'b', 'c'].map((id) => customer(id, id.toUpperCase()));
  const sites = ['a1', 'a2', 'b1', 'b2', 'c1'].map((id) => site(id, id.slice(0, 1), id));
  return {
    customers,
    sites,
    endpoints: Array.from({ length: endpoints }, (_, i) =>
      endpoint(`e${String(i)}`, pick(rand, sites).id, {
        checks: Array.from({ length: int(rand, 4) }, () => ({ kind: 'http' as const, params: {} })),
      }),
    ),
  };
}

/** A status for a random check: mostly real ones, sometimes of a check or endpoint the fleet lacks. */
function randomStatus(rand: Rand, fleet: Fleet, at: number): CheckStatus {
  const e = pick(rand, fleet.endpoints);
  const r = rand();
  const id = r < 0.03 ? 'gone' : e.id;
  const check = r < 0.06 ? e.checks.length : int(rand, Math.max(1, e.checks.length));
  return checkStatus(id, check, {
    state: pick(rand, STATES),
    since: int(rand, 50),
    message: `m${String(at)}`,
  });
}

function randomResult(rand: Rand, n: number): SourceResult {
  const kind = rand() < 0.5 ? 'up' : 'alert';
  return {
    kind,
    key: `k${String(n)}`,
    name: kind === 'up' ? 'node' : `Alert${String(n)}`,
    state: pick(rand, STATES),
    message: `r${String(n)}`,
    since: rand() < 0.3 ? null : int(rand, 50),
    silenced: rand() < 0.2,
    series: `10.0.0.${String(n)}:9100`,
  };
}

function randomSource(rand: Rand, fleet: Fleet, at: number): SourceView | null {
  if (rand() < 0.1) return null;
  const endpoints: EndpointResults[] = [];
  for (const e of [...fleet.endpoints, endpoint('gone', 'a1')]) {
    if (rand() < 0.3) {
      const results = Array.from({ length: 1 + int(rand, 3) }, (_, i) => randomResult(rand, at * 10 + i));
      endpoints.push({ endpoint: e.id, state: 'OK', results });
    }
  }
  const failed = rand() < 0.3;
  return {
    prometheus_url: 'https://prom.example.net/',
    alertmanager_url: null,
    read_at: failed && rand() < 0.3 ? null : at,
    report: {
      took_ms: 10,
      alerts_from: 'prometheus',
      endpoints,
      unmatched_count: 0,
      unmatched: [],
      unseen: [],
      warnings: [],
    },
    tried_at: at,
    error: failed ? 'connection refused' : null,
  };
}

function expectWhole(
  live: LiveHealth,
  index: FleetIndex,
  checks: Map<string, CheckStatus>,
  src: SourceView | null,
) {
  expect(live.rollup).toEqual(rollup(index, checks.values(), src));
  expect(live.problems).toEqual(problems(index, checks.values(), src));
}

describe('the incremental rollup', () => {
  it.each([1, 2, 3, 42, 2026])('equals the whole computation after every random batch (seed %i)', (seed) => {
    const rand = prng(seed);
    const fleet = randomFleet(rand);
    const index = indexFleet(fleet);
    let checks = new Map<string, CheckStatus>();
    let source: SourceView | null = null;
    const live = new LiveHealth(index, checks, source);
    for (let step = 1; step <= 150; step++) {
      const batch = Array.from({ length: 1 + int(rand, 12) }, () => randomStatus(rand, fleet, step));
      checks = new Map(checks);
      for (const c of batch) checks.set(checkKey(c.endpoint, c.check), c);
      // Now and then a source read (alone or with the batch), or a batch that repeats itself.
      if (rand() < 0.2) source = randomSource(rand, fleet, step);
      live.update(checks, rand() < 0.1 ? [...batch, ...batch] : batch, source);
      expectWhole(live, index, checks, source);
    }
  });

  it('keeps the problem list array when no problem came, went or changed', () => {
    const fleet = monitoredFleet();
    const index = indexFleet(fleet);
    const ok = checkStatus('acme-web1', 0, { state: 'OK' });
    const checks = new Map([[checkKey('acme-web1', 0), ok]]);
    const live = new LiveHealth(index, checks, null);
    const before = live.problems;
    const next = new Map(checks).set(checkKey('acme-web1', 0), { ...ok, message: 'still fine' });
    live.update(next, [next.get(checkKey('acme-web1', 0)) as CheckStatus], null);
    expect(live.problems).toBe(before);
    expect(live.rollup.endpoints.get('acme-web1')?.checks[0]?.message).toBe('still fine');
  });

  it('moves group counts and the worst state as endpoints change', () => {
    const index = indexFleet(monitoredFleet());
    let checks = new Map<string, CheckStatus>();
    const live = new LiveHealth(index, checks, null);
    const put = (c: CheckStatus) => {
      checks = new Map(checks).set(checkKey(c.endpoint, c.check), c);
      live.update(checks, [c], null);
    };
    put(checkStatus('acme-web1', 0, { state: 'CRIT' }));
    put(checkStatus('acme-web2', 0, { state: 'OK' }));
    expect(live.rollup.customers.get('acme')).toEqual({
      state: 'CRIT',
      counts: { CRIT: 1, WARN: 0, UNKNOWN: 0, STALE: 0, OK: 1 },
      monitored: 2,
    });
    put(checkStatus('acme-web1', 0, { state: 'OK' }));
    expect(live.rollup.customers.get('acme')).toEqual({
      state: 'OK',
      counts: { CRIT: 0, WARN: 0, UNKNOWN: 0, STALE: 0, OK: 2 },
      monitored: 2,
    });
    expect(live.problems).toEqual([]);
  });
});

describe('source results in the rollup', () => {
  const fleet = monitoredFleet();
  const index = indexFleet(fleet);
  const result = (state: CheckState, extra: Partial<SourceResult> = {}): SourceResult => ({
    kind: 'alert',
    key: `${state}-${extra.name ?? 'x'}`,
    name: 'HighLoad',
    state,
    message: 'load 12',
    since: 100,
    silenced: false,
    series: '10.0.0.5:9100',
    ...extra,
  });
  const view = (endpoints: EndpointResults[], error: string | null = null): SourceView => ({
    prometheus_url: 'https://prom.example.net/',
    alertmanager_url: null,
    read_at: 1000,
    report: {
      took_ms: 5,
      alerts_from: 'alertmanager',
      endpoints,
      unmatched_count: 0,
      unmatched: [],
      unseen: [],
      warnings: [],
    },
    tried_at: 1030,
    error,
  });

  it('makes an endpoint as bad as the worst of its checks and its counted results', () => {
    const src = view([
      { endpoint: 'acme-web1', state: 'CRIT', results: [result('OK'), result('CRIT')] },
      { endpoint: 'acme-web2', state: 'OK', results: [result('OK')] },
    ]);
    const h = rollup(
      index,
      [checkStatus('acme-web1', 0, { state: 'WARN' }), checkStatus('acme-web2', 0, { state: 'WARN' })],
      src,
    );
    expect(h.endpoints.get('acme-web1')?.state).toBe('CRIT');
    expect(h.endpoints.get('acme-web2')?.state).toBe('WARN');
    expect(h.customers.get('acme')?.counts).toEqual({ CRIT: 1, WARN: 1, UNKNOWN: 0, STALE: 0, OK: 0 });
  });

  it('shows silenced results but does not count them', () => {
    const src = view([
      { endpoint: 'acme-web1', state: 'OK', results: [result('CRIT', { silenced: true }), result('OK')] },
    ]);
    const h = rollup(index, [checkStatus('acme-web1', 0, { state: 'OK' })], src);
    expect(h.endpoints.get('acme-web1')?.state).toBe('OK');
    expect(h.endpoints.get('acme-web1')?.source).toHaveLength(2);
    expect(problems(index, [], src)).toEqual([]);
  });

  it('counts results as STALE, not healthy or down, while the source cannot be read', () => {
    const src = view(
      [
        { endpoint: 'acme-web1', state: 'CRIT', results: [result('CRIT')] },
        { endpoint: 'acme-web2', state: 'OK', results: [result('OK')] },
      ],
      'connection refused',
    );
    const h = rollup(index, [checkStatus('acme-web2', 0, { state: 'OK' })], src);
    expect(h.endpoints.get('acme-web1')?.state).toBe('STALE');
    expect(h.endpoints.get('acme-web2')?.state).toBe('STALE');
    const list = problems(index, [], src);
    expect(list.map((p) => p.state)).toEqual(['STALE', 'STALE']);
  });

  it('counts an endpoint with no checks of its own but source results as monitored', () => {
    const h = rollup(index, [], view([{ endpoint: 'hanbit-nas', state: 'WARN', results: [result('WARN')] }]));
    expect(h.customers.get('hanbit')).toEqual({
      state: 'WARN',
      counts: { CRIT: 0, WARN: 1, UNKNOWN: 0, STALE: 0, OK: 0 },
      monitored: 1,
    });
  });

  it('lists results not OK as problems, after checks of the same state and age', () => {
    const src = view([
      {
        endpoint: 'acme-web1',
        state: 'CRIT',
        results: [result('OK'), result('CRIT', { since: 50 }), result('WARN', { since: null })],
      },
    ]);
    const list = problems(index, [checkStatus('acme-web1', 0, { state: 'CRIT', since: 50 })], src);
    expect(
      list.map((p) => ('result' in p ? `source ${String(p.index)}` : `check ${String(p.check)}`)),
    ).toEqual(['check 0', 'source 1', 'source 2']);
  });
});
