// The arithmetic behind a live SLA countdown, kept pure so it can be tested by the table.
//
// The Rust side computes every clock at its own "now" (`SlaBoard.now_ms`, an injected clock
// in tests). Between two reads the UI moves that instant forward by the time passed here,
// never by the browser's calendar time: `serverNow(offset)` with `offset` taken at each read.
import type { ClockView, SlaRow } from '../bindings';

/** The colour a clock is shown in. */
export type Level = 'ok' | 'warn' | 'high' | 'breached' | 'paused';

/** What to add to `Date.now()` to get the backend's now, measured when a board arrives. */
export function clockOffset(boardNowMs: number, localNowMs: number): number {
  return boardNowMs - localNowMs;
}

export function serverNow(offset: number, localNowMs: number = Date.now()): number {
  return localNowMs + offset;
}

/** The highest threshold reached at `atMs`: the one read, raised by every crossing in
 * `ahead` that is due by then (100 is the breach). */
export function percentAt(clock: ClockView, atMs: number): number {
  let level = clock.level;
  for (const c of clock.ahead) {
    if (c.at_ms <= atMs && c.percent > level) level = c.percent;
  }
  return level;
}

/** The colour for a percent reached, given the policy's warning thresholds. A breach
 * stays red even while paused: it already happened. */
export function levelOf(percent: number, thresholds: readonly number[], running: boolean): Level {
  if (percent >= 100) return 'breached';
  if (!running) return 'paused';
  const warnings = thresholds.filter((p) => p > 0 && p < 100);
  if (warnings.length === 0) return 'ok';
  const first = Math.min(...warnings);
  const last = Math.max(...warnings);
  if (percent >= last) return 'high';
  if (percent >= first) return 'warn';
  return 'ok';
}

/** The clock's colour at `atMs` (the backend's time). */
export function levelAt(clock: ClockView, atMs: number): Level {
  return levelOf(percentAt(clock, atMs), clock.thresholds, clock.running);
}

/** Business seconds left at `atMs`, for a clock read at `readAtMs`. Only a clock that is
 * counting (running, calendar open) goes down; the next read corrects the rest, such as
 * business hours ending in between. */
export function remainingAt(clock: ClockView, readAtMs: number, atMs: number): number {
  if (!clock.counting_now) return clock.remaining_secs;
  return clock.remaining_secs - Math.floor(Math.max(0, atMs - readAtMs) / 1000);
}

/** `h:mm:ss`, hours unbounded; past the target it is `-h:mm:ss` (overdue by). */
export function formatCountdown(secs: number): string {
  const sign = secs < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(secs));
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  return `${sign}${String(h)}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** Hours and zero-padded minutes of a duration, e.g. `{ h: 3, m: '05' }` for 3h 05m. */
export function hoursMinutes(secs: number): { h: number; m: string } {
  const abs = Math.max(0, Math.round(secs / 60));
  return { h: Math.floor(abs / 60), m: String(abs % 60).padStart(2, '0') };
}

/** Sort key of a clock: breached first (earliest breach first), then running by due time,
 * then the rest by time left; the same order the board's rows come in. */
export function urgencyKey(clock: ClockView): [number, number] {
  if (clock.breached_at !== null || clock.level >= 100) {
    const at = clock.breached_at === null ? Number.NaN : Date.parse(clock.breached_at);
    return [0, Number.isNaN(at) ? clock.remaining_secs : at];
  }
  if (clock.running && clock.due_ms !== null) return [1, clock.due_ms];
  return [2, clock.remaining_secs];
}

export type UrgentClock = { row: SlaRow; clock: ClockView };

/** The `n` most urgent clocks of a board, ties in board order. */
export function mostUrgent(rows: readonly SlaRow[], n: number): UrgentClock[] {
  const all = rows.flatMap((row) => row.clocks.map((clock) => ({ row, clock })));
  const keyed = all.map((item, i) => ({ item, key: urgencyKey(item.clock), i }));
  keyed.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.i - b.i);
  return keyed.slice(0, n).map((k) => k.item);
}

/** What an `open-item` target (`ticket:12`, `sla:acme`) asks to show. */
export type OpenTarget = { kind: 'ticket'; id: number } | { kind: 'customer'; id: string };

export function parseTarget(target: string): OpenTarget | null {
  const colon = target.indexOf(':');
  if (colon < 0) return null;
  const kind = target.slice(0, colon);
  const rest = target.slice(colon + 1).trim();
  if (kind === 'ticket' && /^\d{1,15}$/.test(rest)) return { kind: 'ticket', id: Number(rest) };
  if (kind === 'sla' && rest !== '') return { kind: 'customer', id: rest };
  return null;
}

/** "2026-11" for the month holding `ms` in the computer's time zone. */
export function monthOf(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getFullYear())}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

/** Whether a text is a month like "2026-11". */
export function isMonth(text: string): boolean {
  const m = /^(\d{4})-(\d{2})$/.exec(text.trim());
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}
