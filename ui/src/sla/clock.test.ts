import { describe, expect, it } from 'vitest';
import { clock, NOW_MS, slaRow } from '../test/fixtures';
import {
  clockOffset,
  formatCountdown,
  hoursMinutes,
  isMonth,
  levelAt,
  levelOf,
  monthOf,
  mostUrgent,
  parseTarget,
  percentAt,
  remainingAt,
  serverNow,
} from './clock';

describe('levelOf', () => {
  it.each([
    [0, [50, 75, 90], true, 'ok'],
    [49, [50, 75, 90], true, 'ok'],
    [50, [50, 75, 90], true, 'warn'],
    [75, [50, 75, 90], true, 'warn'],
    [90, [50, 75, 90], true, 'high'],
    [100, [50, 75, 90], true, 'breached'],
    [100, [50, 75, 90], false, 'breached'],
    [75, [50, 75, 90], false, 'paused'],
    [0, [], true, 'ok'],
    [80, [80], true, 'high'],
    [60, [90, 60], true, 'warn'],
  ] as const)('%i%% of %j, running %s → %s', (percent, thresholds, running, expected) => {
    expect(levelOf(percent, thresholds, running)).toBe(expected);
  });
});

describe('levelAt', () => {
  const c = clock();

  it('keeps the level read until the next crossing is due', () => {
    expect(percentAt(c, NOW_MS)).toBe(0);
    expect(levelAt(c, NOW_MS + 5_999)).toBe('ok');
  });

  it('switches at the instant a crossing is due, without a new read', () => {
    expect(levelAt(c, NOW_MS + 6_000)).toBe('warn');
    expect(levelAt(c, NOW_MS + 2_886_000)).toBe('high');
    expect(levelAt(c, NOW_MS + 3_606_000)).toBe('breached');
  });

  it('never goes below the level read', () => {
    expect(levelAt(clock({ level: 75, ahead: [] }), NOW_MS)).toBe('warn');
    expect(levelAt(clock({ level: 100, ahead: [] }), NOW_MS)).toBe('breached');
  });

  it('shows a paused clock as paused, a breached one as breached', () => {
    expect(levelAt(clock({ running: false, paused: true, level: 50, ahead: [] }), NOW_MS)).toBe('paused');
    expect(levelAt(clock({ running: false, paused: true, level: 100, ahead: [] }), NOW_MS)).toBe('breached');
  });
});

describe('remainingAt', () => {
  it('counts down while the calendar is open', () => {
    expect(remainingAt(clock(), NOW_MS, NOW_MS + 4_999)).toBe(3602);
    expect(remainingAt(clock({ remaining_secs: 2 }), NOW_MS, NOW_MS + 5_000)).toBe(-3);
  });

  it('stands still while paused or outside business hours', () => {
    expect(remainingAt(clock({ counting_now: false }), NOW_MS, NOW_MS + 60_000)).toBe(3606);
  });

  it('never counts up when the tick lags behind the read', () => {
    expect(remainingAt(clock(), NOW_MS, NOW_MS - 800)).toBe(3606);
  });
});

describe('offset', () => {
  it('moves the backend time forward by the time passed here', () => {
    // The backend runs an injected clock in 2026; this computer says something else.
    const local = Date.UTC(2031, 0, 1);
    const offset = clockOffset(NOW_MS, local);
    expect(serverNow(offset, local)).toBe(NOW_MS);
    expect(serverNow(offset, local + 1500)).toBe(NOW_MS + 1500);
  });
});

describe('formatting', () => {
  it.each([
    [0, '0:00:00'],
    [6, '0:00:06'],
    [3606, '1:00:06'],
    [36_000, '10:00:00'],
    [360_000 + 59, '100:00:59'],
    [-1, '-0:00:01'],
    [-3725, '-1:02:05'],
  ])('countdown %i s → %s', (secs, text) => {
    expect(formatCountdown(secs)).toBe(text);
  });

  it.each([
    [0, 0, '00'],
    [11_100, 3, '05'],
    [3599, 1, '00'],
    [59 * 60, 0, '59'],
    [-30, 0, '00'],
  ])('%i s is %ih %sm', (secs, h, m) => {
    expect(hoursMinutes(secs)).toEqual({ h, m });
  });
});

describe('mostUrgent', () => {
  it('puts breaches first, then running clocks by due time, then paused ones', () => {
    const paused = slaRow(1, [clock({ running: false, paused: true, due_ms: null, remaining_secs: 60 })]);
    const later = slaRow(2, [
      clock({ due_ms: NOW_MS + 9_000 }),
      clock({ kind: 'resolution', due_ms: NOW_MS + 99_000 }),
    ]);
    const breached = slaRow(3, [
      clock({ level: 100, remaining_secs: -5, breached_at: '2026-11-24T00:59:55Z' }),
    ]);
    const sooner = slaRow(4, [clock({ due_ms: NOW_MS + 1_000 })]);
    const top = mostUrgent([paused, later, breached, sooner], 3);
    expect(top.map((u) => `${String(u.row.ticket.id)}:${u.clock.kind}`)).toEqual([
      '3:first_response',
      '4:first_response',
      '2:first_response',
    ]);
  });

  it('is empty for an empty board', () => {
    expect(mostUrgent([], 3)).toEqual([]);
  });
});

describe('parseTarget', () => {
  it.each([
    ['ticket:12', { kind: 'ticket', id: 12 }],
    ['sla:acme', { kind: 'customer', id: 'acme' }],
    ['sla:', null],
    ['ticket:12x', null],
    ['ticket:-1', null],
    ['endpoint:web1', null],
    ['nonsense', null],
  ])('%s', (target, expected) => {
    expect(parseTarget(target)).toEqual(expected);
  });
});

describe('months', () => {
  it('names the month of an instant in the computer’s zone', () => {
    expect(monthOf(new Date(2026, 10, 24, 12).getTime())).toBe('2026-11');
    expect(monthOf(new Date(2027, 0, 1, 0, 30).getTime())).toBe('2027-01');
  });

  it.each([
    ['2026-11', true],
    [' 2026-01 ', true],
    ['2026-13', false],
    ['2026-00', false],
    ['2026-1', false],
    ['Nov 2026', false],
  ])('%s is a month: %s', (text, ok) => {
    expect(isMonth(text)).toBe(ok);
  });
});
