// The fleet as the tree the Fleet section shows: customers → sites → endpoints, each
// level sorted by display name, narrowed by the search box and the filters.
import type { Customer, Endpoint, Fleet, Site } from '../bindings';
import { contains, normalize } from './text';

export type SiteNode = { site: Site; endpoints: Endpoint[] };
export type CustomerNode = { customer: Customer; sites: SiteNode[] };

export type EntityKind = 'customer' | 'site' | 'endpoint';
export type EntityRef = { kind: EntityKind; id: string };

export type FleetFilter = { query: string; customer: string; site: string; tag: string };
export const NO_FILTER: FleetFilter = { query: '', customer: '', site: '', tag: '' };

// Numeric so "web2" sorts before "web10"; base sensitivity so case does not split names.
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** What a person sees for an endpoint: its name, or its id when it has none. */
export function endpointLabel(e: Endpoint): string {
  return e.name.trim() === '' ? e.id : e.name;
}

function byLabel<T>(label: (x: T) => string, id: (x: T) => string) {
  return (a: T, b: T) => collator.compare(label(a), label(b)) || collator.compare(id(a), id(b));
}

export function buildTree(fleet: Fleet): CustomerNode[] {
  const endpointsBySite = new Map<string, Endpoint[]>();
  for (const e of fleet.endpoints) {
    const list = endpointsBySite.get(e.site) ?? [];
    list.push(e);
    endpointsBySite.set(e.site, list);
  }
  const sitesByCustomer = new Map<string, SiteNode[]>();
  for (const site of [...fleet.sites].sort(
    byLabel(
      (s: Site) => s.name,
      (s) => s.id,
    ),
  )) {
    const endpoints = (endpointsBySite.get(site.id) ?? []).sort(byLabel(endpointLabel, (e) => e.id));
    const list = sitesByCustomer.get(site.customer) ?? [];
    list.push({ site, endpoints });
    sitesByCustomer.set(site.customer, list);
  }
  return [...fleet.customers]
    .sort(
      byLabel(
        (c: Customer) => c.name,
        (c) => c.id,
      ),
    )
    .map((customer) => ({ customer, sites: sitesByCustomer.get(customer.id) ?? [] }));
}

export function endpointMatches(e: Endpoint, q: string): boolean {
  return (
    contains(e.id, q) || contains(e.name, q) || contains(e.host, q) || e.tags.some((tag) => contains(tag, q))
  );
}

/**
 * Keeps what the search and filters ask for. A customer or site that matches the search
 * itself keeps all its children; otherwise it stays only as the parent of a match. A tag
 * filter narrows to endpoints, so it drops sites and customers left without any.
 */
export function filterTree(tree: CustomerNode[], filter: FleetFilter): CustomerNode[] {
  const q = normalize(filter.query.trim());
  const tagOnly = filter.tag !== '';
  const out: CustomerNode[] = [];
  for (const { customer, sites } of tree) {
    if (filter.customer !== '' && customer.id !== filter.customer) continue;
    const customerHit = contains(customer.id, q) || contains(customer.name, q);
    const keptSites: SiteNode[] = [];
    for (const { site, endpoints } of sites) {
      if (filter.site !== '' && site.id !== filter.site) continue;
      const siteHit = customerHit || contains(site.id, q) || contains(site.name, q);
      const kept = endpoints.filter(
        (e) => (!tagOnly || e.tags.includes(filter.tag)) && (siteHit || endpointMatches(e, q)),
      );
      if (kept.length > 0 || (siteHit && !tagOnly)) keptSites.push({ site, endpoints: kept });
    }
    if (keptSites.length > 0 || (customerHit && !tagOnly && filter.site === '')) {
      out.push({ customer, sites: keptSites });
    }
  }
  return out;
}

export function isFiltered(filter: FleetFilter): boolean {
  return filter.query.trim() !== '' || filter.customer !== '' || filter.site !== '' || filter.tag !== '';
}

/** Every tag in use, sorted, for the tag filter. */
export function allTags(fleet: Fleet): string[] {
  return [...new Set(fleet.endpoints.flatMap((e) => e.tags))].sort((a, b) => collator.compare(a, b));
}

/** One row of the tree as drawn: what it says and where it sits. */
export type TreeRow = {
  ref: EntityRef;
  /** `refKey(ref)`. */
  key: string;
  level: 1 | 2 | 3;
  label: string;
  /** How many endpoints are below a customer or site; an endpoint's host. */
  detail: string;
  demo: boolean;
  /** Has children in this (filtered) tree. */
  expandable: boolean;
  /** Its children are shown. */
  open: boolean;
  /** The index of the row one level up; -1 for a customer. */
  parent: number;
  /** Its place among its siblings, from 1, and how many they are. */
  posinset: number;
  setsize: number;
};

