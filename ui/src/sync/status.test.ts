import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyLanguage } from '../i18n';
import { connectionConfig, connectionTemplate, connectionView, syncReport } from '../test/fixtures';
import { fromDraft, secretOf, toDraft } from './draft';
import { indicator, reportText, statusParts, syncTime } from './status';

/** Local times, so the expected words do not depend on the machine's zone. */
const NOW = new Date(2026, 10, 24, 10, 0).getTime();
const at = (h: number, m: number, day = 24) => new Date(2026, 10, day, h, m).toISOString();

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('syncTime', () => {
  it.each([
    ['today', at(9, 14), '09:14'],
    ['another day', at(23, 5, 22), 'Sun 22 Nov, 23:05'],
    ['not a time', 'soon', 'soon'],
  ])('%s', (_what, input, expected) => {
    expect(syncTime(input, NOW)).toBe(expected);
  });
});

describe('statusParts', () => {
  it.each([
    ['never synced', {}, 'Never synced · 0 tickets'],
    ['synced, nothing waiting', { last_success: at(9, 14), tickets: 1 }, 'Last synced 09:14 · 1 ticket'],
    [
      'changes waiting and a conflict',
      { last_success: at(9, 14), waiting: 3, conflicts: 1, tickets: 42 },
      'Last synced 09:14 · 3 changes waiting · 1 conflict · 42 tickets',
    ],
    [
      'one change, two conflicts',
      { last_success: at(9, 14), waiting: 1, conflicts: 2, tickets: 2 },
      'Last synced 09:14 · 1 change waiting · 2 conflicts · 2 tickets',
    ],
  ])('%s', (_what, status, expected) => {
    expect(statusParts(connectionView(status).status, NOW).join(' · ')).toBe(expected);
  });

  it('speaks Korean', () => {
    applyLanguage('ko');
    expect(
      statusParts(
        connectionView({ last_success: at(9, 14), waiting: 3, conflicts: 1, tickets: 5 }).status,
        NOW,
      ),
    ).toEqual(['마지막 동기화 09:14', '보낼 변경 3건', '충돌 1건', '티켓 5건']);
  });
});

describe('indicator', () => {
  const other = (status: Parameters<typeof connectionView>[0]) =>
    connectionView(status, { config: connectionConfig({ name: 'otrs' }) });

  it.each([
    ['no connections', null, { kind: 'none' }],
    ['an empty list', [], { kind: 'none' }],
    [
      'synced with changes waiting',
      [connectionView({ last_success: at(9, 14), waiting: 3 })],
      { kind: 'ok', text: 'Synced 09:14 · 3 waiting', conflicts: 0 },
    ],
    [
      'the oldest success of all, waiting summed',
      [
        connectionView({ last_success: at(9, 50), waiting: 1 }),
        other({ last_success: at(9, 14), waiting: 2 }),
      ],
      { kind: 'ok', text: 'Synced 09:14 · 3 waiting', conflicts: 0 },
    ],
    [
      'one never synced',
      [connectionView({ last_success: at(9, 14), conflicts: 1 }), other({})],
      { kind: 'ok', text: 'Not synced yet', conflicts: 1 },
    ],
    [
      'the last error of one',
      [connectionView({ last_success: at(9, 14), last_error: 'rt.example.com: connection refused' })],
      { kind: 'failed', text: 'Sync failed: rt.example.com: connection refused', conflicts: 0 },
    ],
    [
      'the failing one named when there are several',
      [connectionView({ last_success: at(9, 14) }), other({ last_error: 'token refused', conflicts: 2 })],
      { kind: 'failed', text: 'Sync failed: otrs: token refused', conflicts: 2 },
    ],
  ])('%s', (_what, views, expected) => {
    expect(indicator(views, new Set(), NOW)).toEqual(expected);
  });

  it('says when a sync asked for here is running', () => {
    expect(indicator([connectionView({ last_error: 'x' })], new Set(['rt']), NOW)).toEqual({
      kind: 'syncing',
    });
  });
});

