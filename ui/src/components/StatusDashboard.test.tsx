import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { CheckStatus, Fleet, FleetStatus, HistoryPoint, StatusChanged } from '../bindings';
import { buildTree } from '../fleet/tree';
import { applyLanguage } from '../i18n';
import { collapsed, fleet as fleetSignal, reveal, selection } from '../state';
import { applyBatch, checksFrom, snapshot } from '../status/store';
import { answer, fail, type Handlers } from '../test/backend';
import {
  checkStatus,
  customer,
  endpoint,
  fleetStatus,
  monitoredFleet,
  site,
  STATUS_NOW_S,
} from '../test/fixtures';
import { App } from './App';
import { PROBLEM_ROW_HEIGHT, ProblemList } from './ProblemList';
import { StatusTiles } from './StatusTiles';
import { focusRow, Tree, TREE_ROW_HEIGHT } from './Tree';

const invokeMock = vi.mocked(invoke);
let statusChanged: ((payload: StatusChanged) => void) | null = null;
let fleetChanged: (() => void) | null = null;

const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script><b>bold</b>';

/** ACME: web1 critical for 12 minutes, the gateway's http check warning, everything else OK. */
function acmeStatus(extra: Partial<FleetStatus> = {}): FleetStatus {
  const fleet = monitoredFleet();
  const checks: CheckStatus[] = fleet.endpoints
    .filter((e) => e.id.startsWith('acme-'))
    .flatMap((e) => e.checks.map((_, i) => checkStatus(e.id, i, { kind: e.checks[i]?.kind ?? 'http' })));
  const put = (c: CheckStatus) => {
    const at = checks.findIndex((x) => x.endpoint === c.endpoint && x.check === c.check);
    checks[at] = c;
  };
  put(
    checkStatus('acme-web1', 0, {
      state: 'CRIT',
      since: STATUS_NOW_S - 12 * 60,
      latency_ms: null,
      message: 'connection refused',
      flapping: true,
    }),
  );
  put(
    checkStatus('acme-gw', 1, {
      state: 'WARN',
      since: STATUS_NOW_S - 3 * 3600,
      latency_ms: 840,
      message: 'slow answer: 840 ms',
      quiet: 'maintenance window',
    }),
  );
  return fleetStatus(checks, {
    uptime_24h: { endpoints: {}, sites: {}, customers: { acme: 0.99931, hanbit: 1 } },
    ...extra,
  });
}

function history(): HistoryPoint[] {
  return Array.from({ length: 24 }, (_, i) => ({
    at: STATUS_NOW_S - (24 - i) * 3600,
    state: i === 20 ? 'CRIT' : 'OK',
    latency_ms: i === 20 ? null : 20 + i,
    latency_max_ms: i === 20 ? null : 40 + i,
    up: i === 20 ? 0 : 1,
  }));
}

function start(handlers: Handlers = {}) {
  answer(invokeMock, {
    get_settings: () => ({ language: 'en' }),
    fleet_snapshot: () => monitoredFleet(),
    connections: () => [],
    sync_conflicts: () => [],
    fleet_status: () => acmeStatus(),
    status_history: () => history(),
    uptime: ({ windowHours }) => ({
      endpoints: { 'acme-web1': windowHours === 24 ? 0.95 : windowHours === 168 ? 0.99 : 0.995 },
      sites: {},
      customers: { acme: 0.999 },
    }),
    ...handlers,
  });
  render(<App />);
}

function rowIds(): string[] {
  return [...screen.getByTestId('status-problems').querySelectorAll<HTMLElement>('[role=option]')].map(
    (el) => el.dataset.testid ?? '',
  );
}

beforeEach(() => {
  invokeMock.mockReset();
  statusChanged = null;
  fleetChanged = null;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(STATUS_NOW_S * 1000);
  vi.mocked(listen).mockImplementation((event, handler) => {
    if (event === 'status-changed') {
      statusChanged = (payload) => {
        handler({ event: 'status-changed', id: 5, payload });
      };
    }
    if (event === 'fleet-changed') {
      fleetChanged = () => {
        handler({ event: 'fleet-changed', id: 1, payload: { revision: 2 } });
      };
    }
    return Promise.resolve(() => undefined);
  });
});

