// Uptime over 24 hours, 7 days and 30 days for the detail pane. `uptime` answers for the
// whole fleet at once (endpoints, sites, customers), so each window is read once and kept
// for a few minutes, whatever is selected; the 24-hour answer also refreshes the tiles.
import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { call } from '../api';
import type { Uptimes } from '../bindings';
import { uptime24h } from './store';

export const WINDOWS = [24, 168, 720] as const;
export type UptimeWindow = (typeof WINDOWS)[number];

/** How long a window's answer is good for. */
export const UPTIME_TTL_MS = 5 * 60_000;

type Read = { at: number; data: Uptimes | null; failed: boolean };

export const uptimes = signal<Partial<Record<UptimeWindow, Read>>>({});

const pending = new Set<UptimeWindow>();

async function read(hours: UptimeWindow): Promise<void> {
  if (pending.has(hours)) return;
  pending.add(hours);
  try {
    const data = await call('uptime', { windowHours: hours });
    if (!pending.has(hours)) return;
    uptimes.value = { ...uptimes.value, [hours]: { at: Date.now(), data, failed: false } };
    if (hours === 24) uptime24h.value = data;
  } catch {
    if (!pending.has(hours)) return;
    const last = uptimes.value[hours];
    uptimes.value = { ...uptimes.value, [hours]: { at: Date.now(), data: last?.data ?? null, failed: true } };
  } finally {
    pending.delete(hours);
  }
}

/** Reads the windows not read in the last few minutes. */
export async function refreshUptimes(now: number = Date.now()): Promise<void> {
  await Promise.all(
    WINDOWS.filter((h) => {
      const last = uptimes.value[h];
      return !last || now - last.at >= UPTIME_TTL_MS;
    }).map(read),
  );
}

/** Keeps the uptimes fresh while the calling component is mounted. */
export function useUptimes(): void {
  useEffect(() => {
    void refreshUptimes();
    const timer = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') void refreshUptimes();
    }, UPTIME_TTL_MS);
    return () => {
      window.clearInterval(timer);
    };
  }, []);
}

/** Back to nothing read; for tests. */
export function resetUptimes(): void {
  pending.clear();
  uptimes.value = {};
}
