import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Acknowledgement, Commands, Endpoint } from '../bindings';
import { fleet as fleetSignal } from '../state';
import { checksFrom, snapshot, statusNow } from '../status/store';
import { answer, fail, type Handlers } from '../test/backend';
import { checkStatus, monitoredFleet, STATUS_NOW_S } from '../test/fixtures';
import { EndpointStatus } from './EndpointStatus';

const invokeMock = vi.mocked(invoke);
const HOSTILE = '<img src=x onerror=alert(1)><b>bold</b>';

function ack(id: number, extra: Partial<Acknowledgement> = {}): Acknowledgement {
  return {
    id,
    endpoint: 'acme-gw',
    check: 0,
    comment: 'ISP ticket 4411 open',
    at: STATUS_NOW_S - 600,
    until: null,
    ...extra,
  };
}

function gateway(): Endpoint {
  const e = monitoredFleet().endpoints.find((x) => x.id === 'acme-gw');
  if (!e) throw new Error('no gateway');
  return e;
}

/** The gateway: ping critical, http OK. The store's acknowledgements are `acks`. */
function start(acks: Acknowledgement[], handlers: Handlers = {}) {
  fleetSignal.value = monitoredFleet();
  statusNow.value = STATUS_NOW_S * 1000;
  snapshot.value = {
    checks: checksFrom([
      checkStatus('acme-gw', 0, { kind: 'ping', state: 'CRIT', message: 'no answer' }),
      checkStatus('acme-gw', 1, { kind: 'http' }),
    ]),
    offline: null,
  };
  answer(invokeMock, {
    status_history: () => [],
    uptime: () => ({ endpoints: {}, sites: {}, customers: {} }),
    acknowledgements: () => [...acks],
    ...handlers,
  });
  render(<EndpointStatus endpoint={gateway()} />);
}

function calls<K extends keyof Commands>(name: K): Commands[K]['args'][] {
  return invokeMock.mock.calls.filter(([cmd]) => cmd === name).map(([, args]) => args as Commands[K]['args']);
}

beforeEach(() => {
  invokeMock.mockReset();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(STATUS_NOW_S * 1000);
  vi.mocked(listen).mockResolvedValue(() => undefined);
});

afterEach(() => {
  vi.useRealTimers();
});

afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
});

