// The Prometheus source on the dashboard: its results in the problem list, the tiles and
// the endpoint's health.
import { act, fireEvent, render, screen } from '@testing-library/preact';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import type { EndpointResults, Fleet, SourceResult, SourceView } from '../bindings';
import { invoke } from '@tauri-apps/api/core';
import { applyLanguage } from '../i18n';
import { fleet, selection } from '../state';
import { checksFrom, chartCheck, snapshot, sourceView, statusNow } from '../status/store';
import { answer } from '../test/backend';
import { checkStatus, customer, endpoint, monitoredFleet, site, STATUS_NOW_S } from '../test/fixtures';
import { EndpointStatus } from './EndpointStatus';
import { ProblemList } from './ProblemList';
import { StatusTiles } from './StatusTiles';

const HOSTILE = '<img src=x onerror=alert(1)><b>bold</b>';

function result(extra: Partial<SourceResult> = {}): SourceResult {
  return {
    kind: 'alert',
    key: 'k',
    name: 'HighLoad',
    state: 'CRIT',
    message: 'load 12 for 10 min',
    since: STATUS_NOW_S - 15 * 60,
    silenced: false,
    series: '10.0.0.5:9100',
    ...extra,
  };
}

function view(endpoints: EndpointResults[], extra: Partial<SourceView> = {}): SourceView {
  return {
    prometheus_url: 'https://prom.example.net/',
    alertmanager_url: 'https://am.example.net/',
    read_at: STATUS_NOW_S - 20,
    report: {
      took_ms: 40,
      alerts_from: 'alertmanager',
      endpoints,
      unmatched_count: 0,
      unmatched: [],
      unseen: [],
      warnings: [],
    },
    tried_at: STATUS_NOW_S - 20,
    error: null,
    ...extra,
  };
}

/** ACME monitored, and Nova, whose only endpoint has no checks of its own. */
function withNova(): Fleet {
  const base = monitoredFleet();
  return {
    customers: [...base.customers, customer('nova', 'Nova Clinic')],
    sites: [...base.sites, site('nova-1', 'nova', 'Clinic')],
    endpoints: [...base.endpoints, endpoint('nova-pc', 'nova-1', { name: 'Reception PC' })],
  };
}

const web1Results: SourceResult[] = [
  result({ kind: 'up', key: 'u', name: 'node', state: 'OK', message: '', since: null }),
  result(),
  result({ key: 's', name: 'DiskFull', state: 'CRIT', silenced: true }),
  result({ kind: 'up', key: 'd', name: 'node', state: 'CRIT', message: HOSTILE, since: null }),
];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(STATUS_NOW_S * 1000);
  statusNow.value = Date.now();
  answer(vi.mocked(invoke), {
    status_history: () => [],
    uptime: () => ({ endpoints: {}, sites: {}, customers: {} }),
    acknowledgements: () => [],
  });
  fleet.value = withNova();
  snapshot.value = {
    checks: checksFrom([checkStatus('acme-web1', 0, { state: 'OK' }), checkStatus('acme-web2', 0)]),
    offline: null,
  };
});

afterAll(async () => {
  vi.useRealTimers();
  await new Promise((resolve) => setTimeout(resolve, 50));
});

describe('source results in the problem list', () => {
  it('lists those that count and are not OK, with endpoint, customer, name, state, message and age', () => {
    sourceView.value = view([{ endpoint: 'acme-web1', state: 'CRIT', results: web1Results }]);
    render(<ProblemList />);
    expect(screen.getByTestId('status-problems-count').textContent).toBe('2');
    expect(screen.queryByTestId('status-source-acme-web1-0')).toBeNull();
    expect(screen.queryByTestId('status-source-acme-web1-2')).toBeNull();

    const alert = screen.getByTestId('status-source-acme-web1-1');
    expect(alert.getAttribute('data-state')).toBe('CRIT');
    expect(alert.textContent).toContain('web1');
    expect(alert.textContent).toContain('ACME Corp');
    expect(alert.textContent).toContain('Prometheus: HighLoad');
    expect(alert.textContent).toContain('load 12 for 10 min');
    expect(alert.textContent).toContain('15 min');

    const down = screen.getByTestId('status-source-acme-web1-3');
    expect(down.textContent).toContain('Prometheus: target 10.0.0.5:9100 down');
    expect(down.textContent).toContain(HOSTILE);
    expect(down.querySelector('img, b')).toBeNull();
  });

  it('selects the endpoint when a row is chosen', async () => {
    sourceView.value = view([{ endpoint: 'acme-web1', state: 'CRIT', results: web1Results }]);
    chartCheck.value = { endpoint: 'acme-web2', check: 0 };
    render(<ProblemList />);
    await act(() => {
      fireEvent.click(screen.getByTestId('status-source-acme-web1-1'));
    });
    expect(selection.value).toEqual({ kind: 'endpoint', id: 'acme-web1' });
    expect(chartCheck.value).toBeNull();
  });

  it('shows results as STALE while the source cannot be read, with their last state', () => {
    sourceView.value = view([{ endpoint: 'acme-web1', state: 'CRIT', results: web1Results }], {
      error: 'connection refused',
    });
    render(<ProblemList />);
    const alert = screen.getByTestId('status-source-acme-web1-1');
    expect(alert.getAttribute('data-state')).toBe('STALE');
    expect(alert.textContent).toContain('last read: Critical');
    // The OK result is old news too; the silenced one still does not count.
    expect(screen.getByTestId('status-source-acme-web1-0').getAttribute('data-state')).toBe('STALE');
    expect(screen.queryByTestId('status-source-acme-web1-2')).toBeNull();
  });

  it('speaks Korean', () => {
    applyLanguage('ko');
    sourceView.value = view([{ endpoint: 'acme-web1', state: 'CRIT', results: web1Results }]);
    render(<ProblemList />);
    expect(screen.getByTestId('status-source-acme-web1-3').textContent).toContain(
      '수집 대상 10.0.0.5:9100 응답 없음',
    );
  });
});

