import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import type { SlaBoard, Ticket, TicketChange } from '../bindings';
import { REFRESH_MS } from '../sla/board';
import { fleet, openTicket, section, slaFilter } from '../state';
import { answer, fail, type Handlers } from '../test/backend';
import { clock, NOW_MS, sampleFleet, slaBoard, slaRow, ticket } from '../test/fixtures';
import { FleetSection } from './FleetSection';
import { SlaSection } from './SlaSection';

const invokeMock = vi.mocked(invoke);

/** The computer's clock is years off the backend's: only the offset may be used. */
const LOCAL_MS = Date.UTC(2030, 5, 1, 12, 0, 0);

function show(handlers: Handlers) {
  answer(invokeMock, handlers);
  fleet.value = sampleFleet();
  return render(<SlaSection />);
}

function calls(name: string): unknown[][] {
  return invokeMock.mock.calls.filter(([cmd]) => cmd === name);
}

async function advance(ms: number) {
  await act(() => {
    vi.advanceTimersByTime(ms);
  });
}

beforeEach(() => {
  invokeMock.mockReset();
  // setTimeout stays real so Testing Library can wait; the board's intervals and the
  // clock are driven by the test.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(LOCAL_MS);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the board', () => {
  it('shows each ticket with a live countdown that changes colour on time', async () => {
    const board = slaBoard([
      slaRow(
        7,
        [
          clock(),
          clock({ kind: 'resolution', remaining_secs: 10_806, due_ms: NOW_MS + 10_806_000, ahead: [] }),
        ],
        {
          title: '<b>Mail down</b>',
          customer: 'hanbit',
        },
      ),
    ]);
    // Only the first read answers: what follows is the UI's own doing.
    let reads = 0;
    show({
      sla_board: () => {
        reads += 1;
        return reads === 1 ? board : new Promise<SlaBoard>(() => undefined);
      },
    });

    const fr = await screen.findByTestId('sla-clock-7-first_response');
    const row = screen.getByTestId('sla-row-7');
    expect(row.textContent).toContain('#7');
    expect(row.textContent).toContain('<b>Mail down</b>');
    expect(row.querySelector('b')).toBeNull();
    expect(row.textContent).toContain('한빛 물산');
    expect(row.textContent).toContain('P2');
    expect(row.textContent).toContain('New');
    expect(fr.getAttribute('data-level')).toBe('ok');
    expect(fr.textContent).toContain('1:00:06');
    expect(fr.textContent).toContain('due');

    await advance(5000);
    expect(fr.getAttribute('data-level')).toBe('ok');
    expect(fr.textContent).toContain('1:00:01');
    await advance(1000);
    expect(fr.getAttribute('data-level')).toBe('warn');
    expect(fr.className).toContain('warn');
    expect(fr.textContent).toContain('1:00:00');
    expect(screen.getByTestId('sla-clock-7-resolution').textContent).toContain('3:00:00');
  });

  it('reads the board again every few seconds while shown, and stops when gone', async () => {
    const { unmount } = show({ sla_board: () => slaBoard([slaRow(1, [clock()])]) });
    await screen.findByTestId('sla-row-1');
    expect(calls('sla_board')).toHaveLength(1);
    await advance(REFRESH_MS);
    expect(calls('sla_board')).toHaveLength(2);
    unmount();
    await advance(REFRESH_MS * 3);
    expect(calls('sla_board')).toHaveLength(2);
  });

  it('shows paused and breached clocks, and the error of a row that cannot be computed', async () => {
    show({
      sla_board: () =>
        slaBoard([
          slaRow(1, [
            clock({ level: 100, remaining_secs: -125, breached_at: '2026-11-24T00:57:55Z', ahead: [] }),
          ]),
          slaRow(2, [clock({ running: false, paused: true, counting_now: false, due_ms: null, ahead: [] })], {
            state: 'waiting_on_customer',
          }),
          { ...slaRow(3, []), error: 'policy "gold" is not in the SLA configuration' },
        ]),
    });
    const breached = await screen.findByTestId('sla-clock-1-first_response');
    expect(breached.getAttribute('data-level')).toBe('breached');
    expect(breached.textContent).toContain('-0:02:05');
    const paused = screen.getByTestId('sla-clock-2-first_response');
    expect(paused.getAttribute('data-level')).toBe('paused');
    expect(paused.textContent).toContain('paused');
    await advance(3000);
    expect(paused.textContent).toContain('1:00:06');
    expect(screen.getByTestId('sla-row-error-3').textContent).toBe(
      'policy "gold" is not in the SLA configuration',
    );
  });

  it('filters by customer and priority, and says when more tickets are open than shown', async () => {
    show({
      sla_board: () =>
        slaBoard(
          [
            slaRow(1, [clock()], { customer: 'acme', priority: 'P1' }),
            slaRow(2, [clock()], { customer: 'hanbit', priority: 'P2' }),
            slaRow(3, [clock()], { customer: 'acme', priority: 'P2' }),
          ],
          { total: 812 },
        ),
    });
    await screen.findByTestId('sla-row-1');
    expect(screen.getByTestId('sla-total').textContent).toBe(
      'Showing the 3 most urgent of 812 open tickets.',
    );
    fireEvent.change(screen.getByTestId('sla-filter-customer'), { target: { value: 'acme' } });
    await waitFor(() => {
      expect(screen.queryByTestId('sla-row-2')).toBeNull();
    });
    fireEvent.change(screen.getByTestId('sla-filter-priority'), { target: { value: 'P2' } });
    await waitFor(() => {
      expect(screen.queryByTestId('sla-row-1')).toBeNull();
    });
    expect(screen.getByTestId('sla-row-3')).toBeTruthy();
    expect(slaFilter.value).toEqual({ customer: 'acme', priority: 'P2' });
    // The backend filters before it keeps the most urgent rows, so it is asked again.
    await waitFor(() => {
      expect(invokeMock).toHaveBeenLastCalledWith('sla_board', { customer: 'acme', priority: 'P2' });
    });
    expect(invokeMock).toHaveBeenCalledWith('sla_board', { customer: null, priority: null });
  });

  it('offers to import policies when none are configured, and shows what the import says', async () => {
    let board: SlaBoard = slaBoard([], { configured: false });
    show({
      sla_board: () => board,
      sla_config_info: () => ({ file_name: null, policies: [], contracts: [] }),
      import_sla_config: ({ text }) => {
        if (text.includes('bad')) {
          fail({
            kind: 'BadFile',
            message:
              'sla.toml:3: policies.standard.P2: unknown key "frist_response"\nsla.toml:9: calendars.x.mon: "9-18" is not a window like "09:00-18:00"',
          });
        }
        board = slaBoard([]);
        return { file_name: 'sla.toml', policies: ['gold', 'standard'], contracts: [] };
      },
    });
    const empty = await screen.findByTestId('sla-empty');
    expect(screen.getByTestId<HTMLButtonElement>('new-ticket').disabled).toBe(true);
    fireEvent.click(within(empty).getByTestId('sla-import'));

    const input = await screen.findByTestId('sla-import-file');
    fireEvent.change(input, { target: { files: [new File(['bad = 1'], 'sla.toml')] } });
    const failed = await screen.findByTestId('sla-import-result');
    expect(failed.tagName).toBe('PRE');
    expect(failed.textContent).toBe(
      'Nothing was imported:\nsla.toml:3: policies.standard.P2: unknown key "frist_response"\nsla.toml:9: calendars.x.mon: "9-18" is not a window like "09:00-18:00"',
    );

    fireEvent.change(input, {
      target: { files: [new File(['a'], 'one.toml'), new File(['b'], 'two.toml')] },
    });
    expect((await screen.findByTestId('sla-import-result')).textContent).toBe(
      'Choose one .toml policy file, and with it any .ics holiday calendars it names.',
    );

    fireEvent.change(input, {
      target: {
        files: [new File(['BEGIN:VCALENDAR'], 'korea.ics'), new File(['[[policies]]'], 'sla.toml')],
      },
    });
    await waitFor(() => {
      expect(screen.getByTestId('sla-import-result').textContent).toContain('Imported.');
    });
    expect(screen.getByTestId('sla-import-result').textContent).toContain('Policies: gold, standard.');
    expect(invokeMock).toHaveBeenCalledWith('import_sla_config', {
      fileName: 'sla.toml',
      text: '[[policies]]',
      includes: [{ name: 'korea.ics', text: 'BEGIN:VCALENDAR' }],
    });
    fireEvent.click(screen.getByTestId('sla-import-close'));
    expect(await screen.findByTestId('sla-none')).toBeTruthy();
    expect(screen.getByTestId<HTMLButtonElement>('new-ticket').disabled).toBe(false);
  });
});

