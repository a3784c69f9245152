import { act, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { ConnectionView, SyncReport } from '../bindings';
import { applyLanguage } from '../i18n';
import { section } from '../state';
import { answer, type Handlers } from '../test/backend';
import { connectionConfig, connectionView, sampleFleet, syncConflict, syncReport } from '../test/fixtures';
import { App } from './App';

const invokeMock = vi.mocked(invoke);
const NOW = new Date(2026, 10, 24, 10, 0).getTime();
const at = (h: number, m: number) => new Date(2026, 10, 24, h, m).toISOString();
let syncChanged: ((report: SyncReport) => void) | null = null;

function start(handlers: Handlers) {
  answer(invokeMock, {
    get_settings: () => ({ language: 'en' }),
    fleet_snapshot: () => sampleFleet(),
    sync_conflicts: () => [],
    app_info: () => ({
      version: '0.1.0',
      data_dir: '/data',
      database: '/data/db',
      schema_version: 9,
      restored: null,
    }),
    ...handlers,
  });
  render(<App />);
}

beforeEach(() => {
  invokeMock.mockReset();
  syncChanged = null;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  vi.mocked(listen).mockImplementation((event, handler) => {
    if (event === 'sync-changed') {
      syncChanged = (payload) => {
        handler({ event: 'sync-changed', id: 3, payload });
      };
    }
    return Promise.resolve(() => undefined);
  });
});

afterEach(() => {
  vi.useRealTimers();
});

// Preact runs effects up to 35 ms after a render; let the last ones run before jsdom is
// torn down (else they fail on a missing cancelAnimationFrame).
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
});

describe('the sync status indicator', () => {
  it('is not there without connections', async () => {
    start({ connections: () => [] });
    await screen.findByTestId('tree-customer-acme');
    await waitFor(() => {
      expect(invokeMock).toHaveBeenCalledWith('connections', {});
    });
    expect(screen.queryByTestId('sync-indicator')).toBeNull();
  });

  it('says when it last synced and what waits, and leads to the connection settings', async () => {
    start({ connections: () => [connectionView({ last_success: at(9, 14), waiting: 3 })] });
    const indicator = await screen.findByTestId('sync-indicator');
    expect(indicator.textContent).toBe('Synced 09:14 · 3 waiting');
    expect(indicator.getAttribute('data-state')).toBe('ok');
    expect(screen.queryByTestId('sync-indicator-conflicts')).toBeNull();
    fireEvent.click(indicator);
    expect(section.value).toBe('settings');
    expect((await screen.findByTestId('connection-status-rt')).textContent).toContain('3 changes waiting');
    await waitFor(() => {
      expect(document.activeElement?.textContent).toBe('Helpdesk connections');
    });
  });

  it('says why the last sync failed, as text', async () => {
    start({
      connections: () => [
        connectionView({ last_success: at(9, 14), last_error: 'rt.example.com: <b>timed out</b>' }),
      ],
    });
    const indicator = await screen.findByTestId('sync-indicator');
    expect(indicator.textContent).toBe('Sync failed: rt.example.com: <b>timed out</b>');
    expect(indicator.getAttribute('data-state')).toBe('failed');
    expect(indicator.querySelector('b')).toBeNull();
  });

  it('counts conflicts and leads to them', async () => {
    start({
      connections: () => [connectionView({ last_success: at(9, 14), conflicts: 2 })],
      sync_conflicts: () => [syncConflict(5), syncConflict(6, { ticket: 8 })],
      sla_board: () => ({ now: '', now_ms: NOW, configured: true, rows: [], total: 0 }),
    });
    const conflicts = await screen.findByTestId('sync-indicator-conflicts');
    expect(conflicts.textContent).toBe('2 conflicts');
    fireEvent.click(conflicts);
    expect(section.value).toBe('sla');
    expect(await screen.findByTestId('conflict-5')).toBeTruthy();
  });

  it('follows every sync run', async () => {
    let views: ConnectionView[] = [connectionView({ last_success: at(9, 14), waiting: 1 })];
    start({ connections: () => views });
    const indicator = await screen.findByTestId('sync-indicator');
    expect(indicator.textContent).toBe('Synced 09:14 · 1 waiting');
    views = [
      connectionView({ last_success: at(9, 14), waiting: 1 }),
      connectionView(
        { last_success: at(9, 58), last_error: 'token refused' },
        { config: connectionConfig({ name: 'rt2' }) },
      ),
    ];
    await waitFor(() => {
      expect(syncChanged).not.toBeNull();
    });
    await act(() => {
      syncChanged?.(syncReport({ connection: 'rt2', error: 'token refused' }));
    });
    await waitFor(() => {
      expect(indicator.textContent).toBe('Sync failed: rt2: token refused');
    });
  });

  it('speaks Korean', async () => {
    start({
      get_settings: () => ({ language: 'ko' }),
      connections: () => [connectionView({ last_success: at(9, 14), waiting: 3, conflicts: 1 })],
    });
    await waitFor(() => {
      expect(screen.getByTestId('sync-indicator').textContent).toBe('09:14 동기화됨 · 3건 대기');
    });
    expect(screen.getByTestId('sync-indicator-conflicts').textContent).toBe('충돌 1건');
    applyLanguage('en');
  });
});
