// Fleet health as the dashboard shows it, computed from the check statuses the Rust side
// sends and what the Prometheus source says: an endpoint is as bad as its worst check or
// counted source result, a site or customer as its worst endpoint (with how many endpoints
// are in each state), and the problem list is every check and source result not OK, worst
// first and, within a state, the longest-standing first.
//
// Functions over plain data, so they can be tested by the table and timed on a
// 10,000-endpoint fleet, and `LiveHealth`, which keeps their result up to date batch by
// batch (and is held to them by the tests). Not the place for signals or IPC (`store.ts`).
import type {
  CheckState,
  CheckStatus,
  Customer,
  Endpoint,
  Fleet,
  Site,
  SourceResult,
  SourceView,
} from '../bindings';
import { endpointLabel } from '../fleet/tree';
import { contains, normalize } from '../fleet/text';

/** Worst first: the order of the problem list, the tiles and the state filter. */
export const STATES_BY_SEVERITY: readonly CheckState[] = ['CRIT', 'WARN', 'UNKNOWN', 'STALE', 'OK'];

const RANK: Record<CheckState, number> = { CRIT: 4, WARN: 3, UNKNOWN: 2, STALE: 1, OK: 0 };

/** Higher is worse. */
export function severity(state: CheckState): number {
  return RANK[state];
}

/** The worse of two states; `null` is "nothing known" and loses to any state. */
export function worse(a: CheckState | null, b: CheckState | null): CheckState | null {
  if (a === null) return b;
  if (b === null) return a;
  return RANK[b] > RANK[a] ? b : a;
}

/** The worst of some states, `null` for none. */
export function worst(states: Iterable<CheckState>): CheckState | null {
  let out: CheckState | null = null;
  for (const s of states) out = worse(out, s);
  return out;
}

/** The key a check's status is kept under: `endpoint#check`. */
export function checkKey(endpoint: string, check: number): string {
  return `${endpoint}#${String(check)}`;
}

export type Counts = Record<CheckState, number>;

export function noCounts(): Counts {
  return { CRIT: 0, WARN: 0, UNKNOWN: 0, STALE: 0, OK: 0 };
}

/**
 * One endpoint's health: its worst check and its counted source results, its checks by
 * index (holes where none ran) and what the Prometheus source says of it (none: `[]`).
 */
export type EndpointHealth = {
  state: CheckState;
  checks: (CheckStatus | undefined)[];
  source: readonly SourceResult[];
};

/** A site's or customer's health: its worst endpoint and how many endpoints are in each state. */
export type GroupHealth = { state: CheckState | null; counts: Counts; monitored: number };

export type Rollup = {
  endpoints: ReadonlyMap<string, EndpointHealth>;
  sites: ReadonlyMap<string, GroupHealth>;
  customers: ReadonlyMap<string, GroupHealth>;
};

/** Where an endpoint sits, looked up once per fleet instead of once per check. */
export type Placed = { endpoint: Endpoint; site: Site | undefined; customer: Customer | undefined };
export type FleetIndex = ReadonlyMap<string, Placed>;

export function indexFleet(fleet: Fleet): FleetIndex {
  const sites = new Map(fleet.sites.map((s) => [s.id, s]));
  const customers = new Map(fleet.customers.map((c) => [c.id, c]));
  const out = new Map<string, Placed>();
  for (const endpoint of fleet.endpoints) {
    const site = sites.get(endpoint.site);
    out.set(endpoint.id, { endpoint, site, customer: site ? customers.get(site.customer) : undefined });
  }
  return out;
}

/** Customers with at least one check configured on one of their endpoints, run or not. */
export function customersWithChecks(index: FleetIndex): Set<string> {
  const out = new Set<string>();
  for (const { endpoint, customer } of index.values()) {
    if (customer && endpoint.checks.length > 0) out.add(customer.id);
  }
  return out;
}

