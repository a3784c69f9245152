import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import type { SyncConflict } from '../bindings';
import { applyLanguage } from '../i18n';
import { fleet, focusTarget, openConflicts, openTicket } from '../state';
import { refreshSync } from '../sync/status';
import { answer, fail, type Handlers } from '../test/backend';
import { clock, sampleFleet, slaBoard, slaRow, syncConflict, ticket } from '../test/fixtures';
import { SlaSection } from './SlaSection';

const invokeMock = vi.mocked(invoke);
const HOSTILE = '<img src=x onerror=alert(1)>';

function calls(name: string): unknown[][] {
  return invokeMock.mock.calls.filter(([cmd]) => cmd === name);
}

async function show(handlers: Handlers) {
  answer(invokeMock, {
    connections: () => [],
    sync_conflicts: () => [],
    sla_board: () => slaBoard([slaRow(1, [clock()])]),
    ...handlers,
  });
  fleet.value = sampleFleet();
  // What the app does at start.
  await refreshSync();
  return render(<SlaSection />);
}

beforeEach(() => {
  invokeMock.mockReset();
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
});

afterEach(() => {
  vi.useRealTimers();
});

// Preact runs effects up to 35 ms after a render; let the last ones run before jsdom is
// torn down (else they fail on a missing cancelAnimationFrame).
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
});

describe('the conflicts above the board', () => {
  it('are not there while there are none', async () => {
    await show({});
    await screen.findByTestId('sla-row-1');
    expect(screen.queryByTestId('sync-conflicts')).toBeNull();
  });

  it('show the ticket, the field, both values and what it was, all as text', async () => {
    await show({
      sync_conflicts: () => [
        syncConflict(5, { title: HOSTILE, remote_id: '123' }),
        syncConflict(6, {
          ticket: 8,
          title: 'VPN',
          field: 'priority',
          mine: 'P1',
          theirs: '50',
          base: '?',
          detail: 'RT refused the change: <b>permission denied</b>',
        }),
      ],
    });
    const list = await screen.findByTestId('sync-conflicts');
    expect(within(list).getByRole('heading').textContent).toBe('Sync conflicts (2)');
    const first = screen.getByTestId('conflict-5');
    expect(screen.getByTestId('conflict-ticket-5').textContent).toBe(`#7 ${HOSTILE}`);
    expect(screen.getByTestId('conflict-source-5').textContent).toBe('rt #123');
    expect(first.textContent).toContain('State:');
    expect(screen.getByTestId('conflict-mine-5').textContent).toBe('yours: Resolved');
    expect(screen.getByTestId('conflict-theirs-5').textContent).toBe('helpdesk now: stalled');
    expect(screen.getByTestId('conflict-base-5').textContent).toBe('(was: open)');
    expect(first.querySelector('img')).toBeNull();

    expect(screen.getByTestId('conflict-mine-6').textContent).toBe('yours: P1');
    expect(screen.queryByTestId('conflict-base-6')).toBeNull();
    expect(screen.getByTestId('conflict-detail-6').textContent).toBe(
      'RT refused the change: <b>permission denied</b>',
    );
    expect(list.querySelector('img, b, script')).toBeNull();
  });

  it.each([
    ['conflict-keep-5', 'keep_mine'],
    ['conflict-take-5', 'take_theirs'],
  ])('%s resolves with %s, then reads conflicts and the board again', async (button, resolution) => {
    let open: SyncConflict[] = [syncConflict(5)];
    await show({
      sync_conflicts: () => open,
      resolve_conflict: () => {
        open = [];
        return ticket(7, { source: 'rt', external_id: '123' });
      },
    });
    await screen.findByTestId('sla-row-1');
    const boardReads = calls('sla_board').length;
    fireEvent.click(screen.getByTestId(button));
    await waitFor(() => {
      expect(screen.queryByTestId('sync-conflicts')).toBeNull();
    });
    expect(invokeMock).toHaveBeenCalledWith('resolve_conflict', { outboxId: 5, resolution });
    expect(calls('sla_board').length).toBeGreaterThan(boardReads);
  });

  it('keeps the conflict and says why when resolving fails', async () => {
    await show({
      sync_conflicts: () => [syncConflict(5)],
      resolve_conflict: () => fail({ kind: 'NotFound', message: 'change 5 was already resolved' }),
    });
    fireEvent.click(await screen.findByTestId('conflict-keep-5'));
    expect((await screen.findByTestId('conflict-error-5')).textContent).toBe('change 5 was already resolved');
    expect(screen.getByTestId<HTMLButtonElement>('conflict-keep-5').disabled).toBe(false);
  });

  it('open their ticket, and are brought into view from the status indicator', async () => {
    await show({
      sync_conflicts: () => [syncConflict(5)],
      ticket_detail: () => ticket(7, { source: 'rt', external_id: '123' }),
    });
    await screen.findByTestId('sync-conflicts');
    await act(() => {
      openConflicts();
    });
    expect(document.activeElement?.id).toBe('sync-conflicts-title');
    expect(focusTarget.value).toBeNull();
    fireEvent.click(screen.getByTestId('conflict-ticket-5'));
    expect(openTicket.value).toBe(7);
  });

  it('speak Korean', async () => {
    applyLanguage('ko');
    await show({ sync_conflicts: () => [syncConflict(5)] });
    expect((await screen.findByTestId('conflict-keep-5')).textContent).toBe('내 변경 유지');
    expect(screen.getByTestId('conflict-take-5').textContent).toBe('헬프데스크 값 사용');
    expect(screen.getByTestId('conflict-mine-5').textContent).toBe('내 값: 해결됨');
  });
});