describe('source results in the fleet health', () => {
  it('make the tile as bad as the worst counted result, and monitor an endpoint with no checks', async () => {
    render(<StatusTiles />);
    expect(screen.getByTestId('status-tile-acme').getAttribute('data-state')).toBe('OK');
    expect(screen.getByTestId('status-tile-nova').getAttribute('data-state')).toBe('NONE');
    await act(() => {
      sourceView.value = view([
        { endpoint: 'acme-web1', state: 'CRIT', results: web1Results },
        { endpoint: 'nova-pc', state: 'WARN', results: [result({ state: 'WARN' })] },
      ]);
    });
    expect(screen.getByTestId('status-tile-acme').getAttribute('data-state')).toBe('CRIT');
    expect(screen.getByTestId('status-tile-nova').getAttribute('data-state')).toBe('WARN');
    expect(screen.getByTestId('status-tile-nova').textContent).not.toContain('No checks');

    // Silenced results do not count; a failed read makes the rest STALE.
    await act(() => {
      sourceView.value = view([
        { endpoint: 'nova-pc', state: 'OK', results: [result({ state: 'CRIT', silenced: true })] },
      ]);
    });
    expect(screen.getByTestId('status-tile-acme').getAttribute('data-state')).toBe('OK');
    expect(screen.getByTestId('status-tile-nova').getAttribute('data-state')).toBe('OK');
    await act(() => {
      sourceView.value = view(
        [{ endpoint: 'nova-pc', state: 'WARN', results: [result({ state: 'WARN' })] }],
        {
          error: 'timed out',
        },
      );
    });
    expect(screen.getByTestId('status-tile-nova').getAttribute('data-state')).toBe('STALE');
  });

  it('lists the endpoint’s results under "From Prometheus", silenced ones marked', () => {
    sourceView.value = view([{ endpoint: 'acme-web1', state: 'CRIT', results: web1Results }]);
    const web1 = withNova().endpoints.find((e) => e.id === 'acme-web1');
    if (!web1) throw new Error('no web1');
    render(<EndpointStatus endpoint={web1} />);
    expect(screen.getByText('From Prometheus')).toBeTruthy();
    const silenced = screen.getByTestId('source-result-acme-web1-2');
    expect(silenced.textContent).toContain('DiskFull');
    expect(silenced.textContent).toContain('silenced');
    expect(silenced.getAttribute('data-silenced')).toBe('true');
    expect(screen.getByTestId('source-result-acme-web1-1').getAttribute('data-state')).toBe('CRIT');
    expect(screen.getByTestId('source-result-acme-web1-3').textContent).toContain(HOSTILE);
  });

  it('shows the results of an endpoint without checks of its own, and says when they are old', () => {
    sourceView.value = view([{ endpoint: 'nova-pc', state: 'WARN', results: [result({ state: 'WARN' })] }], {
      error: 'connection refused',
    });
    const pc = withNova().endpoints.find((e) => e.id === 'nova-pc');
    if (!pc) throw new Error('no pc');
    render(<EndpointStatus endpoint={pc} />);
    const row = screen.getByTestId('source-result-nova-pc-0');
    expect(row.getAttribute('data-state')).toBe('STALE');
    expect(row.textContent).toContain('last read: Warning');
    expect(screen.getByTestId('source-stale-nova-pc').textContent).toContain('connection refused');
  });
});