describe('acknowledging', () => {
  it('offers Acknowledge on checks that are not OK, and Acknowledge all', async () => {
    start([]);
    expect(await screen.findByTestId('ack-acme-gw-0')).toBeTruthy();
    expect(screen.queryByTestId('ack-acme-gw-1')).toBeNull();
    expect(screen.getByTestId('ack-all-acme-gw').textContent).toBe('Acknowledge all');
  });

  it('asks for a comment, then sends the check, the comment and the expiry', async () => {
    const stored: Acknowledgement[] = [];
    start(stored, {
      acknowledge: (args) => {
        const made = ack(9, { check: args.check, comment: args.comment, until: args.untilS });
        stored.push(made);
        return made;
      },
    });
    fireEvent.click(await screen.findByTestId('ack-acme-gw-0'));
    const dialog = screen.getByTestId('ack-dialog');
    expect(dialog.textContent).toContain('Acknowledge check 1 (ping) of HQ gateway');

    fireEvent.click(screen.getByTestId('ack-save'));
    expect(screen.getByTestId('ack-error').textContent).toContain('Write a comment');
    expect(calls('acknowledge')).toEqual([]);

    fireEvent.input(screen.getByTestId('ack-comment'), { target: { value: '  Router replaced tonight ' } });
    fireEvent.change(screen.getByTestId('ack-expiry'), { target: { value: '4h' } });
    fireEvent.click(screen.getByTestId('ack-save'));

    await waitFor(() => {
      expect(screen.queryByTestId('ack-dialog')).toBeNull();
    });
    expect(calls('acknowledge')).toEqual([
      { endpoint: 'acme-gw', check: 0, comment: 'Router replaced tonight', untilS: STATUS_NOW_S + 4 * 3600 },
    ]);
    const list = screen.getByTestId('ack-list-acme-gw');
    await waitFor(() => {
      expect(within(list).getByTestId('ack-item-9').textContent).toContain('Router replaced tonight');
    });
    expect(list.textContent).toContain('Check 1: ping');
  });

  it('acknowledges every check until a date and time in this computer’s zone', async () => {
    start([], { acknowledge: (args) => ack(3, { check: args.check, until: args.untilS }) });
    fireEvent.click(await screen.findByTestId('ack-all-acme-gw'));
    expect(screen.getByTestId('ack-dialog').textContent).toContain('every check of HQ gateway');
    fireEvent.input(screen.getByTestId('ack-comment'), { target: { value: 'Office move' } });
    fireEvent.change(screen.getByTestId('ack-expiry'), { target: { value: 'date' } });
    fireEvent.input(screen.getByTestId('ack-until'), { target: { value: '2026-11-25T09:30' } });
    fireEvent.click(screen.getByTestId('ack-save'));
    await waitFor(() => {
      expect(calls('acknowledge')).toHaveLength(1);
    });
    expect(calls('acknowledge')[0]).toEqual({
      endpoint: 'acme-gw',
      check: null,
      comment: 'Office move',
      untilS: new Date(2026, 10, 25, 9, 30).getTime() / 1000,
    });
  });

  it('refuses an end in the past without asking the store', async () => {
    start([]);
    fireEvent.click(await screen.findByTestId('ack-all-acme-gw'));
    fireEvent.input(screen.getByTestId('ack-comment'), { target: { value: 'x' } });
    fireEvent.change(screen.getByTestId('ack-expiry'), { target: { value: 'date' } });
    fireEvent.input(screen.getByTestId('ack-until'), { target: { value: '2020-01-01T00:00' } });
    fireEvent.click(screen.getByTestId('ack-save'));
    expect(screen.getByTestId('ack-error').textContent).toContain('in the future');
    expect(calls('acknowledge')).toEqual([]);
  });

  it('shows the store’s refusal and keeps what was typed', async () => {
    start([], {
      acknowledge: () =>
        fail({ kind: 'Invalid', message: 'endpoint acme-gw has 2 checks; there is no check 0', issues: [] }),
    });
    fireEvent.click(await screen.findByTestId('ack-acme-gw-0'));
    fireEvent.input(screen.getByTestId('ack-comment'), { target: { value: 'Keep me' } });
    fireEvent.click(screen.getByTestId('ack-save'));
    const error = await screen.findByTestId('ack-error');
    expect(error.textContent).toContain('there is no check 0');
    expect(screen.getByTestId<HTMLTextAreaElement>('ack-comment').value).toBe('Keep me');
    expect(screen.getByTestId('ack-save').hasAttribute('disabled')).toBe(false);
  });
});

describe('the acknowledgement list', () => {
  it('lists the endpoint’s acknowledgements as text, and removes one', async () => {
    let stored = [
      ack(1, { comment: HOSTILE }),
      ack(2, { check: null, comment: 'Whole box', until: STATUS_NOW_S + 3600 }),
      ack(3, { endpoint: 'acme-web1', comment: 'Not this one' }),
      ack(4, { comment: 'Expired', until: STATUS_NOW_S - 1 }),
    ];
    start([], {
      acknowledgements: () => stored,
      remove_acknowledgement: ({ id }) => {
        stored = stored.filter((a) => a.id !== id);
        return null;
      },
    });
    const list = await screen.findByTestId('ack-list-acme-gw');
    await waitFor(() => {
      expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    });
    const first = screen.getByTestId('ack-item-1');
    expect(first.textContent).toContain(HOSTILE);
    expect(first.querySelector('img, b')).toBeNull();
    expect(first.textContent).toContain('until OK again');
    expect(first.textContent).toContain('since 14:02');
    const second = screen.getByTestId('ack-item-2');
    expect(second.textContent).toContain('All checks');
    expect(second.textContent).toContain('until 15:12');
    expect(list.textContent).not.toContain('Not this one');
    expect(list.textContent).not.toContain('Expired');

    fireEvent.click(screen.getByTestId('ack-remove-1'));
    await waitFor(() => {
      expect(screen.queryByTestId('ack-item-1')).toBeNull();
    });
    expect(calls('remove_acknowledgement')).toEqual([{ id: 1 }]);
    expect(screen.getByTestId('ack-item-2')).toBeTruthy();
  });

  it('says when the acknowledgements cannot be read', async () => {
    start([], { acknowledgements: () => fail({ kind: 'Store', message: 'database is locked' }) });
    const error = await screen.findByTestId('ack-load-error-acme-gw');
    expect(error.textContent).toContain('database is locked');
  });
});
