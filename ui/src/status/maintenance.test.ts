import { describe, expect, it } from 'vitest';
import type { MaintenanceWindow, Schedule } from '../bindings';
import { applyLanguage } from '../i18n';
import { customer, endpoint, site } from '../test/fixtures';
import {
  activeAt,
  activeFor,
  addMinutes,
  clockText,
  describeWindow,
  isValidZone,
  lengthText,
  parseClock,
  parseInputValue,
  unixToInputValue,
  windowsFor,
  zonedParts,
  zonedToUnix,
  zoneOffsetMs,
} from './maintenance';

const utc = (text: string) => Date.parse(text) / 1000;
const local = (text: string) => {
  const parsed = parseInputValue(text);
  if (!parsed) throw new Error(`not a local time: ${text}`);
  return parsed;
};

function window(schedule: Schedule, extra: Partial<MaintenanceWindow> = {}): MaintenanceWindow {
  return {
    id: 1,
    scope: { kind: 'site', id: 'seoul' },
    mode: 'stop_notifying',
    schedule,
    reason: '',
    ...extra,
  };
}

describe('zone conversion', () => {
  it('reads Seoul wall-clock times at UTC+9, with no DST', () => {
    expect(zonedToUnix(local('2026-11-24T02:00'), 'Asia/Seoul')).toBe(utc('2026-11-23T17:00:00Z'));
    expect(zonedToUnix(local('2026-07-01T00:00'), 'Asia/Seoul')).toBe(utc('2026-06-30T15:00:00Z'));
    expect(zoneOffsetMs('Asia/Seoul', Date.parse('2026-03-08T07:00:00Z'))).toBe(9 * 3600_000);
    expect(unixToInputValue(utc('2026-11-23T17:00:00Z'), 'Asia/Seoul')).toBe('2026-11-24T02:00');
  });

  it('follows New York across the March change (2026-03-08, 02:00 EST → 03:00 EDT)', () => {
    const ny = 'America/New_York';
    expect(zoneOffsetMs(ny, Date.parse('2026-03-08T06:59:00Z'))).toBe(-5 * 3600_000);
    expect(zoneOffsetMs(ny, Date.parse('2026-03-08T07:00:00Z'))).toBe(-4 * 3600_000);
    expect(zonedToUnix(local('2026-03-07T22:00'), ny)).toBe(utc('2026-03-08T03:00:00Z'));
    expect(zonedToUnix(local('2026-03-08T01:59'), ny)).toBe(utc('2026-03-08T06:59:00Z'));
    expect(zonedToUnix(local('2026-03-08T03:00'), ny)).toBe(utc('2026-03-08T07:00:00Z'));
    expect(zonedToUnix(local('2026-03-08T12:00'), ny)).toBe(utc('2026-03-08T16:00:00Z'));
    expect(zonedToUnix(local('2026-03-09T02:30'), ny)).toBe(utc('2026-03-09T06:30:00Z'));
  });

  it('reads a time skipped by the change with the offset before it, as the engine does', () => {
    // 02:30 does not exist that night: 02:30 EST = 07:30Z = 03:30 EDT.
    expect(zonedToUnix(local('2026-03-08T02:30'), 'America/New_York')).toBe(utc('2026-03-08T07:30:00Z'));
    expect(zonedToUnix(local('2027-03-14T02:30'), 'America/New_York')).toBe(utc('2027-03-14T07:30:00Z'));
  });

  it('takes the first of a time shown twice in November', () => {
    expect(zonedToUnix(local('2026-11-01T01:30'), 'America/New_York')).toBe(utc('2026-11-01T05:30:00Z'));
    expect(zonedToUnix(local('2026-11-01T02:30'), 'America/New_York')).toBe(utc('2026-11-01T07:30:00Z'));
  });

  it('gives the wall clock and the weekday, Monday first', () => {
    // 2026-11-29T14:30Z is Sunday 23:30 in Seoul and Sunday 09:30 in New York.
    expect(zonedParts(utc('2026-11-29T14:30:00Z'), 'Asia/Seoul')).toEqual({
      year: 2026,
      month: 11,
      day: 29,
      hour: 23,
      minute: 30,
      weekday: 6,
    });
    expect(zonedParts(utc('2026-11-29T15:00:00Z'), 'Asia/Seoul').weekday).toBe(0);
    expect(zonedParts(utc('2026-11-29T14:30:00Z'), 'America/New_York').hour).toBe(9);
  });

  it('knows which zones exist', () => {
    expect(isValidZone('Asia/Seoul')).toBe(true);
    expect(isValidZone('UTC')).toBe(true);
    expect(isValidZone('Mars/Olympus')).toBe(false);
    expect(isValidZone('')).toBe(false);
  });
});

