import { describe, expect, it } from 'vitest';
import type { CheckState, Fleet } from '../bindings';
import { checkStatus, customer, endpoint, monitoredFleet, site } from '../test/fixtures';
import {
  compareProblems,
  customersByHealth,
  filterChecks,
  indexFleet,
  NO_STATUS_FILTER,
  problems,
  problemKey,
  rollup,
  type Problem,
  severity,
  worse,
  worst,
} from './rollup';

const ids = (list: Problem[]) => list.map(problemKey);

describe('severity', () => {
  it('orders CRIT > WARN > UNKNOWN > STALE > OK', () => {
    const states: CheckState[] = ['OK', 'STALE', 'UNKNOWN', 'WARN', 'CRIT'];
    expect([...states].sort((a, b) => severity(b) - severity(a))).toEqual([
      'CRIT',
      'WARN',
      'UNKNOWN',
      'STALE',
      'OK',
    ]);
  });

  it.each<[CheckState[], CheckState | null]>([
    [[], null],
    [['OK'], 'OK'],
    [['OK', 'STALE'], 'STALE'],
    [['STALE', 'UNKNOWN', 'OK'], 'UNKNOWN'],
    [['WARN', 'UNKNOWN'], 'WARN'],
    [['OK', 'CRIT', 'WARN'], 'CRIT'],
  ])('the worst of %j is %s', (states, expected) => {
    expect(worst(states)).toBe(expected);
  });

  it('lets any state win over nothing known', () => {
    expect(worse(null, 'OK')).toBe('OK');
    expect(worse('STALE', null)).toBe('STALE');
    expect(worse(null, null)).toBeNull();
  });
});

describe('rollup', () => {
  const fleet = monitoredFleet();
  const index = indexFleet(fleet);

  it('takes the worst check per endpoint and counts endpoints per state per site and customer', () => {
    const h = rollup(index, [
      checkStatus('acme-gw', 0, { state: 'OK' }),
      checkStatus('acme-gw', 1, { state: 'WARN' }),
      checkStatus('acme-web1', 0, { state: 'CRIT' }),
      checkStatus('acme-web2', 0, { state: 'OK' }),
      checkStatus('acme-pos1', 0, { state: 'STALE' }),
      checkStatus('hanbit-nas', 0, { state: 'UNKNOWN', kind: 'tcp' }),
    ]);
    expect(h.endpoints.get('acme-gw')?.state).toBe('WARN');
    expect(h.endpoints.get('acme-gw')?.checks.map((c) => c?.state)).toEqual(['OK', 'WARN']);
    expect(h.endpoints.get('acme-web1')?.state).toBe('CRIT');
    expect(h.endpoints.has('acme-web3')).toBe(false);

    expect(h.sites.get('acme-hq')).toEqual({
      state: 'CRIT',
      counts: { CRIT: 1, WARN: 1, UNKNOWN: 0, STALE: 0, OK: 1 },
      monitored: 3,
    });
    expect(h.sites.get('acme-store')?.state).toBe('STALE');
    expect(h.customers.get('acme')).toEqual({
      state: 'CRIT',
      counts: { CRIT: 1, WARN: 1, UNKNOWN: 0, STALE: 1, OK: 1 },
      monitored: 4,
    });
    expect(h.customers.get('hanbit')?.state).toBe('UNKNOWN');
  });

  it('leaves out statuses of endpoints or checks the fleet no longer has', () => {
    const h = rollup(index, [
      checkStatus('gone', 0, { state: 'CRIT' }),
      checkStatus('acme-web1', 3, { state: 'CRIT' }),
      checkStatus('acme-web1', 0, { state: 'OK' }),
    ]);
    expect(h.endpoints.has('gone')).toBe(false);
    expect(h.endpoints.get('acme-web1')?.state).toBe('OK');
    expect(h.customers.get('acme')?.state).toBe('OK');
  });
});

describe('the problem list', () => {
  const index = indexFleet(monitoredFleet());

  it('holds every check not OK: worst first, then the oldest, then by endpoint and check', () => {
    const list = problems(index, [
      checkStatus('acme-web1', 0, { state: 'WARN', since: 300 }),
      checkStatus('acme-web2', 0, { state: 'OK', since: 1 }),
      checkStatus('acme-web3', 0, { state: 'CRIT', since: 500 }),
      checkStatus('acme-web4', 0, { state: 'CRIT', since: 100 }),
      checkStatus('acme-web5', 0, { state: 'STALE', since: 1 }),
      checkStatus('acme-web6', 0, { state: 'UNKNOWN', since: 1 }),
      checkStatus('acme-gw', 1, { state: 'WARN', since: 300 }),
      checkStatus('acme-gw', 0, { state: 'WARN', since: 300 }),
      checkStatus('gone', 0, { state: 'CRIT', since: 1 }),
    ]);
    expect(ids(list)).toEqual([
      'acme-web4#0',
      'acme-web3#0',
      'acme-gw#0',
      'acme-gw#1',
      'acme-web1#0',
      'acme-web6#0',
      'acme-web5#0',
    ]);
  });

  it('compares the same check as equal', () => {
    const c = checkStatus('acme-web1', 0, { state: 'CRIT' });
    expect(compareProblems(c, { ...c })).toBe(0);
  });
});