describe('tickets', () => {
  it('opens a ticket for a customer and endpoint of that customer, then shows it', async () => {
    show({
      sla_board: () => slaBoard([]),
      sla_config_info: () => ({ file_name: 'sla.toml', policies: ['standard'], contracts: [] }),
      open_ticket: ({ ticket: t }) => ticket(5, { customer: t.customer, title: t.title }),
      ticket_detail: () => ticket(5, { title: 'NAS full' }),
    });
    fireEvent.click(await screen.findByTestId('new-ticket'));
    fireEvent.click(screen.getByTestId('ticket-save'));
    expect((await screen.findByTestId('ticket-form-error')).textContent).toContain('Customer: is required');
    expect(calls('open_ticket')).toHaveLength(0);

    fireEvent.change(screen.getByTestId('ticket-field-customer'), { target: { value: 'hanbit' } });
    const endpoints = screen.getByTestId<HTMLSelectElement>('ticket-field-endpoint');
    expect([...endpoints.options].map((o) => o.value)).toEqual(['', 'hanbit-nas']);
    fireEvent.change(endpoints, { target: { value: 'hanbit-nas' } });
    fireEvent.input(screen.getByTestId('ticket-field-title'), { target: { value: '  NAS full ' } });
    fireEvent.change(screen.getByTestId('ticket-field-priority'), { target: { value: 'P1' } });
    await waitFor(() => {
      expect(screen.getByTestId<HTMLSelectElement>('ticket-field-policy').options[0]?.textContent).toBe(
        'The only policy (standard)',
      );
    });
    fireEvent.click(screen.getByTestId('ticket-save'));

    expect(await screen.findByTestId('ticket-detail')).toBeTruthy();
    expect(invokeMock).toHaveBeenCalledWith('open_ticket', {
      ticket: { customer: 'hanbit', endpoint: 'hanbit-nas', title: 'NAS full', priority: 'P1', policy: null },
    });
    expect(screen.queryByTestId('ticket-form')).toBeNull();
    expect(openTicket.value).toBe(5);
  });

  it('reads the clocks of a ticket the board in view does not hold', async () => {
    show({
      sla_board: () => slaBoard([slaRow(1, [clock()])]),
      ticket_detail: ({ id }) => ticket(id, { title: 'Far down the list' }),
      ticket_clocks: ({ id }) => slaBoard([slaRow(id, [clock({ kind: 'resolution' })])]),
    });
    await screen.findByTestId('sla-row-1');
    await act(() => {
      openTicket.value = 77;
    });
    const detail = await screen.findByTestId('ticket-detail');
    await waitFor(() => {
      expect(within(detail).getByTestId('ticket-clock-resolution')).toBeTruthy();
    });
    expect(invokeMock).toHaveBeenCalledWith('ticket_clocks', { id: 77 });
  });

  it('records the reply, notes and time, and shows markup in a note as text', async () => {
    let current: Ticket = ticket(9, { title: 'Printer <script>x</script>' });
    const changes: TicketChange[] = [];
    show({
      sla_board: () => slaBoard([slaRow(9, [clock()])]),
      ticket_detail: () => current,
      change_ticket: ({ change }) => {
        changes.push(change);
        if (change.kind === 'time' && change.minutes > 100) fail({ kind: 'BadFile', message: 'too long' });
        current = {
          ...current,
          minutes: current.minutes + (change.kind === 'time' ? change.minutes : 0),
          events: [...current.events, { id: current.events.length + 1, at: '2026-11-24T01:00:05Z', change }],
        };
        return current;
      },
    });
    fireEvent.click(await screen.findByTestId('sla-row-9'));
    const detail = await screen.findByTestId('ticket-detail');
    await waitFor(() => {
      expect(detail.textContent).toContain('#9 Printer <script>x</script>');
    });

    const idle = () =>
      waitFor(() => {
        expect(screen.getByTestId<HTMLButtonElement>('ticket-note-add').disabled).toBe(false);
      });
    fireEvent.click(screen.getByTestId('ticket-respond'));
    await waitFor(() => {
      expect(screen.getByTestId('ticket-respond').textContent).toBe('Responded ✓');
    });
    await idle();
    expect(screen.getByTestId<HTMLButtonElement>('ticket-respond').disabled).toBe(true);

    const hostile = '<img src=x onerror=alert(1)>\nsecond line';
    fireEvent.input(screen.getByTestId('ticket-note-text'), { target: { value: hostile } });
    fireEvent.click(screen.getByTestId('ticket-note-add'));
    const timeline = screen.getByTestId('ticket-timeline');
    await waitFor(() => {
      expect(timeline.textContent).toContain('<img src=x onerror=alert(1)>');
    });
    expect(timeline.querySelector('img')).toBeNull();
    expect(screen.getByTestId<HTMLTextAreaElement>('ticket-note-text').value).toBe('');
    await idle();

    fireEvent.input(screen.getByTestId('ticket-time-minutes'), { target: { value: 'ten' } });
    fireEvent.click(screen.getByTestId('ticket-time-add'));
    expect((await screen.findByTestId('ticket-error')).textContent).toContain(
      'a whole number from 1 to 10080',
    );
    fireEvent.input(screen.getByTestId('ticket-time-minutes'), { target: { value: '500' } });
    fireEvent.click(screen.getByTestId('ticket-time-add'));
    await waitFor(() => {
      expect(screen.getByTestId('ticket-error').textContent).toBe('too long');
    });
    fireEvent.input(screen.getByTestId('ticket-time-minutes'), { target: { value: '45' } });
    fireEvent.click(screen.getByTestId('ticket-time-onsite'));
    fireEvent.click(screen.getByTestId('ticket-time-add'));
    await waitFor(() => {
      expect(screen.getByTestId('ticket-worked').textContent).toBe('0h 45m');
    });
    expect(timeline.textContent).toContain('Logged 0h 45m on site');
    await idle();

    fireEvent.change(screen.getByTestId('ticket-state'), { target: { value: 'in_progress' } });
    await waitFor(() => {
      expect(timeline.textContent).toContain('State: In progress');
    });

    expect(changes).toEqual([
      { kind: 'responded' },
      { kind: 'note', text: hostile },
      { kind: 'time', minutes: 500, on_site: false, note: '' },
      { kind: 'time', minutes: 45, on_site: true, note: '' },
      { kind: 'state', state: 'in_progress' },
    ]);
    // Every change is followed by a fresh board.
    expect(calls('sla_board').length).toBeGreaterThanOrEqual(5);
  });
});

