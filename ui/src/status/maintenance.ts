// Maintenance windows and acknowledgements for people: wall-clock times in a named time
// zone turned into Unix seconds and back, whether a window is in force, which windows
// cover a customer, site or endpoint, and one readable line per window. Pure except for
// the current language (`t`), so the detail, the form and the tests agree.
//
// The zone rules are those of the engine (crates/fieldline-core/src/maintenance.rs): a
// wall-clock time that does not exist (a DST gap) is read with the offset before the gap,
// one that exists twice (the hour repeated in autumn) is the earlier of the two.
import type { Fleet, MaintenanceMode, MaintenanceWindow, Schedule, ScopeKind } from '../bindings';
import type { EntityRef } from '../fleet/tree';
import { lang, t, type MessageKey } from '../i18n';

/** A wall-clock date and time, month 1-12. */
export type LocalDateTime = { year: number; month: number; day: number; hour: number; minute: number };

const DAY_MS = 86_400_000;
export const WEEK_MINUTES = 7 * 24 * 60;
/** Monday first, as the engine counts (0 = Monday … 6 = Sunday). */
export const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6] as const;

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(zone: string): Intl.DateTimeFormat {
  let f = partsFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    partsFormats.set(zone, f);
  }
  return f;
}

/** Whether `zone` is a time zone this computer knows (`Asia/Seoul`, `UTC`). */
export function isValidZone(zone: string): boolean {
  if (zone.trim() === '') return false;
  try {
    partsFormat(zone);
    return true;
  } catch {
    return false;
  }
}

/** This computer's time zone. */
export function localZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** A zone to compute in: `zone` when it is known, else UTC (as the engine falls back). */
export function usableZone(zone: string): string {
  return isValidZone(zone) ? zone : 'UTC';
}

function fieldsAt(ms: number, zone: string): LocalDateTime & { second: number } {
  const get: Record<string, string> = {};
  for (const p of partsFormat(zone).formatToParts(new Date(ms))) get[p.type] = p.value;
  return {
    year: Number(get.year),
    month: Number(get.month),
    day: Number(get.day),
    hour: Number(get.hour) % 24,
    minute: Number(get.minute),
    second: Number(get.second),
  };
}

function utcOf(d: LocalDateTime, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(d.year, d.month - 1, d.day);
  date.setUTCHours(d.hour, d.minute, second, 0);
  return date.getTime();
}

/** How far `zone`'s clocks are ahead of UTC at the instant `ms`, in milliseconds. */
export function zoneOffsetMs(zone: string, ms: number): number {
  const whole = Math.floor(ms / 1000) * 1000;
  const f = fieldsAt(whole, zone);
  return utcOf(f, f.second) - whole;
}

/** The wall clock in `zone` at `unixS`, and its weekday (0 = Monday). */
export function zonedParts(unixS: number, zone: string): LocalDateTime & { weekday: number } {
  const f = fieldsAt(unixS * 1000, zone);
  return {
    year: f.year,
    month: f.month,
    day: f.day,
    hour: f.hour,
    minute: f.minute,
    weekday: weekdayOf(f),
  };
}

/** 0 = Monday … 6 = Sunday. */
function weekdayOf(d: { year: number; month: number; day: number }): number {
  return (new Date(utcOf({ ...d, hour: 12, minute: 0 })).getUTCDay() + 6) % 7;
}

/**
 * The Unix seconds at which `zone`'s clocks show `local`. A time skipped by a DST change
 * is read with the offset before the change (02:30 on New York's spring-forward night is
 * 03:30 EDT); a time shown twice is the first one.
 */
export function zonedToUnix(local: LocalDateTime, zone: string): number {
  const naive = utcOf(local);
  const before = zoneOffsetMs(zone, naive - DAY_MS);
  const after = zoneOffsetMs(zone, naive + DAY_MS);
  const fits = (offset: number) => zoneOffsetMs(zone, naive - offset) === offset;
  let ms: number;
  if (fits(before)) ms = naive - before;
  else if (fits(after)) ms = naive - after;
  else ms = naive - before;
  return Math.floor(ms / 1000);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-11-24T02:00", the value of an `<input type="datetime-local">`. */
export function toInputValue(local: LocalDateTime): string {
  return `${String(local.year).padStart(4, '0')}-${pad(local.month)}-${pad(local.day)}T${pad(local.hour)}:${pad(local.minute)}`;
}

/** What an `<input type="datetime-local">` holds ("2026-11-24T02:00"), or `null`. */
export function parseInputValue(value: string): LocalDateTime | null {
  const m = /^(\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1, 6).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || day < 1) return null;
  // The day must exist in that month (no 31 April).
  const check = new Date(utcOf({ year, month, day, hour: 0, minute: 0 }));
  if (check.getUTCMonth() !== month - 1) return null;
  return { year, month, day, hour, minute };
}

