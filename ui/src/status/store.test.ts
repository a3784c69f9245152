import { effect } from '@preact/signals';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { FleetStatus, SourceChanged, SourceView, StatusChanged } from '../bindings';
import { fleet } from '../state';
import { answer } from '../test/backend';
import { checkStatus, fleetStatus, monitoredFleet } from '../test/fixtures';
import {
  applyBatch,
  checksFrom,
  fleetIndex,
  health,
  loadStatus,
  mergeChecks,
  problemList,
  resetStatus,
  snapshot,
  sourceView,
  startStatus,
  statusError,
  uptime24h,
} from './store';
import { problems, rollup } from './rollup';

const invokeMock = vi.mocked(invoke);

beforeEach(() => {
  invokeMock.mockReset();
  vi.mocked(listen).mockReset();
  fleet.value = monitoredFleet();
  resetStatus();
});

describe('mergeChecks', () => {
  it('lays a batch over the known checks by endpoint#check, leaving the old Map untouched', () => {
    const known = checksFrom([checkStatus('acme-web1', 0), checkStatus('acme-web2', 0)]);
    const next = mergeChecks(known, [
      checkStatus('acme-web1', 0, { state: 'CRIT' }),
      checkStatus('acme-gw', 1, { state: 'WARN' }),
    ]);
    expect([...next.keys()].sort()).toEqual(['acme-gw#1', 'acme-web1#0', 'acme-web2#0']);
    expect(next.get('acme-web1#0')?.state).toBe('CRIT');
    expect(known.get('acme-web1#0')?.state).toBe('OK');
    expect(known.size).toBe(2);
  });
});

describe('batches', () => {
  it('update the store once per batch, however many checks it carries', () => {
    snapshot.value = { checks: new Map(), offline: null };
    const seen: unknown[] = [];
    const stop = effect(() => {
      seen.push(snapshot.value);
    });
    seen.length = 0;
    applyBatch({
      checks: Array.from({ length: 500 }, (_, i) => checkStatus(`e${String(i)}`, 0, { state: 'WARN' })),
      offline: null,
    });
    applyBatch({
      checks: [checkStatus('acme-web1', 0, { state: 'CRIT' })],
      offline: { since: 1, reason: 'no route' },
    });
    stop();
    expect(seen).toHaveLength(2);
    expect(snapshot.value.checks.size).toBe(501);
    expect(snapshot.value.offline).toEqual({ since: 1, reason: 'no route' });
  });

  it('move the rollups and the problem list with them', () => {
    snapshot.value = {
      checks: checksFrom([checkStatus('acme-web1', 0), checkStatus('acme-web2', 0)]),
      offline: null,
    };
    expect(health.value.customers.get('acme')?.state).toBe('OK');
    expect(problemList.value).toEqual([]);

    applyBatch({ checks: [checkStatus('acme-web2', 0, { state: 'CRIT' })], offline: null });
    expect(health.value.customers.get('acme')?.state).toBe('CRIT');
    expect(problemList.value.map((c) => c.endpoint)).toEqual(['acme-web2']);

    applyBatch({ checks: [checkStatus('acme-web2', 0, { state: 'OK' })], offline: null });
    expect(problemList.value).toEqual([]);
  });
});

describe('loadStatus', () => {
  it('reads the snapshot and the 24-hour uptimes', async () => {
    answer(invokeMock, {
      fleet_status: () =>
        fleetStatus([checkStatus('acme-web1', 0, { state: 'WARN' })], {
          uptime_24h: { endpoints: {}, sites: {}, customers: { acme: 0.99 } },
        }),
    });
    await loadStatus();
    expect(snapshot.value?.checks.get('acme-web1#0')?.state).toBe('WARN');
    expect(uptime24h.value?.customers.acme).toBe(0.99);
    expect(statusError.value).toBeNull();
  });

  it('keeps batches heard during the read, unless the read already has a newer result', async () => {
    let release: (s: FleetStatus) => void = () => undefined;
    invokeMock.mockImplementation(
      () =>
        new Promise((resolve) => {
          release = resolve;
        }),
    );
    const reading = loadStatus();
    applyBatch({
      checks: [
        checkStatus('acme-web1', 0, { state: 'CRIT', last_seen: 200 }),
        checkStatus('acme-web2', 0, { state: 'CRIT', last_seen: 100 }),
      ],
      offline: { since: 150, reason: 'wifi off' },
    });
    expect(snapshot.value).toBeNull();
    release(
      fleetStatus([
        checkStatus('acme-web1', 0, { state: 'OK', last_seen: 150 }),
        checkStatus('acme-web2', 0, { state: 'OK', last_seen: 180 }),
      ]),
    );
    await reading;
    expect(snapshot.value?.checks.get('acme-web1#0')?.state).toBe('CRIT');
    expect(snapshot.value?.checks.get('acme-web2#0')?.state).toBe('OK');
    expect(snapshot.value?.offline?.reason).toBe('wifi off');
  });

  it('keeps what batches bring when the read fails, and says why', async () => {
    answer(invokeMock, {});
    const heard: { handler?: (e: { payload: StatusChanged }) => void } = {};
    vi.mocked(listen).mockImplementation((name, h) => {
      if (name === 'status-changed') heard.handler = h as typeof heard.handler;
      return Promise.resolve(() => undefined);
    });
    await startStatus();
    expect(statusError.value?.message).toContain('fleet_status');
    expect(listen).toHaveBeenCalledWith('status-changed', expect.any(Function));
    heard.handler?.({ payload: { checks: [checkStatus('acme-web1', 0, { state: 'WARN' })], offline: null } });
    expect(snapshot.value?.checks.get('acme-web1#0')?.state).toBe('WARN');
  });
});

