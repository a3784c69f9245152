import { effect } from '@preact/signals';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { FleetStatus, StatusChanged } from '../bindings';
import { fleet } from '../state';
import { answer } from '../test/backend';
import { checkStatus, fleetStatus, monitoredFleet } from '../test/fixtures';
import {
  applyBatch,
  checksFrom,
  health,
  loadStatus,
  mergeChecks,
  problemList,
  snapshot,
  startStatus,
  statusError,
  uptime24h,
} from './store';

const invokeMock = vi.mocked(invoke);

beforeEach(() => {
  invokeMock.mockReset();
  vi.mocked(listen).mockReset();
  fleet.value = monitoredFleet();
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
    vi.mocked(listen).mockImplementation((_name, h) => {
      heard.handler = h as typeof heard.handler;
      return Promise.resolve(() => undefined);
    });
    await startStatus();
    expect(statusError.value?.message).toContain('fleet_status');
    expect(listen).toHaveBeenCalledWith('status-changed', expect.any(Function));
    heard.handler?.({ payload: { checks: [checkStatus('acme-web1', 0, { state: 'WARN' })], offline: null } });
    expect(snapshot.value?.checks.get('acme-web1#0')?.state).toBe('WARN');
  });
});
