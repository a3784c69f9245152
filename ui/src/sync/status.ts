// Helpdesk sync as last read: the connections with their status and the conflicts that
// wait for the technician, shared by the settings, the header indicator and the SLA
// section. Read at start, after every sync run (`sync-changed`) and after every change
// made here. Also the words for a status, kept pure so they can be tested by the table.
// Not the place for the connection form (see `draft.ts`).
import { signal } from '@preact/signals';
import { call } from '../api';
import type { ConnectionView, IpcError, SyncConflict, SyncReport, SyncStatus } from '../bindings';
import { lang, t } from '../i18n';
import { board, refreshBoard } from '../sla/board';
import { shortTime } from '../sla/format';

/** `null` until the first read. */
export const connections = signal<ConnectionView[] | null>(null);
export const conflicts = signal<SyncConflict[]>([]);
/** Why the last read failed; the last lists read stay shown. */
export const syncError = signal<IpcError | null>(null);
/** Names of the connections being synced at the technician's request. */
export const syncing = signal<ReadonlySet<string>>(new Set());
/** Goes up after every sync run and resolved conflict: a ticket shown may have changed. */
export const syncRevision = signal(0);

let latest = 0;

/** Reads connections and conflicts again; an older read finishing late is dropped. */
export async function refreshSync(): Promise<void> {
  latest += 1;
  const mine = latest;
  const [views, found] = await Promise.allSettled([call('connections', {}), call('sync_conflicts', {})]);
  if (mine !== latest) return;
  if (views.status === 'fulfilled') connections.value = views.value;
  if (found.status === 'fulfilled') conflicts.value = found.value;
  const failed = views.status === 'rejected' ? views : found.status === 'rejected' ? found : null;
  syncError.value = failed ? (failed.reason as IpcError) : null;
}

/** After a sync run or a resolved conflict: status, conflicts, the board and open tickets. */
export function afterSync(): void {
  void refreshSync();
  // Only a board someone has read is worth reading again.
  if (board.value !== null) void refreshBoard();
  syncRevision.value += 1;
}

/** Syncs one connection (or all with `null`) now; rejects with an `IpcError`. */
export async function syncNow(name: string | null): Promise<SyncReport[]> {
  const names = name === null ? (connections.value ?? []).map((v) => v.config.name) : [name];
  syncing.value = new Set([...syncing.value, ...names]);
  try {
    return await call('sync_now', { name });
  } finally {
    const left = new Set(syncing.value);
    for (const n of names) left.delete(n);
    syncing.value = left;
    afterSync();
  }
}

/** A run began somewhere (the schedule, this window, another command): show it as busy. */
export function syncStarted(name: string): void {
  syncing.value = new Set([...syncing.value, name]);
}

/** A run ended: that connection is no longer busy; read what it changed. */
export function syncEnded(name: string): void {
  const left = new Set(syncing.value);
  left.delete(name);
  syncing.value = left;
  afterSync();
}

/** Back to nothing read; for tests. */
export function resetSync(): void {
  latest += 1;
  connections.value = null;
  conflicts.value = [];
  syncError.value = null;
  syncing.value = new Set();
  syncRevision.value = 0;
}

function locale(): string {
  return lang.value === 'ko' ? 'ko-KR' : 'en-GB';
}

/** A sync time in the computer's zone: "09:14" today, "Tue 24 Nov, 09:14" otherwise. */
export function syncTime(at: string, nowMs: number = Date.now()): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  if (d.toDateString() !== new Date(nowMs).toDateString()) return shortTime(at);
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    d,
  );
}

function plural(n: number, one: Parameters<typeof t>[0], other: Parameters<typeof t>[0]): string {
  return t(n === 1 ? one : other, { n });
}

/** "Last synced 09:14 · 3 changes waiting · 1 conflict · 42 tickets" as its parts. */
export function statusParts(status: SyncStatus, nowMs: number = Date.now()): string[] {
  const parts = [
    status.last_success === null
      ? t('sync.never')
      : t('sync.lastSynced', { time: syncTime(status.last_success, nowMs) }),
  ];
  if (status.waiting > 0) parts.push(plural(status.waiting, 'sync.waiting.one', 'sync.waiting.other'));
  if (status.conflicts > 0)
    parts.push(plural(status.conflicts, 'sync.conflicts.one', 'sync.conflicts.other'));
  parts.push(plural(status.tickets, 'sync.tickets.one', 'sync.tickets.other'));
  return parts;
}

/** What the header says about every connection at once. */
export type Indicator =
  | { kind: 'none' }
  | { kind: 'syncing' }
  | { kind: 'failed'; text: string; conflicts: number }
  | { kind: 'ok'; text: string; conflicts: number };

export function indicator(
  views: ConnectionView[] | null,
  busy: ReadonlySet<string>,
  nowMs: number = Date.now(),
): Indicator {
  if (!views || views.length === 0) return { kind: 'none' };
  const conflictCount = views.reduce((n, v) => n + v.status.conflicts, 0);
  const failing = views.find((v) => v.status.last_error !== null);
  if (busy.size > 0) return { kind: 'syncing' };
  const error = failing?.status.last_error ?? null;
  if (failing && error !== null) {
    const message = views.length > 1 ? `${failing.config.name}: ${error}` : error;
    return { kind: 'failed', text: t('sync.failed', { message }), conflicts: conflictCount };
  }
  // The oldest success is what every connection has reached.
  let oldest: string | null = null;
  for (const v of views) {
    const at = v.status.last_success;
    if (at === null) {
      oldest = null;
      break;
    }
    if (oldest === null || Date.parse(at) < Date.parse(oldest)) oldest = at;
  }
  const waiting = views.reduce((n, v) => n + v.status.waiting, 0);
  const parts = [oldest === null ? t('sync.notYet') : t('sync.synced', { time: syncTime(oldest, nowMs) })];
  if (waiting > 0) parts.push(t('sync.waitingShort', { n: waiting }));
  return { kind: 'ok', text: parts.join(' · '), conflicts: conflictCount };
}

/** One sync run in a sentence, for the connection it ran on. */
export function reportText(report: SyncReport): string {
  if (report.error !== null) return t('sync.reportError', { message: report.error });
  const text = t('sync.report', {
    pulled: report.pulled_new,
    updated: report.pulled_updated,
    sent: report.pushed,
  });
  const parts = [text];
  if (report.new_conflicts > 0) parts.push(t('sync.reportConflicts', { n: report.new_conflicts }));
  // Tickets the helpdesk sent malformed: counted, with the first reason (as text).
  if (report.unreadable > 0) {
    parts.push(t('sync.reportUnreadable', { n: report.unreadable, first: report.warnings[0] ?? '' }));
  }
  return parts.join(' ');
}
