// The fleet's health as last heard from the Rust side: every check's status in a Map keyed
// `endpoint#check`, whether this laptop is offline, and the 24-hour uptimes. Read once with
// `fleet_status`, then each `status-changed` batch is laid in with ONE signal update, so
// a batch of 500 results re-renders the dashboard once, not 500 times. Read again after a
// fleet change (endpoints or checks may have gone or moved).
//
// The Prometheus/Alertmanager source's last word (`SourceView`) is kept beside it, from the
// same read and from each `source-changed`.
//
// The rollups, the problem list and the filters are computed signals over this, using
// `rollup.ts`. The rollup and the problem list are kept incrementally (`LiveHealth`): each
// batch records which statuses it changed, so a batch recomputes only those endpoints; a
// source read recomputes the endpoints it names. A full read or a fleet change computes it
// all again. Not the place for words or charts (`format.ts`, `chart.ts`).
import { batch, computed, signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { call, onEvent } from '../api';
import type {
  CheckStatus,
  IpcError,
  Offline,
  SourceChanged,
  SourceView,
  StatusChanged,
  Uptimes,
} from '../bindings';
import { fleet, reveal } from '../state';
import {
  checkKey,
  customersWithChecks,
  filterChecks,
  indexFleet,
  LiveHealth,
  NO_STATUS_FILTER,
  resultsByEndpoint,
  sourceItems,
  sourceStale,
  type FleetIndex,
  type Problem,
  type Rollup,
  type StatusFilter,
} from './rollup';

export type CheckMap = ReadonlyMap<string, CheckStatus>;

/**
 * Everything one batch changes; a new object per batch. `null` until the first read. The
 * `checks` Map may be the previous snapshot's, with the batch laid in: read it through
 * the current snapshot, do not keep an old one's.
 */
export type Snapshot = { checks: CheckMap; offline: Offline | null };

export const snapshot = signal<Snapshot | null>(null);
/** What the Prometheus/Alertmanager source last said; `null` when none is set up (or unread). */
export const sourceView = signal<SourceView | null>(null);
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

const NO_CHECKS: CheckMap = new Map();

/**
 * The checks Maps the store made for batches. A batch is laid INTO such a Map (copying
 * 10,000 statuses per batch cost more than the rest of the update), and a new Snapshot
 * object around it is what tells the signals; a Map made elsewhere (a full read, a test)
 * is copied once first, never changed.
 */
const owned = new WeakSet<CheckMap>();

/**
 * For each Snapshot a batch made: the Snapshot it followed and the statuses it brought, so
 * the rollup can follow just what changed. Snapshots made otherwise (a full read, a test
 * setting one) have no entry, and are rolled up whole.
 */
const deltas = new WeakMap<Snapshot, { base: Snapshot | null; changed: readonly CheckStatus[] }>();
/** Past this many batches between two looks, the rollup is computed whole. */
const MAX_DELTAS = 64;

/** The statuses that changed from `from` to `to`, or `null` when not known. */
function changesSince(from: Snapshot | null, to: Snapshot | null): CheckStatus[] | null {
  const lists: (readonly CheckStatus[])[] = [];
  let at = to;
  while (at !== from) {
    const d = at === null ? undefined : deltas.get(at);
    if (!d || lists.length >= MAX_DELTAS) return null;
    lists.push(d.changed);
    at = d.base;
  }
  return lists.flat();
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
/** A source read heard while a full read is under way (the newer of the two wins). */
let heldSource: SourceChanged | null = null;

/** The newer of two source views (by the time of their attempt). */
function newerSource(a: SourceView | null, b: SourceView | null): SourceView | null {
  if (a === null || b === null) return b;
  return b.tried_at >= a.tried_at ? b : a;
}

/** The source read heard during a full read, forgotten as it is taken. */
function takeHeldSource(): SourceChanged | null {
  const heard = heldSource;
  heldSource = null;
  return heard;
}

/** Applies one `source-changed`: the source read again (or removed). */
export function applySource(changed: SourceChanged): void {
  if (held) {
    heldSource = changed;
    return;
  }
  sourceView.value = changed.source;
}

/** Applies one `status-changed` batch: one signal update, whatever its size. */
export function applyBatch(changed: StatusChanged): void {
  if (held) {
    held.push(changed);
    return;
  }
  const start = performance.now();
  const current = snapshot.value;
  // One render for the whole batch; ages are counted to the moment it came.
  let checks: Map<string, CheckStatus>;
  if (current && owned.has(current.checks)) {
    checks = current.checks as Map<string, CheckStatus>;
    for (const c of changed.checks) checks.set(checkKey(c.endpoint, c.check), c);
  } else {
    // Nothing read yet (the read failed): what the batches bring is still worth showing.
    checks = mergeChecks(current?.checks ?? NO_CHECKS, changed.checks);
    owned.add(checks);
  }
  const next: Snapshot = { checks, offline: changed.offline };
  deltas.set(next, { base: current, changed: changed.checks });
  batch(() => {
    snapshot.value = next;
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
  heldSource = null;
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
    // A removal heard meanwhile wins; else the newer read.
    const heard = takeHeldSource();
    const source =
      heard === null ? read.source : heard.source === null ? null : newerSource(read.source, heard.source);
    batch(() => {
      snapshot.value = { checks, offline };
      sourceView.value = source;
      uptime24h.value = read.uptime_24h;
      statusError.value = null;
      statusNow.value = Date.now();
    });
  } catch (e) {
    if (mine !== reading) return;
    const waiting = held ?? [];
    const waitingSource = takeHeldSource();
    held = null;
    for (const changed of waiting) applyBatch(changed);
    if (waitingSource) applySource(waitingSource);
    statusError.value = e as IpcError;
  }
}

/** Listens for batches, then reads; resolves to the function that stops listening. */
export async function startStatus(): Promise<() => void> {
  let stop: () => void = () => undefined;
  try {
    const stopStatus = await onEvent('status-changed', applyBatch);
    const stopSource = await onEvent('source-changed', applySource);
    stop = () => {
      stopStatus();
      stopSource();
    };
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

let live: LiveHealth | null = null;
/** The snapshot `live` is of. */
let liveOf: Snapshot | null = null;

/**
 * The rollup and the problem list, kept up to date by what changed since they were last
 * computed: the statuses batches brought, the endpoints a new source read names. Computed
 * whole on a new fleet, a full read or anything else it cannot follow.
 */
const liveHealth = computed<{ rollup: Rollup; problems: readonly Problem[] }>(() => {
  const index = fleetIndex.value;
  const current = snapshot.value;
  const checks = current?.checks ?? NO_CHECKS;
  const source = sourceView.value;
  const changed = live?.index === index ? changesSince(liveOf, current) : null;
  if (live && changed) live.update(checks, changed, source);
  else live = new LiveHealth(index, checks, source);
  liveOf = current;
  return { rollup: live.rollup, problems: live.problems };
});

/** Endpoint, site and customer health; follows each batch and source read. */
export const health = computed(() => liveHealth.value.rollup);

/** Every check and source result not OK, worst and oldest first. */
export const problemList = computed(() => liveHealth.value.problems);

/** Whether anything has reported: a check status or a source result. */
export const anyReported = computed(
  () => (snapshot.value?.checks.size ?? 0) > 0 || resultsByEndpoint(sourceView.value).size > 0,
);

/** The problem list as the filters narrow it; a chosen state may also be OK. */
export const shownProblems = computed((): Problem[] => {
  const f = statusFilter.value;
  const index = fleetIndex.value;
  if (f.state === 'OK') {
    const ok: Problem[] = [...(snapshot.value?.checks.values() ?? [])].filter(
      (c) => c.state === 'OK' && index.has(c.endpoint),
    );
    const source = sourceView.value;
    const stale = sourceStale(source);
    for (const [id, results] of resultsByEndpoint(source)) {
      if (!index.has(id)) continue;
      for (const p of sourceItems(id, results, stale)) if (p.state === 'OK') ok.push(p);
    }
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
  heldSource = null;
  snapshot.value = null;
  sourceView.value = null;
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