/** The input value for the moment `unixS` as `zone`'s clocks show it. */
export function unixToInputValue(unixS: number, zone: string): string {
  return toInputValue(zonedParts(unixS, zone));
}

/** "02:00" → 120; `null` unless it is a time of day. */
export function parseClock(value: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  if (hour > 23 || minute > 59) return null;
  return hour * 60 + minute;
}

/** 120 → "02:00" (minutes after midnight, wrapped to a day). */
export function clockText(minutes: number): string {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/** Whether the window is in force at `nowS`, with its weekly times read in `zone`. */
export function activeAt(schedule: Schedule, zone: string, nowS: number): boolean {
  if (schedule.kind === 'once') return schedule.from <= nowS && nowS < schedule.to;
  if (!isValidZone(zone)) return false;
  const today = zonedParts(nowS, zone);
  // A window that started up to a week ago may still run.
  for (let back = 0; back <= 7; back += 1) {
    const day = new Date(utcOf({ ...today, hour: 12, minute: 0 }) - back * DAY_MS);
    const date = { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() };
    if (!schedule.days.includes(weekdayOf(date))) continue;
    const from = zonedToUnix(
      { ...date, hour: Math.floor(schedule.start_minute / 60), minute: schedule.start_minute % 60 },
      zone,
    );
    if (from <= nowS && nowS < from + schedule.minutes * 60) return true;
  }
  return false;
}

/** A window that covers an entity: its own, or one inherited from its site or customer. */
export type Covering = { window: MaintenanceWindow; inherited: 'site' | 'customer' | null };

/** The scopes that cover `ref`, its own first: endpoint → site → customer. */
export function coveringScopes(fleet: Fleet, ref: EntityRef): { kind: ScopeKind; id: string }[] {
  const scopes: { kind: ScopeKind; id: string }[] = [{ kind: ref.kind, id: ref.id }];
  let siteId: string | undefined;
  if (ref.kind === 'endpoint') {
    siteId = fleet.endpoints.find((e) => e.id === ref.id)?.site;
    if (siteId !== undefined) scopes.push({ kind: 'site', id: siteId });
  } else if (ref.kind === 'site') {
    siteId = ref.id;
  }
  if (siteId !== undefined) {
    const customer = fleet.sites.find((s) => s.id === siteId)?.customer;
    if (customer !== undefined) scopes.push({ kind: 'customer', id: customer });
  }
  return scopes;
}

/** The windows covering `ref`: its own first, then its site's, then its customer's. */
export function windowsFor(fleet: Fleet, ref: EntityRef, windows: readonly MaintenanceWindow[]): Covering[] {
  return coveringScopes(fleet, ref).flatMap((scope, i) =>
    windows
      .filter((w) => w.scope.kind === scope.kind && w.scope.id === scope.id)
      .map((window) => ({
        window,
        inherited: i === 0 || scope.kind === 'endpoint' ? null : scope.kind,
      })),
  );
}

/** The zone an entity's times are read in: its site's; `null` for a customer (one per site). */
export function siteZoneOf(fleet: Fleet, ref: EntityRef): string | null {
  if (ref.kind === 'customer') return null;
  const siteId = ref.kind === 'site' ? ref.id : fleet.endpoints.find((e) => e.id === ref.id)?.site;
  const site = fleet.sites.find((s) => s.id === siteId);
  return site ? site.timezone : null;
}

/**
 * Whether `window` is in force now for `ref`: in its site's zone, or for a customer in the
 * zone of any of its sites (a weekly customer window runs in each site's own zone).
 */
export function activeFor(fleet: Fleet, ref: EntityRef, window: MaintenanceWindow, nowS: number): boolean {
  if (window.schedule.kind === 'once') return activeAt(window.schedule, 'UTC', nowS);
  const zones =
    ref.kind === 'customer'
      ? fleet.sites.filter((s) => s.customer === ref.id).map((s) => s.timezone)
      : [siteZoneOf(fleet, ref) ?? 'UTC'];
  return zones.some((zone) => activeAt(window.schedule, usableZone(zone), nowS));
}

function locale(): string {
  return lang.value === 'ko' ? 'ko-KR' : 'en-GB';
}

/** Short weekday names in the current language, Monday first. */
export function weekdayNames(): string[] {
  const f = new Intl.DateTimeFormat(locale(), { weekday: 'short', timeZone: 'UTC' });
  // 2024-01-01 was a Monday.
  return WEEKDAYS.map((d) => f.format(new Date(Date.UTC(2024, 0, 1 + d, 12))));
}

/** "1 d 6 h", "2 h 30 min", "45 min". */
export function lengthText(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts: string[] = [];
  if (days > 0) parts.push(t('maintenance.len.days', { n: days }));
  if (hours > 0) parts.push(t('maintenance.len.hours', { n: hours }));
  if (mins > 0 || parts.length === 0) parts.push(t('maintenance.len.minutes', { n: mins }));
  return parts.join(' ');
}

function dateText(local: LocalDateTime): string {
  return `${String(local.year).padStart(4, '0')}-${pad(local.month)}-${pad(local.day)}`;
}

/** "2026-11-24 02:00–06:00", "2026-11-24 22:00 – 2026-11-25 02:00". */
export function onceText(from: number, to: number, zone: string): string {
  const a = zonedParts(from, zone);
  const b = zonedParts(to, zone);
  const start = `${dateText(a)} ${clockText(a.hour * 60 + a.minute)}`;
  const endClock = clockText(b.hour * 60 + b.minute);
  return dateText(a) === dateText(b) ? `${start}–${endClock}` : `${start} – ${dateText(b)} ${endClock}`;
}

/** "Every Mon, Wed 02:00–04:00", "Every day 23:00–01:00 (next day)", "Every Sat from 22:00 for 1 d 6 h". */
export function weeklyText(days: readonly number[], startMinute: number, minutes: number): string {
  const names = weekdayNames();
  const unique = [...new Set(days)].filter((d) => d >= 0 && d <= 6).sort((a, b) => a - b);
  const daysText = unique.map((d) => names[d]).join(', ');
  const start = clockText(startMinute);
  const end = startMinute + minutes;
  const time =
    minutes >= 1440
      ? t('maintenance.forLength', { from: start, length: lengthText(minutes) })
      : end > 1440
        ? t('maintenance.rangeNextDay', { from: start, to: clockText(end) })
        : `${start}–${clockText(end)}`;
  return unique.length === 7
    ? t('maintenance.everyDay', { time })
    : t('maintenance.every', { days: daysText, time });
}

export const MODE_TEXT: Record<MaintenanceMode, MessageKey> = {
  stop_notifying: 'maintenance.mode.stop_notifying',
  stop_checking: 'maintenance.mode.stop_checking',
};

/**
 * One line for a window: "Every Mon, Wed 02:00–04:00 (Asia/Seoul), stop checking — Patch
 * night". `zone` is the zone its times are shown in; `null` for a customer's window seen
 * from the customer: weekly times are then each site's, one-off times this computer's.
 */
export function describeWindow(window: MaintenanceWindow, zone: string | null): string {
  const s = window.schedule;
  let schedule: string;
  if (s.kind === 'once') {
    const shown = usableZone(zone ?? localZone());
    schedule = `${onceText(s.from, s.to, shown)} ${t('maintenance.zone', { zone: shown })}`;
  } else {
    schedule = `${weeklyText(s.days, s.start_minute, s.minutes)} ${
      zone === null ? t('maintenance.eachSiteZone') : t('maintenance.zone', { zone })
    }`;
  }
  const mode = t(MODE_TEXT[window.mode]);
  const reason = window.reason.trim();
  return reason === ''
    ? t('maintenance.summary', { schedule, mode })
    : t('maintenance.summaryReason', { schedule, mode, reason });
}

/** The next full hour after `nowS` in `zone`, as wall-clock time: a form's first guess. */
export function nextHour(nowS: number, zone: string): LocalDateTime {
  const p = zonedParts(nowS + 3600, zone);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: 0 };
}

/** `local` moved by `minutes` on the wall clock (the same day-and-time arithmetic as a calendar). */
export function addMinutes(local: LocalDateTime, minutes: number): LocalDateTime {
  const d = new Date(utcOf(local) + minutes * 60_000);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}
