// Command palette matching: every customer, site and endpoint, searched by id, name and
// host, best matches first (exact, then prefix, then word prefix, then anywhere).
import type { Fleet } from '../bindings';
import { normalize, rank, type MatchRank } from '../fleet/text';
import { endpointLabel, type EntityKind } from '../fleet/tree';

export type PaletteItem = {
  kind: EntityKind;
  id: string;
  label: string;
  /** Where it is, or its host: shown beside the label. */
  context: string;
  fields: string[];
};

const KIND_ORDER: Record<EntityKind, number> = { customer: 0, site: 1, endpoint: 2 };
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function paletteItems(fleet: Fleet): PaletteItem[] {
  const customerName = new Map(fleet.customers.map((c) => [c.id, c.name]));
  const siteName = new Map(fleet.sites.map((s) => [s.id, s.name]));
  return [
    ...fleet.customers.map((c) => ({
      kind: 'customer' as const,
      id: c.id,
      label: c.name,
      context: c.id,
      fields: [c.id, c.name],
    })),
    ...fleet.sites.map((s) => ({
      kind: 'site' as const,
      id: s.id,
      label: s.name,
      context: customerName.get(s.customer) ?? s.customer,
      fields: [s.id, s.name],
    })),
    ...fleet.endpoints.map((e) => ({
      kind: 'endpoint' as const,
      id: e.id,
      label: endpointLabel(e),
      context: `${e.host} · ${siteName.get(e.site) ?? e.site}`,
      fields: [e.id, e.name, e.host],
    })),
  ];
}

export function rankPalette(items: PaletteItem[], query: string, limit = 50): PaletteItem[] {
  const q = normalize(query.trim());
  const scored: { item: PaletteItem; score: MatchRank }[] = [];
  for (const item of items) {
    let best: MatchRank | null = null;
    for (const field of item.fields) {
      const r = rank(field, q);
      if (r !== null && (best === null || r < best)) best = r;
    }
    if (best !== null) scored.push({ item, score: best });
  }
  scored.sort(
    (a, b) =>
      a.score - b.score ||
      KIND_ORDER[a.item.kind] - KIND_ORDER[b.item.kind] ||
      collator.compare(a.item.label, b.item.label),
  );
  return scored.slice(0, limit).map((s) => s.item);
}