describe('reportText', () => {
  it.each([
    [{ pulled_new: 3, pulled_updated: 2, pushed: 1 }, 'Synced: 3 new, 2 updated, 1 sent.'],
    [{ pulled_new: 1, new_conflicts: 2 }, 'Synced: 1 new, 0 updated, 0 sent. New conflicts: 2.'],
    [
      { pulled_new: 1, unreadable: 2, warnings: ['ticket 2: Created "yesterday" is not a time', 'x'] },
      'Synced: 1 new, 0 updated, 0 sent. Skipped 2 tickets that could not be read (ticket 2: Created "yesterday" is not a time).',
    ],
    [
      { pulled_new: 1, error: 'timed out reading /REST/2.0/tickets' },
      'Sync stopped: timed out reading /REST/2.0/tickets',
    ],
  ])('%o', (report, expected) => {
    expect(reportText(syncReport(report))).toBe(expected);
  });
});

describe('the connection draft', () => {
  it('gives back the config it was made of', () => {
    const config = connectionConfig({ queues: ['General', 'Hanbit'] });
    const draft = toDraft(config);
    expect(draft.queues).toBe('General, Hanbit');
    expect(draft.secret).toBe('');
    expect(secretOf(draft)).toBeNull();
    expect(fromDraft(draft)).toEqual({ ok: true, value: config });
  });

  it('reads queues, numbers and rows, dropping empty rows and empty statuses', () => {
    const draft = toDraft(connectionTemplate());
    const checked = fromDraft({
      ...draft,
      name: ' rt ',
      queues: ' General ,, Support ',
      interval: ' 0 ',
      customers: [
        { key: 'General', value: 'acme' },
        { key: '', value: '' },
      ],
      statuses: { ...draft.statuses, closed: '  ' },
      p1: '100',
      secret: 's3cret',
    });
    if (!checked.ok) throw new Error(checked.errors.join('\n'));
    expect(checked.value.name).toBe('rt');
    expect(checked.value.queues).toEqual(['General', 'Support']);
    expect(checked.value.interval_minutes).toBe(0);
    expect(checked.value.mapping.customers).toEqual({ General: 'acme' });
    expect(checked.value.mapping.statuses).not.toHaveProperty('closed');
    expect(checked.value.mapping.priority_p1).toBe(100);
    expect(secretOf({ ...draft, secret: 's3cret' })).toBe('s3cret');
  });

  it.each([
    [{ interval: '1.5' }, 'Pull every: a whole number of minutes (0 for only on demand).'],
    [{ p2: 'high' }, 'P2 from: a whole number.'],
    [
      { customers: [{ key: 'General', value: '' }] },
      'Queue → customer, row 1: fill in both columns or remove the row.',
    ],
    [
      {
        policies: [
          { key: 'gold', value: 'standard' },
          { key: 'gold', value: 'premium' },
        ],
      },
      'SLA level → policy: “gold” is listed twice.',
    ],
    [
      { states: [{ key: 'open', value: 'doing' }] },
      'Helpdesk status → Fieldline state, row 1: fill in both columns or remove the row.',
    ],
  ])('refuses %o', (change, error) => {
    expect(fromDraft({ ...toDraft(connectionConfig()), ...change })).toEqual({ ok: false, errors: [error] });
  });
});

describe('runs started elsewhere', () => {
  it('a scheduled run shows as syncing until its report arrives', async () => {
    const { syncStarted, syncEnded, syncing, resetSync } = await import('./status');
    resetSync();
    const views = [connectionView()];
    syncStarted('rt');
    expect(indicator(views, syncing.value).kind).toBe('syncing');
    syncEnded('rt');
    expect(indicator(views, syncing.value).kind).not.toBe('syncing');
    resetSync();
  });
});