describe('form values', () => {
  it('parses date-time inputs and rejects days that do not exist', () => {
    expect(parseInputValue('2026-11-24T02:05')).toEqual({
      year: 2026,
      month: 11,
      day: 24,
      hour: 2,
      minute: 5,
    });
    expect(parseInputValue('2026-11-24T02:05:00')).not.toBeNull();
    expect(parseInputValue('2026-02-30T10:00')).toBeNull();
    expect(parseInputValue('2026-11-24T24:00')).toBeNull();
    expect(parseInputValue('')).toBeNull();
    expect(parseInputValue('tomorrow')).toBeNull();
  });

  it('parses and prints times of day', () => {
    expect(parseClock('02:00')).toBe(120);
    expect(parseClock('23:59')).toBe(1439);
    expect(parseClock('24:00')).toBeNull();
    expect(parseClock('2pm')).toBeNull();
    expect(clockText(120)).toBe('02:00');
    expect(clockText(1440 + 60)).toBe('01:00');
  });

  it('moves wall-clock times across days and months', () => {
    expect(addMinutes(local('2026-11-30T23:00'), 120)).toEqual(local('2026-12-01T01:00'));
  });
});

describe('activeAt', () => {
  const sunday23 = window({ kind: 'weekly', days: [6], start_minute: 23 * 60, minutes: 120 });

  it('reads weekly windows in the zone given, past midnight too', () => {
    const s = sunday23.schedule;
    expect(activeAt(s, 'Asia/Seoul', utc('2026-11-29T14:30:00Z'))).toBe(true);
    expect(activeAt(s, 'Asia/Seoul', utc('2026-11-29T15:59:59Z'))).toBe(true);
    expect(activeAt(s, 'Asia/Seoul', utc('2026-11-29T16:00:00Z'))).toBe(false);
    expect(activeAt(s, 'Asia/Seoul', utc('2026-11-29T13:59:59Z'))).toBe(false);
    expect(activeAt(s, 'America/New_York', utc('2026-11-29T14:30:00Z'))).toBe(false);
    expect(activeAt(s, 'America/New_York', utc('2026-11-30T04:30:00Z'))).toBe(true);
  });

  it('starts a weekly window in a DST gap with the offset before it', () => {
    const s: Schedule = { kind: 'weekly', days: [6], start_minute: 150, minutes: 60 };
    expect(activeAt(s, 'America/New_York', utc('2027-03-14T07:40:00Z'))).toBe(true);
    expect(activeAt(s, 'America/New_York', utc('2027-03-14T07:10:00Z'))).toBe(false);
    expect(activeAt(s, 'America/New_York', utc('2027-03-14T08:30:00Z'))).toBe(false);
  });

  it('keeps a week-long window running into the next week', () => {
    const s: Schedule = { kind: 'weekly', days: [0], start_minute: 0, minutes: 7 * 24 * 60 };
    expect(activeAt(s, 'Asia/Seoul', utc('2026-11-29T14:59:00Z'))).toBe(true);
  });

  it('includes a one-off window from its start, not at its end', () => {
    const s: Schedule = { kind: 'once', from: 100, to: 200 };
    expect(activeAt(s, 'UTC', 100)).toBe(true);
    expect(activeAt(s, 'UTC', 199)).toBe(true);
    expect(activeAt(s, 'UTC', 200)).toBe(false);
    expect(activeAt(s, 'UTC', 99)).toBe(false);
  });

  it('is never in force in a zone nobody knows', () => {
    expect(activeAt(sunday23.schedule, 'Mars/Olympus', utc('2026-11-29T14:30:00Z'))).toBe(false);
  });
});