afterEach(() => {
  vi.useRealTimers();
});

// Preact runs effects up to 35 ms after a render; let the last ones run before jsdom goes.
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
});

describe('the dashboard', () => {
  it('shows a tile per customer, worst first, with its counts and 24 h uptime', async () => {
    start();
    const acme = await screen.findByTestId('status-tile-acme');
    await waitFor(() => {
      expect(acme.getAttribute('data-state')).toBe('CRIT');
    });
    expect(acme.textContent).toContain('ACME Corp');
    expect(acme.textContent).toContain('1 Critical');
    expect(acme.textContent).toContain('1 Warning');
    expect(acme.textContent).toContain('12 OK');
    expect(acme.textContent).toContain('24 h uptime 99.93%');

    const hanbit = screen.getByTestId('status-tile-hanbit');
    // Its endpoint has a check, which has not reported yet.
    expect(hanbit.getAttribute('data-state')).toBe('NONE');
    expect(hanbit.textContent).toContain('Not checked yet');
    expect(hanbit.textContent).not.toContain('No checks');
    const tiles = [...screen.getByTestId('status-tiles').querySelectorAll('[data-testid^=status-tile-]')];
    expect(tiles.map((t) => t.getAttribute('data-testid'))).toEqual([
      'status-tile-acme',
      'status-tile-hanbit',
    ]);
  });

  it('puts a state badge with its word on tree rows', async () => {
    start();
    const badge = await screen.findByTestId('tree-state-acme-web1');
    expect(badge.getAttribute('data-state')).toBe('CRIT');
    expect(badge.textContent).toBe('Critical');
    expect(screen.getByTestId('tree-state-acme-gw').textContent).toBe('Warning');
    expect(screen.getByTestId('tree-state-acme-web2').textContent).toBe('OK');
    expect(screen.queryByTestId('tree-state-hanbit-nas')).toBeNull();
    // The rows and their test ids are those of the inventory, as before.
    expect(within(screen.getByTestId('tree-endpoint-acme-web1')).getByTestId('tree-state-acme-web1')).toBe(
      badge,
    );
  });

  it('lists problems worst first, then the oldest; a click shows the endpoint and its checks', async () => {
    start();
    await screen.findByTestId('status-problem-acme-web1-0');
    expect(rowIds()).toEqual(['status-problem-acme-web1-0', 'status-problem-acme-gw-1']);
    const row = screen.getByTestId('status-problem-acme-web1-0');
    expect(row.getAttribute('data-state')).toBe('CRIT');
    expect(row.textContent).toContain('web1');
    expect(row.textContent).toContain('connection refused');
    expect(row.textContent).toContain('for 12 min');

    fireEvent.click(row);
    expect(screen.getByTestId('detail-title').textContent).toBe('web1');
    expect(row.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByTestId('tree-endpoint-acme-web1').getAttribute('aria-selected')).toBe('true');
    const check = screen.getByTestId('status-check-acme-web1-0');
    expect(check.getAttribute('data-state')).toBe('CRIT');
    expect(check.textContent).toContain('for 12 min');
    expect(check.textContent).toContain('since 14:00');
    expect(check.textContent).toContain('Flapping');
    expect(screen.getByTestId('status-message-acme-web1-0').textContent).toBe('connection refused');

    const latency = await screen.findByTestId('status-chart-latency');
    expect(latency.querySelector('path.line')?.getAttribute('d')).toMatch(/^M/);
    // The critical hour breaks the line in two.
    expect(latency.querySelector('path.line')?.getAttribute('d')?.split('M').length).toBe(3);
    const strip = screen.getByTestId('status-chart-uptime');
    expect(strip.querySelectorAll('rect.seg').length).toBe(24);
    expect(strip.querySelectorAll('rect.seg[data-state=CRIT]').length).toBe(1);
    expect(invokeMock).toHaveBeenCalledWith('status_history', {
      endpoint: 'acme-web1',
      check: 0,
      fromS: STATUS_NOW_S - 86400,
      toS: STATUS_NOW_S,
    });
    await waitFor(() => {
      expect(screen.getByTestId('status-uptime-24').textContent).toBe('95.00%');
    });
    expect(screen.getByTestId('status-uptime-168').textContent).toBe('99.00%');
    expect(screen.getByTestId('status-uptime-720').textContent).toBe('99.50%');
    // Inventory details are still there below.
    expect(screen.getByTestId('detail-host').textContent).toBe('acme-web1.example.net');
  });

  it('shows a quiet check and lets the charts switch between checks', async () => {
    start();
    fireEvent.click(await screen.findByTestId('status-problem-acme-gw-1'));
    expect(screen.getByTestId('status-check-acme-gw-0').getAttribute('data-state')).toBe('OK');
    expect(screen.getByTestId('status-check-acme-gw-1').textContent).toContain(
      'Alerts held: maintenance window',
    );
    expect(screen.getByTestId('status-check-acme-gw-1').textContent).toContain('840 ms');
    const which = screen.getByTestId<HTMLSelectElement>('status-chart-check');
    expect(which.value).toBe('1');
    fireEvent.change(which, { target: { value: '0' } });
    await waitFor(() => {
      expect(invokeMock).toHaveBeenCalledWith(
        'status_history',
        expect.objectContaining({ endpoint: 'acme-gw', check: 0 }),
      );
    });
  });

  it('merges each batch: rows, tiles and tree badges follow', async () => {
    start();
    await screen.findByTestId('status-problem-acme-web1-0');
    await waitFor(() => {
      expect(statusChanged).not.toBeNull();
    });
    await act(() => {
      statusChanged?.({
        checks: [
          checkStatus('acme-web1', 0, { state: 'OK' }),
          checkStatus('acme-pos2', 0, {
            state: 'CRIT',
            since: STATUS_NOW_S - 60,
            message: 'port 443 closed',
          }),
          checkStatus('hanbit-nas', 0, { state: 'UNKNOWN', kind: 'tcp', since: STATUS_NOW_S - 7200 }),
        ],
        offline: null,
      });
    });
    expect(rowIds()).toEqual([
      'status-problem-acme-pos2-0',
      'status-problem-acme-gw-1',
      'status-problem-hanbit-nas-0',
    ]);
    expect(screen.getByTestId('tree-state-acme-web1').getAttribute('data-state')).toBe('OK');
    expect(screen.getByTestId('tree-state-hanbit-nas').textContent).toBe('Unknown');
    expect(screen.getByTestId('status-tile-hanbit').getAttribute('data-state')).toBe('UNKNOWN');
    expect(screen.getByTestId('status-tile-acme').textContent).toContain('1 Critical');
  });

  it('reads the status again after a fleet change', async () => {
    start();
    await screen.findByTestId('status-problem-acme-web1-0');
    const reads = () => invokeMock.mock.calls.filter(([cmd]) => cmd === 'fleet_status').length;
    expect(reads()).toBe(1);
    await act(() => {
      fleetChanged?.();
    });
    await waitFor(() => {
      expect(reads()).toBe(2);
    });
  });

  it('filters by state, tag, text and customer (a tile)', async () => {
    start({
      fleet_status: () =>
        acmeStatus({
          checks: [
            ...acmeStatus().checks.filter((c) => c.endpoint !== 'acme-pos1'),
            checkStatus('acme-pos1', 0, { state: 'WARN', message: 'card reader offline' }),
            checkStatus('hanbit-nas', 0, { state: 'CRIT', kind: 'tcp', message: '연결 시간 초과' }),
          ],
        }),
    });
    await screen.findByTestId('status-problem-acme-web1-0');
    expect(rowIds()).toHaveLength(4);

    fireEvent.change(screen.getByTestId('status-filter-state'), { target: { value: 'WARN' } });
    expect(rowIds()).toEqual(['status-problem-acme-gw-1', 'status-problem-acme-pos1-0']);
    expect(screen.getByTestId('status-problems-count').textContent).toBe('2 of 4');

    fireEvent.change(screen.getByTestId('status-filter-tag'), { target: { value: 'pos' } });
    expect(rowIds()).toEqual(['status-problem-acme-pos1-0']);

    fireEvent.change(screen.getByTestId('status-filter-state'), { target: { value: '' } });
    fireEvent.change(screen.getByTestId('status-filter-tag'), { target: { value: '' } });
    fireEvent.input(screen.getByTestId('status-filter-text'), { target: { value: 'reader' } });
    expect(rowIds()).toEqual(['status-problem-acme-pos1-0']);
    fireEvent.input(screen.getByTestId('status-filter-text'), { target: { value: 'nothing like it' } });
    expect(rowIds()).toEqual([]);
    expect(screen.getByTestId('status-problems-none').textContent).toContain('Nothing matches the filters.');
    fireEvent.click(within(screen.getByTestId('status-problems-none')).getByRole('button'));
    expect(rowIds()).toHaveLength(4);

    fireEvent.click(screen.getByTestId('status-tile-hanbit'));
    expect(rowIds()).toEqual(['status-problem-hanbit-nas-0']);
    expect(screen.getByTestId('status-tile-hanbit').getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('detail-title').textContent).toBe('한빛 물산');
    expect(screen.getByTestId('status-filter-customer').textContent).toContain('한빛 물산');
    // The same tile again shows every customer.
    fireEvent.click(screen.getByTestId('status-tile-hanbit'));
    expect(rowIds()).toHaveLength(4);

    // The tree keeps its own filters.
    fireEvent.change(screen.getByTestId('status-filter-state'), { target: { value: 'CRIT' } });
    expect(screen.getByTestId('tree-endpoint-acme-web2')).toBeTruthy();
  });

  it('lists healthy checks when OK is the chosen state', async () => {
    start();
    await screen.findByTestId('status-problem-acme-web1-0');
    fireEvent.change(screen.getByTestId('status-filter-state'), { target: { value: 'OK' } });
    expect(rowIds()).toHaveLength(13);
    expect(screen.getByTestId('status-pane').textContent).toContain('Healthy checks');
  });

  it('says so when nothing is wrong', async () => {
    start({ fleet_status: () => fleetStatus([checkStatus('acme-web1', 0)]) });
    expect((await screen.findByTestId('status-problems-none')).textContent).toBe(
      'No problems: every check is OK.',
    );
    expect(screen.getByTestId('status-problems')).toBeTruthy();
  });

  it('walks the problems with the arrow keys', async () => {
    start();
    await screen.findByTestId('status-problem-acme-web1-0');
    const list = screen.getByTestId('status-problems');
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(screen.getByTestId('detail-title').textContent).toBe('web1');
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(screen.getByTestId('detail-title').textContent).toBe('HQ gateway');
    expect(list.getAttribute('aria-activedescendant')).toBe('problem-1');
    fireEvent.keyDown(list, { key: 'Home' });
    expect(screen.getByTestId('detail-title').textContent).toBe('web1');
  });
});