describe('the incremental health', () => {
  const whole = () => rollup(fleetIndex.value, snapshot.value?.checks.values() ?? [], sourceView.value);
  const wholeProblems = () =>
    problems(fleetIndex.value, snapshot.value?.checks.values() ?? [], sourceView.value);

  it('follows batches, even several between two looks, like the whole computation', () => {
    const read = checksFrom([checkStatus('acme-web1', 0)]);
    snapshot.value = { checks: read, offline: null };
    expect(health.value).toEqual(whole());
    applyBatch({ checks: [checkStatus('acme-web2', 0, { state: 'WARN' })], offline: null });
    expect(health.value).toEqual(whole());
    applyBatch({ checks: [checkStatus('acme-gw', 1, { state: 'CRIT' })], offline: null });
    applyBatch({ checks: [checkStatus('acme-web2', 0, { state: 'OK' })], offline: null });
    expect(health.value).toEqual(whole());
    expect(problemList.value).toEqual(wholeProblems());
    expect(health.value.customers.get('acme')?.state).toBe('CRIT');
    // A Map the store did not make is never changed.
    expect(read.size).toBe(1);
  });

  it('computes everything again when the fleet changes', () => {
    snapshot.value = {
      checks: checksFrom([
        checkStatus('acme-web1', 0, { state: 'CRIT' }),
        checkStatus('acme-web2', 0, { state: 'WARN' }),
      ]),
      offline: null,
    };
    expect(health.value.customers.get('acme')?.state).toBe('CRIT');
    const current = monitoredFleet();
    fleet.value = { ...current, endpoints: current.endpoints.filter((e) => e.id !== 'acme-web1') };
    expect(health.value.endpoints.has('acme-web1')).toBe(false);
    expect(health.value.customers.get('acme')?.state).toBe('WARN');
    expect(problemList.value.map((p) => p.endpoint)).toEqual(['acme-web2']);
    expect(health.value).toEqual(whole());
    applyBatch({ checks: [checkStatus('acme-web1', 0, { state: 'CRIT' })], offline: null });
    expect(health.value).toEqual(whole());
  });

  it('takes the source from the read and from source-changed', async () => {
    const view = (state: 'CRIT' | 'OK', error: string | null = null): SourceView => ({
      prometheus_url: 'https://prom.example.net/',
      alertmanager_url: null,
      read_at: 100,
      report: {
        took_ms: 1,
        alerts_from: 'prometheus',
        endpoints: [
          {
            endpoint: 'hanbit-nas',
            state,
            results: [
              {
                kind: 'up',
                key: 'k',
                name: 'node',
                state,
                message: '',
                since: null,
                silenced: false,
                series: '10.20.0.5:9100',
              },
            ],
          },
        ],
        unmatched_count: 0,
        unmatched: [],
        unseen: [],
        warnings: [],
      },
      tried_at: 100,
      error,
    });
    const heard: { source?: (e: { payload: SourceChanged }) => void } = {};
    vi.mocked(listen).mockImplementation((name, h) => {
      if (name === 'source-changed') heard.source = h as typeof heard.source;
      return Promise.resolve(() => undefined);
    });
    answer(invokeMock, { fleet_status: () => fleetStatus([], { source: view('OK') }) });
    await startStatus();
    expect(health.value.customers.get('hanbit')?.state).toBe('OK');
    heard.source?.({ payload: { source: view('CRIT') } });
    expect(health.value.customers.get('hanbit')?.state).toBe('CRIT');
    expect(problemList.value).toEqual(wholeProblems());
    heard.source?.({ payload: { source: view('CRIT', 'timed out') } });
    expect(health.value.endpoints.get('hanbit-nas')?.state).toBe('STALE');
    heard.source?.({ payload: { source: null } });
    expect(health.value.customers.has('hanbit')).toBe(false);
    expect(health.value).toEqual(whole());
  });
});
