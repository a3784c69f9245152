import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Commands, Fleet, MaintenanceWindow } from '../bindings';
import type { EntityRef } from '../fleet/tree';
import { fleet as fleetSignal, selection } from '../state';
import { statusNow } from '../status/store';
import { answer, fail, type Handlers } from '../test/backend';
import { customer, endpoint, site } from '../test/fixtures';
import { Detail } from './Detail';
import { MaintenanceBlock } from './Maintenance';

const invokeMock = vi.mocked(invoke);
const utc = (text: string) => Date.parse(text) / 1000;
/** Tuesday 2026-11-24, 10:00 in Seoul. */
const NOW_S = utc('2026-11-24T01:00:00Z');
const HOSTILE = '<img src=x onerror=alert(1)><b>bold</b>';

function fleet(): Fleet {
  return {
    customers: [customer('acme', 'ACME Corp')],
    sites: [
      site('seoul', 'acme', 'Seoul office'),
      site('ny', 'acme', 'New York office', { timezone: 'America/New_York' }),
    ],
    endpoints: [endpoint('db', 'seoul', { name: 'Database' }), endpoint('web', 'ny')],
  };
}

function windows(): MaintenanceWindow[] {
  return [
    {
      id: 1,
      scope: { kind: 'endpoint', id: 'db' },
      mode: 'stop_notifying',
      schedule: { kind: 'once', from: NOW_S - 60, to: NOW_S + 3600 },
      reason: HOSTILE,
    },
    {
      id: 2,
      scope: { kind: 'site', id: 'seoul' },
      mode: 'stop_checking',
      schedule: { kind: 'weekly', days: [0, 2], start_minute: 120, minutes: 120 },
      reason: 'Patch night',
    },
    {
      id: 3,
      scope: { kind: 'customer', id: 'acme' },
      mode: 'stop_notifying',
      schedule: { kind: 'weekly', days: [6], start_minute: 23 * 60, minutes: 120 },
      reason: '',
    },
    {
      id: 4,
      scope: { kind: 'endpoint', id: 'web' },
      mode: 'stop_notifying',
      schedule: { kind: 'once', from: NOW_S, to: NOW_S + 60 },
      reason: 'Not for db',
    },
  ];
}

/** A store that keeps windows: add gives the next id, remove forgets one. */
function store(initial: MaintenanceWindow[] = windows()): Handlers {
  let list = initial;
  return {
    maintenance_windows: () => [...list],
    add_maintenance: ({ window }) => {
      const saved = { ...window, id: 100 + list.length };
      list = [...list, saved];
      return saved;
    },
    remove_maintenance: ({ id }) => {
      list = list.filter((w) => w.id !== id);
      return null;
    },
  };
}

function start(entity: EntityRef, handlers: Handlers = {}) {
  const f = fleet();
  fleetSignal.value = f;
  statusNow.value = NOW_S * 1000;
  answer(invokeMock, { ...store(), ...handlers });
  render(<MaintenanceBlock fleet={f} entity={entity} />);
}

function calls<K extends keyof Commands>(name: K): Commands[K]['args'][] {
  return invokeMock.mock.calls.filter(([cmd]) => cmd === name).map(([, args]) => args as Commands[K]['args']);
}

function type(testId: string, value: string) {
  fireEvent.input(screen.getByTestId(testId), { target: { value } });
}

async function openForm() {
  fireEvent.click(await screen.findByTestId('maintenance-add'));
  return screen.getByTestId('maintenance-form');
}

beforeEach(() => {
  invokeMock.mockReset();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW_S * 1000);
  vi.mocked(listen).mockResolvedValue(() => undefined);
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
});