/** Whether a status still belongs to the fleet: its endpoint exists and has that check. */
function belongs(index: FleetIndex, c: CheckStatus): Placed | undefined {
  const placed = index.get(c.endpoint);
  return placed && c.check >= 0 && c.check < placed.endpoint.checks.length ? placed : undefined;
}

// ---------------------------------------------------------------------------------------
// The Prometheus/Alertmanager source: its results per endpoint count like checks, except
// silenced ones (shown, never counted), and all of them count as STALE while the source's
// last read failed: old news is shown as old, never as healthy or down.

const NO_RESULTS: readonly SourceResult[] = [];

/** Whether the source's results are old news (its last read failed). */
export function sourceStale(view: SourceView | null): boolean {
  return view !== null && view.error !== null;
}

/** The state a source result counts as: `null` when silenced. */
export function countedState(result: SourceResult, stale: boolean): CheckState | null {
  if (result.silenced) return null;
  return stale ? 'STALE' : result.state;
}

/** The source's results by endpoint (those with any). */
export function resultsByEndpoint(view: SourceView | null): Map<string, readonly SourceResult[]> {
  const out = new Map<string, readonly SourceResult[]>();
  for (const e of view?.report?.endpoints ?? []) {
    if (e.results.length > 0) out.set(e.endpoint, e.results);
  }
  return out;
}

/**
 * An endpoint's health from its check statuses and source results, `null` when it has
 * neither. Results that are all silenced still make the endpoint watched: OK (STALE while
 * the source cannot be read).
 */
function endpointHealth(
  checks: (CheckStatus | undefined)[],
  source: readonly SourceResult[],
  stale: boolean,
): EndpointHealth | null {
  let state: CheckState | null = null;
  for (const c of checks) if (c) state = worse(state, c.state);
  if (source.length > 0) {
    let fromSource: CheckState = stale ? 'STALE' : 'OK';
    for (const r of source) fromSource = worse(fromSource, countedState(r, stale)) ?? fromSource;
    state = worse(state, fromSource);
  }
  return state === null ? null : { state, checks, source };
}

// ---------------------------------------------------------------------------------------
// Problems: checks not OK, and source results that count and are not OK.

/** A source result that is a problem; `index` is its place in the endpoint's results. */
export type SourceProblem = {
  endpoint: string;
  index: number;
  result: SourceResult;
  /** The state it counts as (STALE while the source cannot be read). */
  state: CheckState;
  since: number | null;
};

export type Problem = CheckStatus | SourceProblem;

export function isSourceProblem(p: Problem): p is SourceProblem {
  return 'result' in p;
}

/** The key a problem is kept under: `endpoint#check`, or `endpoint@index` for a source result. */
export function problemKey(p: Problem): string {
  return isSourceProblem(p) ? sourceKey(p.endpoint, p.index) : checkKey(p.endpoint, p.check);
}

function sourceKey(endpoint: string, index: number): string {
  return `${endpoint}@${String(index)}`;
}

/** Each source result as it would be listed (silenced ones left out), OK ones included. */
export function sourceItems(
  endpoint: string,
  results: readonly SourceResult[],
  stale: boolean,
): SourceProblem[] {
  const out: SourceProblem[] = [];
  results.forEach((result, index) => {
    const state = countedState(result, stale);
    if (state !== null) out.push({ endpoint, index, result, state, since: result.since });
  });
  return out;
}

/**
 * Problem-list order: worse state first, then the oldest `since` (unknown last), then by
 * endpoint, its checks before its source results, then by position.
 */
export function compareProblems(a: Problem, b: Problem): number {
  const rank = RANK[b.state] - RANK[a.state];
  if (rank !== 0) return rank;
  if (a.since !== b.since) {
    if (a.since === null) return 1;
    if (b.since === null) return -1;
    return a.since - b.since;
  }
  if (a.endpoint !== b.endpoint) return a.endpoint < b.endpoint ? -1 : 1;
  const aSource = isSourceProblem(a);
  const bSource = isSourceProblem(b);
  if (aSource !== bSource) return aSource ? 1 : -1;
  return (isSourceProblem(a) ? a.index : a.check) - (isSourceProblem(b) ? b.index : b.check);
}

