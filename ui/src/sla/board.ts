// The SLA board as last read, shared by the SLA section and the dashboard strip, and the
// backend's "now" moving forward once a second between reads. While anything shows the
// board it is read again every few seconds (never while the window is hidden) and after
// every change made here.
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { call } from '../api';
import type { IpcError, SlaBoard } from '../bindings';
import { slaFilter } from '../state';
import { clockOffset, serverNow } from './clock';

export const REFRESH_MS = 5000;
const TICK_MS = 1000;

export const board = signal<SlaBoard | null>(null);
export const boardError = signal<IpcError | null>(null);
/** The backend's time (epoch ms), moved forward every second while the board is shown. */
export const now = signal<number>(Date.now());

let offset = 0;
let users = 0;
let timers: { refresh: number; tick: number } | null = null;
let pending: Promise<void> | null = null;
/** The filter changed while a read was under way: read again when it ends. */
let again = false;

function tick(): void {
  now.value = serverNow(offset);
}

/** Reads the board now; concurrent callers share one read. */
export function refreshBoard(): Promise<void> {
  pending ??= (async () => {
    try {
      const f = slaFilter.value;
      const next = await call('sla_board', {
        customer: f.customer === '' ? null : f.customer,
        priority: f.priority === '' ? null : f.priority,
      });
      offset = clockOffset(next.now_ms, Date.now());
      board.value = next;
      boardError.value = null;
      tick();
    } catch (e) {
      boardError.value = e as IpcError;
    } finally {
      pending = null;
      if (again) {
        again = false;
        void refreshBoard();
      }
    }
  })();
  return pending;
}

let unsubscribe: (() => void) | null = null;

function start(): void {
  // The backend filters before it keeps the most urgent rows: read again on a new filter.
  unsubscribe = slaFilter.subscribe(() => {
    if (pending) again = true;
    else void refreshBoard();
  });
  timers = {
    refresh: window.setInterval(() => {
      if (document.visibilityState !== 'hidden') void refreshBoard();
    }, REFRESH_MS),
    tick: window.setInterval(tick, TICK_MS),
  };
}

function stop(): void {
  unsubscribe?.();
  unsubscribe = null;
  if (!timers) return;
  window.clearInterval(timers.refresh);
  window.clearInterval(timers.tick);
  timers = null;
}

/** Keeps the board fresh while the calling component is mounted. */
export function useBoard(): void {
  useEffect(() => {
    users += 1;
    if (users === 1) start();
    return () => {
      users -= 1;
      if (users === 0) stop();
    };
  }, []);
}

/** The backend's time now, for things computed once (a default month). */
export function backendNow(): number {
  return serverNow(offset);
}

/** Back to nothing read; for tests. */
export function resetBoard(): void {
  stop();
  users = 0;
  offset = 0;
  pending = null;
  again = false;
  board.value = null;
  boardError.value = null;
  now.value = Date.now();
}