describe('monthly report', () => {
  it('shows the backend’s month by default, the report as tables, and where a save went', async () => {
    show({
      sla_board: () => slaBoard([]),
      sla_report: ({ customer, month }) => ({
        customer,
        customer_name: 'ACME Corp',
        month,
        timezone: 'Asia/Seoul',
        generated_at: '2026-11-24T01:00:00Z',
        priorities: [
          {
            priority: 'P2',
            tickets: 3,
            response_met: 2,
            response_breached: 1,
            response_open: 0,
            resolution_met: 1,
            resolution_breached: 0,
            resolution_open: 2,
            mean_response_secs: 11_100,
            mean_resolution_secs: null,
          },
        ],
        tickets: [
          {
            id: 4,
            title: '=HYPERLINK("x")',
            priority: 'P2',
            opened_at: '2026-11-03T00:00:00Z',
            state: 'resolved',
            response: 'breached',
            response_secs: 9000,
            resolution: 'met',
            resolution_secs: 12_000,
            minutes_worked: 90,
          },
        ],
        uptime_percent: null,
      }),
      save_sla_report: ({ format }) => ({
        path: `/home/tech/Downloads/fieldline-sla-acme-2026-11.${format}`,
      }),
    });
    await screen.findByTestId('sla-none');
    fireEvent.click(screen.getByTestId('sla-view-report'));
    expect(screen.getByTestId<HTMLInputElement>('report-month').value).toBe('2026-11');
    expect(screen.getByTestId<HTMLSelectElement>('report-customer').value).toBe('acme');

    fireEvent.click(screen.getByTestId('report-show'));
    const table = await screen.findByTestId('report-table');
    const p2 = within(table).getByTestId('report-priority-P2');
    expect([...p2.querySelectorAll('th, td')].map((c) => c.textContent)).toEqual([
      'P2',
      '3',
      '2',
      '1',
      '0',
      '3h 05m',
      '1',
      '0',
      '2',
      '—',
    ]);
    expect(screen.getByTestId('report-tickets').textContent).toContain('=HYPERLINK("x")');
    expect(invokeMock).toHaveBeenCalledWith('sla_report', { customer: 'acme', month: '2026-11' });

    fireEvent.click(screen.getByTestId('report-save-csv'));
    expect((await screen.findByTestId('report-saved')).textContent).toContain(
      '/home/tech/Downloads/fieldline-sla-acme-2026-11.csv',
    );
    expect(invokeMock).toHaveBeenCalledWith('save_sla_report', {
      customer: 'acme',
      month: '2026-11',
      format: 'csv',
    });

    fireEvent.input(screen.getByTestId('report-month'), { target: { value: '11/2026' } });
    fireEvent.click(screen.getByTestId('report-save-html'));
    expect((await screen.findByTestId('report-error')).textContent).toContain('write it like 2026-11');
    expect(calls('save_sla_report')).toHaveLength(1);
  });
});