/** Every check of the fleet and every counted source result that is not OK, in problem-list order. */
export function problems(
  index: FleetIndex,
  checks: Iterable<CheckStatus>,
  source: SourceView | null = null,
): Problem[] {
  const out: Problem[] = [];
  for (const c of checks) if (c.state !== 'OK' && belongs(index, c)) out.push(c);
  const stale = sourceStale(source);
  for (const [id, results] of resultsByEndpoint(source)) {
    if (!index.has(id)) continue;
    for (const p of sourceItems(id, results, stale)) if (p.state !== 'OK') out.push(p);
  }
  return out.sort(compareProblems);
}

// ---------------------------------------------------------------------------------------
// The rollup, computed whole.

function addTo(groups: Map<string, GroupHealth>, id: string, state: CheckState): void {
  let g = groups.get(id);
  if (!g) {
    g = { state: null, counts: noCounts(), monitored: 0 };
    groups.set(id, g);
  }
  g.state = worse(g.state, state);
  g.counts[state] += 1;
  g.monitored += 1;
}

/**
 * Every endpoint, site and customer with at least one check status or source result, in
 * one pass over the checks and one over the endpoints that have any. Statuses and results
 * of endpoints or checks no longer in the fleet are left out.
 */
export function rollup(
  index: FleetIndex,
  checks: Iterable<CheckStatus>,
  source: SourceView | null = null,
): Rollup {
  const byEndpoint = new Map<string, (CheckStatus | undefined)[]>();
  for (const c of checks) {
    if (!belongs(index, c)) continue;
    let list = byEndpoint.get(c.endpoint);
    if (!list) {
      list = [];
      byEndpoint.set(c.endpoint, list);
    }
    list[c.check] = c;
  }
  const results = resultsByEndpoint(source);
  const stale = sourceStale(source);
  const endpoints = new Map<string, EndpointHealth>();
  const put = (id: string) => {
    if (endpoints.has(id) || !index.has(id)) return;
    const health = endpointHealth(byEndpoint.get(id) ?? [], results.get(id) ?? NO_RESULTS, stale);
    if (health) endpoints.set(id, health);
  };
  for (const id of byEndpoint.keys()) put(id);
  for (const id of results.keys()) put(id);
  const sites = new Map<string, GroupHealth>();
  const customers = new Map<string, GroupHealth>();
  for (const [id, health] of endpoints) {
    const placed = index.get(id);
    if (placed?.site) addTo(sites, placed.site.id, health.state);
    if (placed?.customer) addTo(customers, placed.customer.id, health.state);
  }
  return { endpoints, sites, customers };
}

// ---------------------------------------------------------------------------------------
// The rollup and problem list kept up to date: a batch of a few hundred statuses out of
// 10,000 endpoints recomputes just those endpoints and moves their site's and customer's
// counts, instead of walking every check again.

/** Moves one endpoint from one state to another in a group's counts (`null`: not counted). */
function move(
  groups: Map<string, GroupHealth>,
  id: string,
  from: CheckState | null,
  to: CheckState | null,
): void {
  const old = groups.get(id);
  const counts = old ? { ...old.counts } : noCounts();
  let monitored = old?.monitored ?? 0;
  if (from !== null) {
    counts[from] -= 1;
    monitored -= 1;
  }
  if (to !== null) {
    counts[to] += 1;
    monitored += 1;
  }
  if (monitored <= 0) {
    groups.delete(id);
    return;
  }
  const state = STATES_BY_SEVERITY.find((s) => counts[s] > 0) ?? null;
  groups.set(id, { state, counts, monitored });
}