describe('a customer tile with no state yet', () => {
  /** ACME has checks, Nova has endpoints without checks, Vega has no endpoints at all. */
  function tileFleet(): Fleet {
    const base = monitoredFleet();
    return {
      customers: [customer('acme', 'ACME Corp'), customer('nova', 'Nova Clinic'), customer('vega', 'Vega')],
      sites: [...base.sites.filter((s) => s.customer === 'acme'), site('nova-1', 'nova', 'Clinic')],
      endpoints: [...base.endpoints.filter((e) => e.id.startsWith('acme-')), endpoint('nova-pc', 'nova-1')],
    };
  }

  it('says "Not checked yet" while its checks have not reported, "No checks" when it has none', async () => {
    fleetSignal.value = tileFleet();
    snapshot.value = { checks: new Map(), offline: null };
    render(<StatusTiles />);
    expect(screen.getByTestId('status-tile-acme').textContent).toContain('Not checked yet');
    expect(screen.getByTestId('status-tile-acme').getAttribute('data-state')).toBe('NONE');
    expect(screen.getByTestId('status-tile-nova').textContent).toContain('No checks');
    expect(screen.getByTestId('status-tile-vega').textContent).toContain('No checks');

    // The first result replaces the wording with its state.
    await act(() => {
      snapshot.value = { checks: checksFrom([checkStatus('acme-web1', 0)]), offline: null };
    });
    expect(screen.getByTestId('status-tile-acme').getAttribute('data-state')).toBe('OK');
    expect(screen.getByTestId('status-tile-acme').textContent).not.toContain('Not checked yet');
  });

  it('speaks Korean', () => {
    applyLanguage('ko');
    fleetSignal.value = tileFleet();
    render(<StatusTiles />);
    expect(screen.getByTestId('status-tile-acme').textContent).toContain('아직 점검 전');
    expect(screen.getByTestId('status-tile-nova').textContent).toContain('점검 없음');
  });
});