/**
 * The rows a tree shows, top to bottom, with what each row draws: one pass, so a list
 * of 10,000 rows is built once per fleet, filter or collapse, not once per render.
 */
export function treeRows(tree: CustomerNode[], collapsed: ReadonlySet<string>): TreeRow[] {
  const rows: TreeRow[] = [];
  tree.forEach(({ customer, sites }, c) => {
    const cRef: EntityRef = { kind: 'customer', id: customer.id };
    const cKey = refKey(cRef);
    const cOpen = !collapsed.has(cKey);
    const cIndex = rows.length;
    rows.push({
      ref: cRef,
      key: cKey,
      level: 1,
      label: customer.name,
      detail: String(sites.reduce((n, s) => n + s.endpoints.length, 0)),
      demo: customer.demo,
      expandable: sites.length > 0,
      open: cOpen,
      parent: -1,
      posinset: c + 1,
      setsize: tree.length,
    });
    if (!cOpen) return;
    sites.forEach(({ site, endpoints }, s) => {
      const sRef: EntityRef = { kind: 'site', id: site.id };
      const sKey = refKey(sRef);
      const sOpen = !collapsed.has(sKey);
      const sIndex = rows.length;
      rows.push({
        ref: sRef,
        key: sKey,
        level: 2,
        label: site.name,
        detail: String(endpoints.length),
        demo: false,
        expandable: endpoints.length > 0,
        open: sOpen,
        parent: cIndex,
        posinset: s + 1,
        setsize: sites.length,
      });
      if (!sOpen) return;
      endpoints.forEach((e, i) => {
        const ref: EntityRef = { kind: 'endpoint', id: e.id };
        rows.push({
          ref,
          key: refKey(ref),
          level: 3,
          label: endpointLabel(e),
          detail: e.host,
          demo: false,
          expandable: false,
          open: false,
          parent: sIndex,
          posinset: i + 1,
          setsize: endpoints.length,
        });
      });
    });
  });
  return rows;
}

/** The rows a tree shows, top to bottom, for keyboard navigation. */
export function visibleRows(tree: CustomerNode[], collapsed: ReadonlySet<string>): EntityRef[] {
  return treeRows(tree, collapsed).map((r) => r.ref);
}

export function refKey(ref: EntityRef): string {
  return `${ref.kind}:${ref.id}`;
}

/** The customer and site above an entity, for preselecting parents and expanding rows. */
export function ancestors(fleet: Fleet, ref: EntityRef): { customer: string | null; site: string | null } {
  if (ref.kind === 'customer') return { customer: ref.id, site: null };
  const siteId = ref.kind === 'site' ? ref.id : fleet.endpoints.find((e) => e.id === ref.id)?.site;
  const site = fleet.sites.find((s) => s.id === siteId);
  return { customer: site?.customer ?? null, site: site?.id ?? null };
}

export function exists(fleet: Fleet, ref: EntityRef): boolean {
  const list: { id: string }[] =
    ref.kind === 'customer' ? fleet.customers : ref.kind === 'site' ? fleet.sites : fleet.endpoints;
  return list.some((x) => x.id === ref.id);
}

/** How much goes with a delete: sites and endpoints under a customer, endpoints under a site. */
export function descendants(fleet: Fleet, ref: EntityRef): { sites: number; endpoints: number } {
  if (ref.kind === 'endpoint') return { sites: 0, endpoints: 0 };
  const siteIds = new Set(
    ref.kind === 'site' ? [ref.id] : fleet.sites.filter((s) => s.customer === ref.id).map((s) => s.id),
  );
  return {
    sites: ref.kind === 'customer' ? siteIds.size : 0,
    endpoints: fleet.endpoints.filter((e) => siteIds.has(e.site)).length,
  };
}

/** Endpoints outside `ref` that name an endpoint inside it as parent or jump host. */
export function dependents(fleet: Fleet, ref: EntityRef): Endpoint[] {
  const { customer, site } = ancestors(fleet, ref);
  const inside = (e: Endpoint) =>
    ref.kind === 'endpoint'
      ? e.id === ref.id
      : ref.kind === 'site'
        ? e.site === site
        : fleet.sites.some((s) => s.id === e.site && s.customer === customer);
  const gone = new Set(fleet.endpoints.filter(inside).map((e) => e.id));
  return fleet.endpoints.filter(
    (e) =>
      !gone.has(e.id) &&
      ((e.parent !== null && gone.has(e.parent)) || (e.ssh.jump !== null && gone.has(e.ssh.jump))),
  );
}