/** Two lists in problem-list order, merged into one. */
function mergeSorted(a: readonly Problem[], b: readonly Problem[]): Problem[] {
  const out: Problem[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Problem;
    const y = b[j] as Problem;
    if (compareProblems(x, y) <= 0) {
      out.push(x);
      i += 1;
    } else {
      out.push(y);
      j += 1;
    }
  }
  while (i < a.length) out.push(a[i++] as Problem);
  while (j < b.length) out.push(b[j++] as Problem);
  return out;
}

/**
 * The fleet's rollup and problem list for one fleet index, updated in place by what
 * changed. `rollup` is a new object after every update (its Maps are the same, changed
 * entry by entry: an entry is replaced, never mutated); `problems` is a new array only
 * when a problem came, went or changed. What it holds always equals `rollup()` and
 * `problems()` over the same checks and source (the tests hold it to that).
 */
export class LiveHealth {
  readonly index: FleetIndex;
  private currentChecks: ReadonlyMap<string, CheckStatus>;
  private currentSource: SourceView | null;
  private results: Map<string, readonly SourceResult[]>;
  private stale: boolean;
  private readonly endpoints: Map<string, EndpointHealth>;
  private readonly sites: Map<string, GroupHealth>;
  private readonly customers: Map<string, GroupHealth>;
  private readonly listed = new Map<string, Problem>();
  rollup: Rollup;
  problems: readonly Problem[];

  constructor(index: FleetIndex, checks: ReadonlyMap<string, CheckStatus>, source: SourceView | null) {
    this.index = index;
    this.currentChecks = checks;
    this.currentSource = source;
    this.results = resultsByEndpoint(source);
    this.stale = sourceStale(source);
    const whole = rollup(index, checks.values(), source);
    this.endpoints = whole.endpoints as Map<string, EndpointHealth>;
    this.sites = whole.sites as Map<string, GroupHealth>;
    this.customers = whole.customers as Map<string, GroupHealth>;
    this.rollup = whole;
    this.problems = problems(index, checks.values(), source);
    for (const p of this.problems) this.listed.set(problemKey(p), p);
  }

  /** The checks and source the rollup is of. */
  get checks(): ReadonlyMap<string, CheckStatus> {
    return this.currentChecks;
  }

  get source(): SourceView | null {
    return this.currentSource;
  }

  /**
   * Brings the rollup to `checks` and `source`: `changed` holds (at least) every status
   * that differs from the checks last seen; their current values are read from `checks`.
   */
  update(
    checks: ReadonlyMap<string, CheckStatus>,
    changed: Iterable<CheckStatus>,
    source: SourceView | null,
  ): void {
    const removed = new Set<Problem>();
    const added: Problem[] = [];
    const relist = (key: string, p: Problem | null) => {
      const old = this.listed.get(key);
      if (old === p || (old === undefined && p === null)) return;
      if (old !== undefined) removed.add(old);
      if (p === null) {
        this.listed.delete(key);
      } else {
        this.listed.set(key, p);
        added.push(p);
      }
    };

    // The endpoints to recompute, with their new check lists where a check changed.
    const touched = new Map<string, (CheckStatus | undefined)[] | null>();
    const seen = new Set<string>();
    for (const c of changed) {
      const key = checkKey(c.endpoint, c.check);
      if (seen.has(key)) continue;
      seen.add(key);
      const now = checks.get(key);
      if (!now || !belongs(this.index, now)) continue;
      let row = touched.get(now.endpoint);
      if (!row) {
        row = (this.endpoints.get(now.endpoint)?.checks ?? []).slice();
        touched.set(now.endpoint, row);
      }
      row[now.check] = now;
      relist(key, now.state === 'OK' ? null : now);
    }

    if (source !== this.currentSource) {
      const before = this.results;
      const wasStale = this.stale;
      this.results = resultsByEndpoint(source);
      this.stale = sourceStale(source);
      const ids = new Set([...before.keys(), ...this.results.keys()]);
      for (const id of ids) {
        if (!this.index.has(id)) continue;
        const old = before.get(id) ?? NO_RESULTS;
        const now = this.results.get(id) ?? NO_RESULTS;
        if (old === now && wasStale === this.stale) continue;
        for (let i = 0; i < old.length; i++) relist(sourceKey(id, i), null);
        for (const p of sourceItems(id, now, this.stale)) {
          if (p.state !== 'OK') relist(sourceKey(id, p.index), p);
        }
        if (!touched.has(id)) touched.set(id, null);
      }
      this.currentSource = source;
    }
    this.currentChecks = checks;

    for (const [id, newChecks] of touched) {
      const placed = this.index.get(id);
      if (!placed) continue;
      const old = this.endpoints.get(id);
      const next = endpointHealth(
        newChecks ?? old?.checks ?? [],
        this.results.get(id) ?? NO_RESULTS,
        this.stale,
      );
      if (next) this.endpoints.set(id, next);
      else this.endpoints.delete(id);
      const from = old?.state ?? null;
      const to = next?.state ?? null;
      if (from === to) continue;
      if (placed.site) move(this.sites, placed.site.id, from, to);
      if (placed.customer) move(this.customers, placed.customer.id, from, to);
    }

    this.rollup = { endpoints: this.endpoints, sites: this.sites, customers: this.customers };
    if (removed.size > 0 || added.length > 0) {
      const kept = removed.size > 0 ? this.problems.filter((p) => !removed.has(p)) : this.problems;
      const fresh = removed.size > 0 ? added.filter((p) => !removed.has(p)) : added;
      this.problems = mergeSorted(kept, fresh.sort(compareProblems));
    }
  }
}