describe('the offline banner', () => {
  it('says since when the laptop is offline, and goes once it is back', async () => {
    const since = Math.floor(new Date(2026, 10, 24, 14, 2).getTime() / 1000);
    start({ fleet_status: () => acmeStatus({ offline: { since, reason: 'no network (wlan0 down)' } }) });
    const banner = await screen.findByTestId('status-banner-offline');
    expect(banner.textContent).toContain('Offline since 14:02.');
    expect(banner.textContent).toContain('no network (wlan0 down)');
    await waitFor(() => {
      expect(statusChanged).not.toBeNull();
    });
    await act(() => {
      statusChanged?.({ checks: [], offline: null });
    });
    expect(screen.queryByTestId('status-banner-offline')).toBeNull();
  });

  it('speaks Korean', async () => {
    const since = Math.floor(new Date(2026, 10, 24, 14, 2).getTime() / 1000);
    start({
      get_settings: () => ({ language: 'ko' }),
      fleet_status: () => acmeStatus({ offline: { since, reason: '' } }),
    });
    await waitFor(() => {
      expect(screen.getByTestId('status-banner-offline').textContent).toContain('14:02부터 오프라인입니다.');
    });
  });
});

describe('hostile text', () => {
  it('shows a message with markup as literal text and creates no element from it', async () => {
    const since = STATUS_NOW_S - 60;
    start({
      fleet_status: () =>
        fleetStatus([checkStatus('acme-web1', 0, { state: 'CRIT', message: HOSTILE, quiet: HOSTILE })], {
          offline: { since, reason: HOSTILE },
        }),
    });
    const row = await screen.findByTestId('status-problem-acme-web1-0');
    expect(row.textContent).toContain(HOSTILE);
    fireEvent.click(row);
    expect(screen.getByTestId('status-message-acme-web1-0').textContent).toBe(HOSTILE);
    expect(screen.getByTestId('status-check-acme-web1-0').textContent).toContain(`Alerts held: ${HOSTILE}`);
    expect(screen.getByTestId('status-banner-offline').textContent).toContain(HOSTILE);
    expect(document.querySelector('img, script, b')).toBeNull();
    expect(screen.getByTestId('status-message-acme-web1-0').children).toHaveLength(0);
  });
});