describe('the source of a ticket', () => {
  it('is a badge on synced rows, as text, and nothing on local ones', async () => {
    await show({
      sla_board: () =>
        slaBoard([
          slaRow(1, [clock()]),
          slaRow(2, [clock()], { title: HOSTILE, source: 'rt', external_id: '123' }),
          slaRow(3, [clock()], { source: `rt${HOSTILE}`, external_id: `9${HOSTILE}` }),
        ]),
    });
    const synced = await screen.findByTestId('ticket-source-2');
    expect(synced.textContent).toBe('rt #123');
    expect(synced.getAttribute('title')).toBe('Synced with the helpdesk connection rt');
    expect(screen.getByTestId('sla-row-2').textContent).toContain(HOSTILE);
    expect(screen.getByTestId('ticket-source-3').textContent).toBe(`rt${HOSTILE} #9${HOSTILE}`);
    expect(screen.queryByTestId('ticket-source-1')).toBeNull();
    expect(screen.getByTestId('sla-board').querySelector('img')).toBeNull();
  });

  it('is shown in the ticket detail', async () => {
    await show({
      ticket_detail: ({ id }) => (id === 2 ? ticket(2, { source: 'rt', external_id: '123' }) : ticket(id)),
      ticket_clocks: () => slaBoard([]),
    });
    await screen.findByTestId('sla-row-1');
    openTicket.value = 2;
    expect((await screen.findByTestId('ticket-source')).textContent).toBe('rt #123');
    openTicket.value = null;
    await waitFor(() => {
      expect(screen.queryByTestId('ticket-detail')).toBeNull();
    });
    openTicket.value = 1;
    await waitFor(() => {
      expect(screen.getByTestId('ticket-source').textContent).toBe('Local (this computer)');
    });
  });
});

describe("the helpdesk's value", () => {
  it('names the Fieldline state its status maps to, when the connection maps it', async () => {
    const { theirsText } = await import('./SyncConflicts');
    const { connections } = await import('../sync/status');
    const { connectionView } = await import('../test/fixtures');
    connections.value = [connectionView()];
    expect(theirsText(syncConflict(1))).toBe('stalled (Waiting on customer)');
    expect(theirsText(syncConflict(2, { theirs: 'custom' }))).toBe('custom');
    expect(theirsText(syncConflict(3, { field: 'priority', theirs: '50' }))).toBe('50');
    connections.value = null;
    expect(theirsText(syncConflict(4))).toBe('stalled');
  });
});