describe('the dashboard strip', () => {
  it('shows the three most urgent clocks and leads to their ticket', async () => {
    answer(invokeMock, {
      fleet_snapshot: () => sampleFleet(),
      sla_board: () =>
        slaBoard([
          slaRow(1, [
            clock({ due_ms: NOW_MS + 50_000 }),
            clock({ kind: 'resolution', due_ms: NOW_MS + 90_000 }),
          ]),
          slaRow(2, [
            clock({ level: 100, remaining_secs: -1, breached_at: '2026-11-24T00:59:59Z', ahead: [] }),
          ]),
          slaRow(3, [clock({ due_ms: NOW_MS + 70_000 })]),
        ]),
    });
    fleet.value = sampleFleet();
    render(<FleetSection />);
    const strip = await screen.findByTestId('urgent-strip');
    const items = [...strip.querySelectorAll('[data-testid^="urgent-"]')].map((e) =>
      e.getAttribute('data-testid'),
    );
    expect(items).toEqual([
      'urgent-2-first_response',
      'urgent-1-first_response',
      'urgent-3-first_response',
      'urgent-strip-all',
    ]);
    expect(
      within(strip)
        .getByTestId('urgent-2-first_response')
        .querySelector('[data-level]')
        ?.getAttribute('data-level'),
    ).toBe('breached');
    fireEvent.click(within(strip).getByTestId('urgent-3-first_response'));
    expect(section.value).toBe('sla');
    expect(openTicket.value).toBe(3);
  });

  it('stays out of the way when there is nothing to show or the board cannot be read', async () => {
    answer(invokeMock, { sla_board: () => fail({ kind: 'Store', message: 'locked' }) });
    fleet.value = sampleFleet();
    render(<FleetSection />);
    await screen.findByTestId('tree-customer-acme');
    await waitFor(() => {
      expect(calls('sla_board')).toHaveLength(1);
    });
    expect(screen.queryByTestId('urgent-strip')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