describe('the maintenance block', () => {
  it('lists an endpoint’s own windows and those of its site and customer, described', async () => {
    start({ kind: 'endpoint', id: 'db' });
    const list = await screen.findByTestId('maintenance-list');
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.dataset.testid),
    ).toEqual(['maintenance-item-1', 'maintenance-item-2', 'maintenance-item-3']);
    const own = screen.getByTestId('maintenance-item-1');
    expect(own.dataset.active).toBe('true');
    expect(own.textContent).toContain('Active now');
    expect(own.textContent).toContain('2026-11-24 09:59–11:00 (Asia/Seoul), hold alerts — ' + HOSTILE);
    expect(own.querySelector('img, b')).toBeNull();
    expect(own.dataset.inherited).toBeUndefined();

    const bySite = screen.getByTestId('maintenance-item-2');
    expect(bySite.textContent).toContain(
      'Every Mon, Wed 02:00–04:00 (Asia/Seoul), stop checking — Patch night',
    );
    expect(bySite.textContent).toContain('from site Seoul office');
    expect(bySite.dataset.active).toBe('false');
    expect(bySite.textContent).not.toContain('Active now');

    const byCustomer = screen.getByTestId('maintenance-item-3');
    expect(byCustomer.textContent).toContain('Every Sun 23:00–01:00 (next day) (Asia/Seoul), hold alerts');
    expect(byCustomer.textContent).toContain('from customer ACME Corp');
  });

  it('shows a customer’s weekly windows in each site’s zone, and only its own', async () => {
    start({ kind: 'customer', id: 'acme' });
    const item = await screen.findByTestId('maintenance-item-3');
    expect(item.textContent).toContain('Every Sun 23:00–01:00 (next day) (each site’s time zone)');
    expect(screen.queryByTestId('maintenance-item-1')).toBeNull();
  });

  it('says so when nothing covers it', async () => {
    start({ kind: 'site', id: 'ny' }, store([]));
    expect((await screen.findByTestId('maintenance-none')).textContent).toBe('No maintenance windows.');
  });

  it('removes a window and reads the list again', async () => {
    start({ kind: 'endpoint', id: 'db' });
    fireEvent.click(await screen.findByTestId('maintenance-remove-2'));
    await waitFor(() => {
      expect(screen.queryByTestId('maintenance-item-2')).toBeNull();
    });
    expect(calls('remove_maintenance')).toEqual([{ id: 2 }]);
    expect(calls('maintenance_windows').length).toBe(2);
    expect(screen.getByTestId('maintenance-item-1')).toBeTruthy();
  });

  it('shows why a removal failed', async () => {
    start(
      { kind: 'endpoint', id: 'db' },
      { remove_maintenance: () => fail({ kind: 'NotFound', message: 'no maintenance window 2' }) },
    );
    fireEvent.click(await screen.findByTestId('maintenance-remove-2'));
    expect((await screen.findByTestId('maintenance-remove-error')).textContent).toContain(
      'no maintenance window 2',
    );
  });
});

