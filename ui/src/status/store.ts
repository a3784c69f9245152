// The fleet's health as last heard from the Rust side: every check's status in a Map keyed
// `endpoint#check`, whether this laptop is offline, and the 24-hour uptimes. Read once with
// `fleet_status`, then each `status-changed` batch is merged in with ONE signal update, so
// a batch of 500 results re-renders the dashboard once, not 500 times. Read again after a
// fleet change (endpoints or checks may have gone or moved).
//
// The rollups, the problem list and the filters are computed signals over this, using the
// pure functions of `rollup.ts`. Not the place for words or charts (`format.ts`, `chart.ts`).
import { batch, computed, signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { call, onEvent } from '../api';
import type { CheckStatus, IpcError, Offline, StatusChanged, Uptimes } from '../bindings';
import { fleet, reveal } from '../state';
import {
  checkKey,
  customersWithChecks,
  filterChecks,
  indexFleet,
  NO_STATUS_FILTER,
  problems,
  rollup,
  type FleetIndex,
  type StatusFilter,
} from './rollup';

export type CheckMap = ReadonlyMap<string, CheckStatus>;

/** Everything one batch changes, replaced together. `null` until the first read. */
export type Snapshot = { checks: CheckMap; offline: Offline | null };

export const snapshot = signal<Snapshot | null>(null);
/** Uptime over the last 24 hours, for the tiles; `null` until read. */
export const uptime24h = signal<Uptimes | null>(null);
/** Why the last read failed; the last snapshot read stays shown. */
export const statusError = signal<IpcError | null>(null);
/** The dashboard's filters (the problem list's; the tree keeps its own). */
export const statusFilter = signal<StatusFilter>(NO_STATUS_FILTER);
/** The time ages ("for 12 min") are counted to; moves every 30 s while the dashboard shows. */
export const statusNow = signal(Date.now());
export const STATUS_TICK_MS = 30_000;
/** The check the detail's charts show, when the technician chose one (a problem row, a click). */
export const chartCheck = signal<{ endpoint: string; check: number } | null>(null);

/** A batch's statuses laid over the checks known; a new Map, the old one untouched. */
export function mergeChecks(
  known: CheckMap,
  statuses: readonly CheckStatus[],
  keep?: (old: CheckStatus, next: CheckStatus) => boolean,
): Map<string, CheckStatus> {
  const next = new Map(known);
  for (const c of statuses) {
    const key = checkKey(c.endpoint, c.check);
    const old = next.get(key);
    if (old && keep?.(old, c)) continue;
    next.set(key, c);
  }
  return next;
}

export function checksFrom(list: readonly CheckStatus[]): Map<string, CheckStatus> {
  return mergeChecks(new Map(), list);
}

/** For batches that arrived while a full read was under way: an older result never wins. */
function newerKept(old: CheckStatus, next: CheckStatus): boolean {
  return (old.last_seen ?? -Infinity) > (next.last_seen ?? -Infinity);
}

// Performance entries (the User Timing API) that benches/dashboard.rs reads over WebDriver.
const BATCH_MEASURE = 'fieldline:status-batch';
/** Past this many batch measures they are cleared, so a long-running window stays small. */
const MAX_BATCH_MEASURES = 500;
let batchMeasures = 0;
const marked = new Set<string>();

function userTiming(): boolean {
  return (
    typeof performance !== 'undefined' &&
    typeof performance.mark === 'function' &&
    typeof performance.measure === 'function'
  );
}

/** Forces style and layout, so that a time taken next includes them. */
function forceLayout(): number {
  return document.documentElement.offsetHeight;
}

/**
 * Runs `then` once the render under way has been committed and laid out. Preact renders in
 * a microtask queued when a signal changes (or a component's state does), so a microtask
 * queued after that runs after the render.
 */
export function afterRender(then: () => void): void {
  queueMicrotask(() => {
    forceLayout();
    then();
  });
}

/** Marks a milestone once per page load, after the render under way (see `afterRender`). */
export function markOnce(name: string, detail: Record<string, number>): void {
  if (marked.has(name) || !userTiming()) return;
  marked.add(name);
  afterRender(() => {
    performance.mark(name, { detail });
  });
}

/** Measures one batch, from its arrival to the DOM updated and laid out for it. */
function measureBatch(start: number, checks: number): void {
  if (!userTiming()) return;
  afterRender(() => {
    if (batchMeasures >= MAX_BATCH_MEASURES) {
      performance.clearMeasures(BATCH_MEASURE);
      batchMeasures = 0;
    }
    performance.measure(BATCH_MEASURE, { start, end: performance.now(), detail: { checks } });
    batchMeasures += 1;
  });
}

let reading = 0;
/** Batches heard while a read is under way, applied on top of what it returns. */
let held: StatusChanged[] | null = null;

/** Applies one `status-changed` batch: one signal update, whatever its size. */
export function applyBatch(changed: StatusChanged): void {
  if (held) {
    held.push(changed);
    return;
  }
  const start = performance.now();
  const current = snapshot.value;
  // One render for the whole batch; ages are counted to the moment it came.
  batch(() => {
    // Nothing read yet (the read failed): what the batches bring is still worth showing.
    snapshot.value = {
      checks: mergeChecks(current?.checks ?? new Map(), changed.checks),
      offline: changed.offline,
    };
    statusNow.value = Date.now();
  });
  // Queued after the render the update scheduled: benches/dashboard.rs reads this measure.
  measureBatch(start, changed.checks.length);
}

/** Reads the whole status again; batches heard meanwhile are laid over it. */
export async function loadStatus(): Promise<void> {
  reading += 1;
  const mine = reading;
  held ??= [];
  try {
    const read = await call('fleet_status', {});
    if (mine !== reading) return;
    let checks = checksFrom(read.checks);
    let offline = read.offline;
    for (const changed of held) {
      checks = mergeChecks(checks, changed.checks, newerKept);
      offline = changed.offline;
    }
    held = null;
    batch(() => {
      snapshot.value = { checks, offline };
      uptime24h.value = read.uptime_24h;
      statusError.value = null;
      statusNow.value = Date.now();
    });
  } catch (e) {
    if (mine !== reading) return;
    const waiting = held ?? [];
    held = null;
    for (const changed of waiting) applyBatch(changed);
    statusError.value = e as IpcError;
  }
}

/** Listens for batches, then reads; resolves to the function that stops listening. */
export async function startStatus(): Promise<() => void> {
  let stop: () => void = () => undefined;
  try {
    stop = await onEvent('status-changed', applyBatch);
  } catch (e) {
    statusError.value = e as IpcError;
  }
  await loadStatus();
  return stop;
}

/** Where each endpoint sits, rebuilt only when the fleet changes. */
export const fleetIndex = computed<FleetIndex>(() => (fleet.value ? indexFleet(fleet.value) : new Map()));

/** Customers with checks configured (whether or not any reported); rebuilt with the fleet. */
export const checkedCustomers = computed(() => customersWithChecks(fleetIndex.value));

/** Endpoint, site and customer health; recomputed once per batch. */
export const health = computed(() => rollup(fleetIndex.value, snapshot.value?.checks.values() ?? []));

/** Every check not OK, worst and oldest first. */
export const problemList = computed(() => problems(fleetIndex.value, snapshot.value?.checks.values() ?? []));

/** The problem list as the filters narrow it; a chosen state may also be OK. */
export const shownProblems = computed(() => {
  const f = statusFilter.value;
  const index = fleetIndex.value;
  if (f.state === 'OK') {
    const ok = [...(snapshot.value?.checks.values() ?? [])].filter(
      (c) => c.state === 'OK' && index.has(c.endpoint),
    );
    return filterChecks(ok, f, index);
  }
  return filterChecks(problemList.value, f, index);
});

/** A problem row was chosen: show its endpoint with that check's charts. */
export function chooseCheck(endpoint: string, check: number): void {
  chartCheck.value = { endpoint, check };
  reveal({ kind: 'endpoint', id: endpoint });
}

/** Back to nothing read; for tests. */
export function resetStatus(): void {
  reading += 1;
  held = null;
  snapshot.value = null;
  uptime24h.value = null;
  statusError.value = null;
  statusFilter.value = NO_STATUS_FILTER;
  chartCheck.value = null;
  statusNow.value = Date.now();
}

/** Keeps `statusNow` moving while the calling component is mounted. */
export function useStatusClock(): void {
  useEffect(() => {
    statusNow.value = Date.now();
    const timer = window.setInterval(() => {
      statusNow.value = Date.now();
    }, STATUS_TICK_MS);
    return () => {
      window.clearInterval(timer);
    };
  }, []);
}
