// Fleet health as the dashboard shows it, computed from the check statuses the Rust side
// sends: an endpoint is as bad as its worst check, a site or customer as its worst
// endpoint (with how many endpoints are in each state), and the problem list is every
// check not OK, worst first and, within a state, the longest-standing first.
//
// Pure functions over plain data, so they can be tested by the table and timed on a
// 10,000-endpoint fleet. Not the place for signals or IPC (see `store.ts`).
import type { CheckState, CheckStatus, Customer, Endpoint, Fleet, Site } from '../bindings';
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

/** One endpoint's health: its worst check and its checks by index (holes where none ran). */
export type EndpointHealth = { state: CheckState; checks: (CheckStatus | undefined)[] };

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
 * Every endpoint, site and customer with at least one check status, in one pass over the
 * checks and one over the endpoints that have any. Statuses of endpoints or checks no
 * longer in the fleet are left out.
 */
export function rollup(index: FleetIndex, checks: Iterable<CheckStatus>): Rollup {
  const endpoints = new Map<string, EndpointHealth>();
  for (const c of checks) {
    const placed = belongs(index, c);
    if (!placed) continue;
    let health = endpoints.get(c.endpoint);
    if (!health) {
      health = { state: c.state, checks: [] };
      endpoints.set(c.endpoint, health);
    } else if (RANK[c.state] > RANK[health.state]) {
      health.state = c.state;
    }
    health.checks[c.check] = c;
  }
  const sites = new Map<string, GroupHealth>();
  const customers = new Map<string, GroupHealth>();
  for (const [id, health] of endpoints) {
    const placed = index.get(id);
    if (placed?.site) addTo(sites, placed.site.id, health.state);
    if (placed?.customer) addTo(customers, placed.customer.id, health.state);
  }
  return { endpoints, sites, customers };
}

/** Problem-list order: worse state first, then the oldest `since`, then by endpoint and check. */
export function compareProblems(a: CheckStatus, b: CheckStatus): number {
  return (
    RANK[b.state] - RANK[a.state] ||
    a.since - b.since ||
    (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0) ||
    a.check - b.check
  );
}

/** Every check of the fleet that is not OK, in problem-list order. */
export function problems(index: FleetIndex, checks: Iterable<CheckStatus>): CheckStatus[] {
  const out: CheckStatus[] = [];
  for (const c of checks) if (c.state !== 'OK' && belongs(index, c)) out.push(c);
  return out.sort(compareProblems);
}

/** The dashboard's filters; "" is "any". */
export type StatusFilter = { state: CheckState | ''; tag: string; customer: string; query: string };
export const NO_STATUS_FILTER: StatusFilter = { state: '', tag: '', customer: '', query: '' };

export function isStatusFiltered(f: StatusFilter): boolean {
  return f.state !== '' || f.tag !== '' || f.customer !== '' || f.query.trim() !== '';
}

/**
 * The checks a filter keeps, order unchanged. The text matches the endpoint (id, name,
 * host, tags), its site and customer names, the check kind and the message, the way the
 * fleet search does (case-insensitive, Korean initials).
 */
export function filterChecks(
  checks: readonly CheckStatus[],
  filter: StatusFilter,
  index: FleetIndex,
): CheckStatus[] {
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
    return (
      contains(e.id, q) ||
      contains(endpointLabel(e), q) ||
      contains(e.host, q) ||
      e.tags.some((tag) => contains(tag, q)) ||
      contains(site?.name ?? '', q) ||
      contains(customer?.name ?? '', q) ||
      contains(c.kind, q) ||
      contains(c.message, q)
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