describe('windows covering an entity', () => {
  const fleet = {
    customers: [customer('acme', 'ACME')],
    sites: [site('seoul', 'acme', 'Seoul'), site('ny', 'acme', 'New York', { timezone: 'America/New_York' })],
    endpoints: [endpoint('db', 'seoul'), endpoint('web', 'ny')],
  };
  const own = window({ kind: 'once', from: 0, to: 1 }, { id: 1, scope: { kind: 'endpoint', id: 'db' } });
  const bySite = window({ kind: 'once', from: 0, to: 1 }, { id: 2, scope: { kind: 'site', id: 'seoul' } });
  const byCustomer = window(
    { kind: 'weekly', days: [6], start_minute: 23 * 60, minutes: 120 },
    { id: 3, scope: { kind: 'customer', id: 'acme' } },
  );
  const other = window({ kind: 'once', from: 0, to: 1 }, { id: 4, scope: { kind: 'endpoint', id: 'web' } });
  const all = [byCustomer, other, bySite, own];

  it('lists its own first, then its site’s and its customer’s, marked as inherited', () => {
    expect(windowsFor(fleet, { kind: 'endpoint', id: 'db' }, all)).toEqual([
      { window: own, inherited: null },
      { window: bySite, inherited: 'site' },
      { window: byCustomer, inherited: 'customer' },
    ]);
    expect(windowsFor(fleet, { kind: 'site', id: 'ny' }, all)).toEqual([
      { window: byCustomer, inherited: 'customer' },
    ]);
    expect(windowsFor(fleet, { kind: 'customer', id: 'acme' }, all)).toEqual([
      { window: byCustomer, inherited: null },
    ]);
  });

  it('reads a customer window in each site’s zone', () => {
    const seoulSunday = utc('2026-11-29T14:30:00Z');
    expect(activeFor(fleet, { kind: 'endpoint', id: 'db' }, byCustomer, seoulSunday)).toBe(true);
    expect(activeFor(fleet, { kind: 'endpoint', id: 'web' }, byCustomer, seoulSunday)).toBe(false);
    expect(activeFor(fleet, { kind: 'customer', id: 'acme' }, byCustomer, seoulSunday)).toBe(true);
    expect(activeFor(fleet, { kind: 'customer', id: 'acme' }, byCustomer, utc('2026-11-29T12:00:00Z'))).toBe(
      false,
    );
  });
});

describe('describeWindow', () => {
  it('says when, in which zone, what it does and why', () => {
    const w = window(
      { kind: 'weekly', days: [2, 0], start_minute: 120, minutes: 120 },
      { mode: 'stop_checking', reason: 'Patch night' },
    );
    expect(describeWindow(w, 'Asia/Seoul')).toBe(
      'Every Mon, Wed 02:00–04:00 (Asia/Seoul), stop checking — Patch night',
    );
    applyLanguage('ko');
    expect(describeWindow(w, 'Asia/Seoul')).toBe(
      '매주 월, 수 02:00–04:00 (Asia/Seoul), 점검 중단 — Patch night',
    );
    applyLanguage('en');
  });

  it('describes one-off windows in the zone given', () => {
    const w = window({
      kind: 'once',
      from: utc('2026-11-23T17:00:00Z'),
      to: utc('2026-11-23T21:00:00Z'),
    });
    expect(describeWindow(w, 'Asia/Seoul')).toBe('2026-11-24 02:00–06:00 (Asia/Seoul), hold alerts');
    expect(describeWindow(w, 'America/New_York')).toBe(
      '2026-11-23 12:00–16:00 (America/New_York), hold alerts',
    );
    const overnight = window({
      kind: 'once',
      from: utc('2026-11-24T13:00:00Z'),
      to: utc('2026-11-24T17:30:00Z'),
    });
    expect(describeWindow(overnight, 'Asia/Seoul')).toBe(
      '2026-11-24 22:00 – 2026-11-25 02:30 (Asia/Seoul), hold alerts',
    );
  });

  it('says when a weekly window runs past midnight, every day, or for days', () => {
    expect(
      describeWindow(window({ kind: 'weekly', days: [6], start_minute: 23 * 60, minutes: 120 }), 'UTC'),
    ).toBe('Every Sun 23:00–01:00 (next day) (UTC), hold alerts');
    expect(
      describeWindow(
        window({ kind: 'weekly', days: [0, 1, 2, 3, 4, 5, 6], start_minute: 0, minutes: 30 }),
        'UTC',
      ),
    ).toBe('Every day 00:00–00:30 (UTC), hold alerts');
    expect(
      describeWindow(window({ kind: 'weekly', days: [5], start_minute: 22 * 60, minutes: 30 * 60 }), 'UTC'),
    ).toBe('Every Sat from 22:00 for 1 d 6 h (UTC), hold alerts');
  });

  it('says a customer’s weekly window runs in each site’s zone', () => {
    const w = window({ kind: 'weekly', days: [6], start_minute: 60, minutes: 60 });
    expect(describeWindow(w, null)).toBe('Every Sun 01:00–02:00 (each site’s time zone), hold alerts');
  });

  it('keeps markup in a reason as plain text', () => {
    const w = window({ kind: 'once', from: 0, to: 60 }, { reason: '<b>x</b>' });
    expect(describeWindow(w, 'UTC')).toBe('1970-01-01 00:00–00:01 (UTC), hold alerts — <b>x</b>');
  });

  it('writes lengths in days, hours and minutes', () => {
    expect(lengthText(45)).toBe('45 min');
    expect(lengthText(150)).toBe('2 h 30 min');
    expect(lengthText(1440 + 360)).toBe('1 d 6 h');
  });
});