describe('adding a window', () => {
  it('sends a one-off window with the times read in the site’s zone', async () => {
    start({ kind: 'endpoint', id: 'db' });
    const form = await openForm();
    expect(form.textContent).toContain('Maintenance window for Database');
    expect(screen.getByTestId('maintenance-zone').textContent).toContain('Asia/Seoul');
    // The first guess: the next full hour, for two hours.
    expect(screen.getByTestId<HTMLInputElement>('maintenance-from').value).toBe('2026-11-24T11:00');
    expect(screen.getByTestId<HTMLInputElement>('maintenance-to').value).toBe('2026-11-24T13:00');

    fireEvent.click(screen.getByTestId('maintenance-mode-stop_checking'));
    type('maintenance-from', '2026-11-28T01:00');
    type('maintenance-to', '2026-11-28T05:30');
    type('maintenance-reason', ' Firmware ');
    fireEvent.click(screen.getByTestId('maintenance-save'));

    await waitFor(() => {
      expect(screen.queryByTestId('maintenance-form')).toBeNull();
    });
    expect(calls('add_maintenance')).toEqual([
      {
        window: {
          id: 0,
          scope: { kind: 'endpoint', id: 'db' },
          mode: 'stop_checking',
          schedule: { kind: 'once', from: utc('2026-11-27T16:00:00Z'), to: utc('2026-11-27T20:30:00Z') },
          reason: 'Firmware',
        },
      },
    ]);
    const added = await screen.findByTestId('maintenance-item-104');
    expect(added.textContent).toContain('2026-11-28 01:00–05:30 (Asia/Seoul), stop checking — Firmware');
  });

  it('counts a one-off window across New York’s March change in real hours', async () => {
    start({ kind: 'site', id: 'ny' });
    await openForm();
    expect(screen.getByTestId('maintenance-zone').textContent).toContain('America/New_York');
    type('maintenance-from', '2026-03-08T01:00');
    type('maintenance-to', '2026-03-08T04:00');
    fireEvent.click(screen.getByTestId('maintenance-save'));
    await waitFor(() => {
      expect(calls('add_maintenance')).toHaveLength(1);
    });
    const schedule = calls('add_maintenance')[0]?.window.schedule;
    // 01:00 EST to 04:00 EDT: two hours, not three.
    expect(schedule).toEqual({
      kind: 'once',
      from: utc('2026-03-08T06:00:00Z'),
      to: utc('2026-03-08T08:00:00Z'),
    });
  });

  it('sends a weekly window as days, a start minute and a length in minutes', async () => {
    start({ kind: 'site', id: 'seoul' });
    await openForm();
    fireEvent.click(screen.getByTestId('maintenance-kind-weekly'));
    expect(screen.queryByTestId('maintenance-from')).toBeNull();
    fireEvent.click(screen.getByTestId('maintenance-day-2'));
    fireEvent.click(screen.getByTestId('maintenance-day-0'));
    type('maintenance-start', '23:30');
    type('maintenance-hours', '3');
    type('maintenance-minutes', '15');
    type('maintenance-reason', 'Backups');
    fireEvent.click(screen.getByTestId('maintenance-save'));
    await waitFor(() => {
      expect(calls('add_maintenance')).toHaveLength(1);
    });
    expect(calls('add_maintenance')[0]?.window).toEqual({
      id: 0,
      scope: { kind: 'site', id: 'seoul' },
      mode: 'stop_notifying',
      schedule: { kind: 'weekly', days: [0, 2], start_minute: 23 * 60 + 30, minutes: 195 },
      reason: 'Backups',
    });
    const added = await screen.findByTestId('maintenance-item-104');
    expect(added.textContent).toContain(
      'Every Mon, Wed 23:30–02:45 (next day) (Asia/Seoul), hold alerts — Backups',
    );
  });

  it('reads a customer’s one-off times in this computer’s zone, and says so', async () => {
    start({ kind: 'customer', id: 'acme' });
    await openForm();
    const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(screen.getByTestId('maintenance-zone').textContent).toContain(
      `this computer’s time zone (${zone})`,
    );
    type('maintenance-from', '2026-11-28T01:00');
    type('maintenance-to', '2026-11-28T03:00');
    fireEvent.click(screen.getByTestId('maintenance-save'));
    await waitFor(() => {
      expect(calls('add_maintenance')).toHaveLength(1);
    });
    expect(calls('add_maintenance')[0]?.window.schedule).toEqual({
      kind: 'once',
      from: new Date(2026, 10, 28, 1, 0).getTime() / 1000,
      to: new Date(2026, 10, 28, 3, 0).getTime() / 1000,
    });
    fireEvent.click(screen.getByTestId('maintenance-add'));
    fireEvent.click(screen.getByTestId('maintenance-kind-weekly'));
    expect(screen.getByTestId('maintenance-zone').textContent).toContain('each site’s own time zone');
  });

  it('checks the form before sending it', async () => {
    start({ kind: 'site', id: 'seoul' });
    await openForm();
    type('maintenance-to', '2026-11-24T10:30');
    type('maintenance-from', '2026-11-24T11:00');
    fireEvent.click(screen.getByTestId('maintenance-save'));
    expect(screen.getByTestId('maintenance-error').textContent).toContain('must end after it starts');
    fireEvent.click(screen.getByTestId('maintenance-kind-weekly'));
    type('maintenance-hours', '0');
    type('maintenance-minutes', '0');
    fireEvent.click(screen.getByTestId('maintenance-save'));
    const error = screen.getByTestId('maintenance-error').textContent;
    expect(error).toContain('Choose at least one day.');
    expect(error).toContain('from one minute to one week');
    expect(calls('add_maintenance')).toEqual([]);
  });

  it('shows the store’s refusal in the form and keeps what was typed', async () => {
    start(
      { kind: 'endpoint', id: 'db' },
      {
        add_maintenance: () =>
          fail({ kind: 'Invalid', message: 'maintenance window: no endpoint with id "db"', issues: [] }),
      },
    );
    await openForm();
    type('maintenance-reason', 'Keep me');
    type('maintenance-from', '2026-11-24T11:30');
    fireEvent.click(screen.getByTestId('maintenance-save'));
    const error = await screen.findByTestId('maintenance-error');
    expect(error.textContent).toContain('no endpoint with id "db"');
    expect(screen.getByTestId<HTMLInputElement>('maintenance-reason').value).toBe('Keep me');
    expect(screen.getByTestId<HTMLInputElement>('maintenance-from').value).toBe('2026-11-24T11:30');
    expect(screen.getByTestId('maintenance-save').hasAttribute('disabled')).toBe(false);
  });
});

describe('in the detail pane', () => {
  it('shows the block for the selected site', async () => {
    const f = fleet();
    fleetSignal.value = f;
    statusNow.value = NOW_S * 1000;
    selection.value = { kind: 'site', id: 'seoul' };
    answer(invokeMock, { ...store(), uptime: () => ({ endpoints: {}, sites: {}, customers: {} }) });
    render(<Detail fleet={f} onEdit={() => undefined} onDelete={() => undefined} />);
    const block = await screen.findByTestId('maintenance');
    await within(block).findByTestId('maintenance-item-2');
    expect(within(block).queryByTestId('maintenance-item-1')).toBeNull();
    expect(within(block).getByTestId('maintenance-item-3').textContent).toContain('from customer ACME Corp');
  });
});