describe('a failed status read', () => {
  it('stays in the problems pane, leaves the inventory working, and can be retried', async () => {
    let failing = true;
    start({
      fleet_status: () => (failing ? fail({ kind: 'Store', message: 'monitor not running' }) : acmeStatus()),
    });
    const error = await screen.findByTestId('status-error');
    expect(error.textContent).toContain('Could not read the fleet status: monitor not running');
    expect(screen.queryByTestId('error-banner')).toBeNull();
    fireEvent.click(screen.getByTestId('tree-endpoint-acme-web2'));
    expect(screen.getByTestId('detail-title').textContent).toBe('web2');

    failing = false;
    fireEvent.click(within(error).getByRole('button'));
    expect(await screen.findByTestId('status-problem-acme-web1-0')).toBeTruthy();
    expect(screen.queryByTestId('status-error')).toBeNull();
  });
});

describe('virtualization', () => {
  function bigFleet(n: number): Fleet {
    return {
      customers: [customer('big', 'Big Co')],
      sites: [site('big-dc', 'big', 'Data centre')],
      endpoints: Array.from({ length: n }, (_, i) =>
        endpoint(`e${String(i)}`, 'big-dc', { checks: [{ kind: 'ping', params: {} }] }),
      ),
    };
  }

  it('keeps only a few dozen of 10,000 problem rows in the DOM, and follows the scroll', () => {
    fleetSignal.value = bigFleet(10_000);
    snapshot.value = {
      checks: checksFrom(
        Array.from({ length: 10_000 }, (_, i) =>
          checkStatus(`e${String(i)}`, 0, { state: 'CRIT', kind: 'ping', since: 1000 + i }),
        ),
      ),
      offline: null,
    };
    render(<ProblemList />);
    const list = screen.getByTestId('status-problems');
    expect(list.getAttribute('data-count')).toBe('10000');
    expect(screen.getByTestId('status-problems-count').textContent).toBe('10000');
    const shown = () => list.querySelectorAll('[role=option]');
    expect(shown().length).toBeGreaterThan(10);
    expect(shown().length).toBeLessThan(60);
    expect(screen.getByTestId('status-problem-e0-0')).toBeTruthy();
    expect(shown()[0]?.getAttribute('aria-setsize')).toBe('10000');

    list.scrollTop = 5000 * PROBLEM_ROW_HEIGHT;
    fireEvent.scroll(list);
    expect(screen.queryByTestId('status-problem-e0-0')).toBeNull();
    expect(screen.getByTestId('status-problem-e5000-0')).toBeTruthy();
    expect(shown().length).toBeLessThan(60);
    const row = screen.getByTestId('status-problem-e5000-0');
    expect(row.style.top).toBe(`${String(5000 * PROBLEM_ROW_HEIGHT)}px`);
    expect(row.getAttribute('aria-posinset')).toBe('5001');
  });
});