describe('filters', () => {
  const index = indexFleet(monitoredFleet());
  const list = [
    checkStatus('acme-gw', 0, { state: 'CRIT', kind: 'ping', message: 'no reply from 10.0.0.1' }),
    checkStatus('acme-web1', 0, { state: 'WARN', message: 'slow: 2400 ms' }),
    checkStatus('acme-pos2', 0, { state: 'WARN', kind: 'tcp', message: 'port 443 refused' }),
    checkStatus('hanbit-nas', 0, { state: 'CRIT', kind: 'tcp', message: '연결 시간 초과' }),
  ];

  it.each<[string, Partial<typeof NO_STATUS_FILTER>, string[]]>([
    ['nothing', {}, ['acme-gw#0', 'acme-web1#0', 'acme-pos2#0', 'hanbit-nas#0']],
    ['a state', { state: 'WARN' }, ['acme-web1#0', 'acme-pos2#0']],
    ['a tag', { tag: 'pos' }, ['acme-pos2#0']],
    ['a Korean tag', { tag: '백업' }, ['hanbit-nas#0']],
    ['a customer', { customer: 'hanbit' }, ['hanbit-nas#0']],
    ['state and customer', { state: 'CRIT', customer: 'acme' }, ['acme-gw#0']],
    ['text in the message', { query: 'REFUSED' }, ['acme-pos2#0']],
    ['text in the endpoint name', { query: 'gateway' }, ['acme-gw#0']],
    ['text in the customer name', { query: '한빛' }, ['hanbit-nas#0']],
    ['Korean initials', { query: 'ㅍㅇ' }, ['hanbit-nas#0']],
    ['the check kind', { query: 'ping' }, ['acme-gw#0']],
    ['a tag as text', { query: 'web' }, ['acme-web1#0']],
    ['nothing matching', { query: 'zzz' }, []],
  ])('by %s', (_name, filter, expected) => {
    expect(ids(filterChecks(list, { ...NO_STATUS_FILTER, ...filter }, index))).toEqual(expected);
  });
});

describe('customers by health', () => {
  it('puts the worst first, then by name, and customers with nothing checked last', () => {
    const fleet: Fleet = {
      customers: [
        customer('a', 'Alpha'),
        customer('b', 'Beta'),
        customer('c', 'Gamma'),
        customer('d', 'Delta'),
      ],
      sites: ['a', 'b', 'c', 'd'].map((id) => site(`${id}-s`, id, 'Site')),
      endpoints: ['a', 'b', 'c', 'd'].map((id) =>
        endpoint(`${id}-e`, `${id}-s`, { checks: [{ kind: 'ping', params: {} }] }),
      ),
    };
    const h = rollup(indexFleet(fleet), [
      checkStatus('a-e', 0, { state: 'OK' }),
      checkStatus('b-e', 0, { state: 'CRIT' }),
      checkStatus('c-e', 0, { state: 'OK' }),
    ]);
    expect(customersByHealth(fleet, h).map((c) => c.id)).toEqual(['b', 'a', 'c', 'd']);
  });
});

describe('a fleet of 10,000 endpoints', () => {
  // A sanity check of the pure functions' cost (they run once per batch), not a benchmark:
  // generous bounds, so a slow CI machine passes and an accidental O(n²) does not.
  const STATES: CheckState[] = ['OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'WARN', 'CRIT', 'UNKNOWN', 'STALE'];
  const customers = Array.from({ length: 200 }, (_, i) => customer(`c${String(i)}`, `Customer ${String(i)}`));
  const sites = customers.flatMap((c) =>
    [0, 1].map((j) => site(`${c.id}-s${String(j)}`, c.id, `Site ${String(j)}`)),
  );
  const endpoints = Array.from({ length: 10_000 }, (_, i) =>
    endpoint(`e${String(i)}`, sites[i % sites.length]?.id ?? '', {
      tags: [i % 3 === 0 ? 'web' : 'db'],
      checks: [
        { kind: 'ping', params: {} },
        { kind: 'http', params: {} },
        { kind: 'tcp', params: {} },
      ],
    }),
  );
  const fleet: Fleet = { customers, sites, endpoints };
  const checks = endpoints.flatMap((e, i) =>
    [0, 1, 2].map((k) =>
      checkStatus(e.id, k, {
        state: STATES[(i + k * 7) % STATES.length] ?? 'OK',
        since: (i * 37 + k) % 5000,
      }),
    ),
  );

  it('rolls up, sorts and filters 30,000 checks quickly', () => {
    const started = performance.now();
    const index = indexFleet(fleet);
    const h = rollup(index, checks);
    const list = problems(index, checks);
    const narrowed = filterChecks(
      list,
      { ...NO_STATUS_FILTER, state: 'CRIT', tag: 'web', query: 'e1' },
      index,
    );
    const took = performance.now() - started;

    expect(h.endpoints.size).toBe(10_000);
    expect(h.customers.size).toBe(200);
    expect([...h.customers.values()].reduce((n, g) => n + g.monitored, 0)).toBe(10_000);
    expect(list.length).toBe(checks.filter((c) => c.state !== 'OK').length);
    expect(list[0]?.state).toBe('CRIT');
    expect(list[list.length - 1]?.state).toBe('STALE');
    expect(narrowed.every((c) => c.state === 'CRIT')).toBe(true);
    expect(took).toBeLessThan(1500);
  });
});