/** The dashboard's filters; "" is "any". */
export type StatusFilter = { state: CheckState | ''; tag: string; customer: string; query: string };
export const NO_STATUS_FILTER: StatusFilter = { state: '', tag: '', customer: '', query: '' };

export function isStatusFiltered(f: StatusFilter): boolean {
  return f.state !== '' || f.tag !== '' || f.customer !== '' || f.query.trim() !== '';
}

/**
 * The problems (or checks) a filter keeps, order unchanged. The text matches the endpoint
 * (id, name, host, tags), its site and customer names, the check kind and the message (a
 * source result: its name, series and message), the way the fleet search does
 * (case-insensitive, Korean initials).
 */
export function filterChecks<P extends Problem>(
  checks: readonly P[],
  filter: StatusFilter,
  index: FleetIndex,
): P[] {
  if (!isStatusFiltered(filter)) return [...checks];
  const q = normalize(filter.query.trim());
  return checks.filter((c) => {
    if (filter.state !== '' && c.state !== filter.state) return false;
    const placed = index.get(c.endpoint);
    if (!placed) return false;
    const { endpoint: e, site, customer } = placed;
    if (filter.tag !== '' && !e.tags.includes(filter.tag)) return false;
    if (filter.customer !== '' && customer?.id !== filter.customer) return false;
    if (q === '') return true;
    const own = isSourceProblem(c)
      ? contains('prometheus', q) ||
        contains(c.result.name, q) ||
        contains(c.result.series, q) ||
        contains(c.result.message, q)
      : contains(c.kind, q) || contains(c.message, q);
    return (
      own ||
      contains(e.id, q) ||
      contains(endpointLabel(e), q) ||
      contains(e.host, q) ||
      e.tags.some((tag) => contains(tag, q)) ||
      contains(site?.name ?? '', q) ||
      contains(customer?.name ?? '', q)
    );
  });
}

/** Customers for the tiles: worst first, then by name; customers with nothing checked last. */
export function customersByHealth(fleet: Fleet, health: Rollup): Customer[] {
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  const rank = (c: Customer) => {
    const state = health.customers.get(c.id)?.state ?? null;
    return state === null ? -1 : RANK[state];
  };
  return [...fleet.customers].sort(
    (a, b) => rank(b) - rank(a) || collator.compare(a.name, b.name) || collator.compare(a.id, b.id),
  );
}