describe('the virtualized tree', () => {
  const N = 10_000;
  /** Big Co: one site with N endpoints e0…e(N-1), one check each; and a small customer after it. */
  function bigTreeFleet(): Fleet {
    return {
      customers: [customer('big', 'Big Co'), customer('zeta', 'Zeta')],
      sites: [site('big-dc', 'big', 'Data centre'), site('zeta-1', 'zeta', 'Zeta office')],
      endpoints: [
        ...Array.from({ length: N }, (_, i) =>
          endpoint(`e${String(i)}`, 'big-dc', { checks: [{ kind: 'ping', params: {} }] }),
        ),
        endpoint('zeta-nas', 'zeta-1'),
      ],
    };
  }

  function renderTree() {
    const fleet = bigTreeFleet();
    fleetSignal.value = fleet;
    render(<Tree tree={buildTree(fleet)} />);
    return screen.getByRole('tree');
  }

  const items = () => document.querySelectorAll<HTMLElement>('[role=treeitem]');
  /** The rows between the top and bottom of the view (jsdom has no layout: 600 px). */
  function inView(tree: HTMLElement, row: HTMLElement): boolean {
    const top = Number.parseFloat(row.style.top);
    return top >= tree.scrollTop && top + TREE_ROW_HEIGHT <= tree.scrollTop + 600;
  }

  it('keeps only a few dozen of 10,005 rows in the DOM, and follows the scroll', () => {
    const tree = renderTree();
    expect(tree.getAttribute('data-count')).toBe(String(N + 5));
    expect(items().length).toBeGreaterThan(10);
    expect(items().length).toBeLessThan(60);
    const customerRow = screen.getByTestId('tree-customer-big');
    expect(customerRow.getAttribute('tabindex')).toBe('0');
    expect(customerRow.getAttribute('aria-level')).toBe('1');
    expect(customerRow.getAttribute('aria-expanded')).toBe('true');
    expect(customerRow.getAttribute('aria-posinset')).toBe('1');
    expect(customerRow.getAttribute('aria-setsize')).toBe('2');
    const e0 = screen.getByTestId('tree-endpoint-e0');
    expect(e0.getAttribute('aria-level')).toBe('3');
    expect(e0.getAttribute('aria-setsize')).toBe(String(N));
    expect(e0.getAttribute('aria-posinset')).toBe('1');
    expect(screen.queryByTestId('tree-customer-zeta')).toBeNull();

    tree.scrollTop = 5000 * TREE_ROW_HEIGHT;
    fireEvent.scroll(tree);
    expect(screen.getByTestId('tree-endpoint-e4998').style.top).toBe(`${String(5000 * TREE_ROW_HEIGHT)}px`);
    expect(screen.getByTestId('tree-endpoint-e4998').getAttribute('aria-posinset')).toBe('4999');
    expect(screen.queryByTestId('tree-endpoint-e0')).toBeNull();
    expect(items().length).toBeLessThan(60);
    // The row in the Tab order stays drawn, so Tab still reaches the tree.
    expect(screen.getByTestId('tree-customer-big').getAttribute('tabindex')).toBe('0');
    expect(items()[0]).toBe(screen.getByTestId('tree-customer-big'));
  });

  it('goes to the last row with End, draws it and focuses it; Home, Page Down and Page Up', () => {
    const tree = renderTree();
    fireEvent.click(screen.getByTestId('tree-customer-big'));
    fireEvent.keyDown(tree, { key: 'End' });
    const last = screen.getByTestId('tree-endpoint-zeta-nas');
    expect(last.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(last);
    expect(inView(tree, last)).toBe(true);
    expect(screen.getByTestId('tree-endpoint-e9990')).toBeTruthy();
    expect(items().length).toBeLessThan(60);

    fireEvent.keyDown(tree, { key: 'Home' });
    expect(document.activeElement).toBe(screen.getByTestId('tree-customer-big'));
    expect(tree.scrollTop).toBe(0);

    // A page is the rows in view less one: 600 / 26 → 23 rows, so 22.
    fireEvent.keyDown(tree, { key: 'PageDown' });
    fireEvent.keyDown(tree, { key: 'PageDown' });
    const row = screen.getByTestId('tree-endpoint-e42');
    expect(document.activeElement).toBe(row);
    expect(inView(tree, row)).toBe(true);
    fireEvent.keyDown(tree, { key: 'PageUp' });
    expect(document.activeElement).toBe(screen.getByTestId('tree-endpoint-e20'));
    fireEvent.keyDown(tree, { key: 'ArrowLeft' });
    expect(document.activeElement).toBe(screen.getByTestId('tree-site-big-dc'));
  });

  it('scrolls to a row selected elsewhere, opening its parents; focusRow scrolls, then focuses', async () => {
    const tree = renderTree();
    await act(() => {
      collapsed.value = new Set(['site:big-dc']);
    });
    expect(screen.queryByTestId('tree-endpoint-e0')).toBeNull();

    // As a click on a problem row does.
    await act(() => {
      reveal({ kind: 'endpoint', id: 'e5000' });
    });
    const row = screen.getByTestId('tree-endpoint-e5000');
    expect(row.getAttribute('aria-selected')).toBe('true');
    expect(row.getAttribute('tabindex')).toBe('0');
    expect(inView(tree, row)).toBe(true);
    expect(screen.getByTestId('tree-endpoint-e4995')).toBeTruthy();
    expect(items().length).toBeLessThan(60);

    await act(() => {
      selection.value = { kind: 'endpoint', id: 'e17' };
    });
    expect(inView(tree, screen.getByTestId('tree-endpoint-e17'))).toBe(true);

    await act(() => {
      focusRow({ kind: 'endpoint', id: 'e8000' });
    });
    const focused = screen.getByTestId('tree-endpoint-e8000');
    expect(document.activeElement).toBe(focused);
    expect(inView(tree, focused)).toBe(true);
  });

  it('updates the badges of the rows drawn on a status batch, keeping their elements', async () => {
    renderTree();
    const row = screen.getByTestId('tree-endpoint-e3');
    expect(screen.queryByTestId('tree-state-e3')).toBeNull();
    await act(() => {
      snapshot.value = {
        checks: checksFrom([
          checkStatus('e3', 0, { state: 'CRIT', kind: 'ping' }),
          checkStatus('e9000', 0, { state: 'WARN', kind: 'ping' }),
        ]),
        offline: null,
      };
    });
    expect(screen.getByTestId('tree-endpoint-e3')).toBe(row);
    expect(screen.getByTestId('tree-state-e3').getAttribute('data-state')).toBe('CRIT');
    expect(
      screen.getByTestId('tree-customer-big').querySelector('[data-state]')?.getAttribute('data-state'),
    ).toBe('CRIT');
    expect(screen.queryByTestId('tree-state-e9000')).toBeNull();
  });
});

describe('performance marks for benches/dashboard.rs', () => {
  it('measures a status batch once the DOM shows it, and marks the first renders once', async () => {
    start();
    await screen.findByTestId('status-problem-acme-web1-0');
    await waitFor(() => {
      expect(statusChanged).not.toBeNull();
    });
    await waitFor(() => {
      expect(performance.getEntriesByName('fieldline:status-rendered')).toHaveLength(1);
    });
    const fleetMark = performance.getEntriesByName('fieldline:fleet-rendered');
    expect(fleetMark).toHaveLength(1);
    expect((fleetMark[0] as PerformanceMark).detail).toEqual({
      endpoints: monitoredFleet().endpoints.length,
    });
    const statusMark = performance.getEntriesByName('fieldline:status-rendered')[0] as PerformanceMark;
    expect((statusMark.detail as { checks: number }).checks).toBeGreaterThan(0);

    // What the DOM says when the measure is taken: the batch must be rendered by then.
    const seen: (string | null)[] = [];
    const measure = vi.spyOn(performance, 'measure');
    measure.mockImplementation((...args: Parameters<typeof performance.measure>) => {
      seen.push(screen.getByTestId('tree-state-acme-web1').getAttribute('data-state'));
      measure.mockRestore();
      return performance.measure(...args);
    });
    const before = performance.getEntriesByName('fieldline:status-batch').length;
    // Outside act(): Preact schedules its render as it does in the window.
    statusChanged?.({
      checks: [checkStatus('acme-web1', 0, { state: 'OK' }), checkStatus('acme-pos1', 0, { state: 'OK' })],
      offline: null,
    });
    expect(seen).toEqual([]);
    await waitFor(() => {
      expect(seen).toEqual(['OK']);
    });
    const batches = performance.getEntriesByName('fieldline:status-batch') as PerformanceMeasure[];
    expect(batches).toHaveLength(before + 1);
    expect(batches.at(-1)?.detail).toEqual({ checks: 2 });
    expect(batches.at(-1)?.duration).toBeGreaterThanOrEqual(0);

    // Marks are once per page load, whatever comes next.
    await act(() => {
      statusChanged?.({ checks: [checkStatus('acme-web1', 0, { state: 'WARN' })], offline: null });
    });
    expect(performance.getEntriesByName('fieldline:status-rendered')).toHaveLength(1);
    expect(performance.getEntriesByName('fieldline:fleet-rendered')).toHaveLength(1);
  });

  it('keeps at most 500 batch measures', async () => {
    fleetSignal.value = monitoredFleet();
    for (let i = 0; i < 520; i++) {
      applyBatch({ checks: [checkStatus('acme-web1', 0, { state: i % 2 ? 'OK' : 'CRIT' })], offline: null });
    }
    await Promise.resolve();
    const count = performance.getEntriesByName('fieldline:status-batch').length;
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThanOrEqual(500);
  });
});
