// What the whole window shares: the fleet as last loaded, the selection, the section
// shown, the filters and the error banner. Components read these signals and re-render
// when they change.
import { signal } from '@preact/signals';
import { call } from './api';
import type { Fleet, IpcError, Priority, RestoreOutcome } from './bindings';
import { ancestors, exists, NO_FILTER, refKey, type EntityRef, type FleetFilter } from './fleet/tree';
import { parseTarget } from './sla/clock';

export type Section = 'fleet' | 'sessions' | 'sla' | 'notifications' | 'settings';
export const SECTIONS: Section[] = ['fleet', 'sessions', 'sla', 'notifications', 'settings'];

export const section = signal<Section>('fleet');
/** `null` until the first snapshot arrives. */
export const fleet = signal<Fleet | null>(null);
export const selection = signal<EntityRef | null>(null);
export const filter = signal<FleetFilter>(NO_FILTER);
/** Keys (see `refKey`) of customers and sites whose children are hidden. */
export const collapsed = signal<ReadonlySet<string>>(new Set());
export const banner = signal<IpcError | null>(null);
/** What this start did with a restore asked for in Settings (until dismissed). */
export const restored = signal<RestoreOutcome | null>(null);

/** The SLA section: which view, the board's filters ("" is all) and the ticket shown. */
export type SlaView = 'board' | 'report';
export type SlaFilter = { customer: string; priority: Priority | '' };
export const NO_SLA_FILTER: SlaFilter = { customer: '', priority: '' };
export const slaView = signal<SlaView>('board');
export const slaFilter = signal<SlaFilter>(NO_SLA_FILTER);
export const openTicket = signal<number | null>(null);

/** A part of a section to bring into view once it is shown (set by a link elsewhere). */
export type FocusTarget = 'connections' | 'conflicts';
export const focusTarget = signal<FocusTarget | null>(null);

/** Settings, scrolled to the helpdesk connections. */
export function openConnections(): void {
  section.value = 'settings';
  focusTarget.value = 'connections';
}

/** The SLA board, scrolled to the sync conflicts above it. */
export function openConflicts(): void {
  section.value = 'sla';
  slaView.value = 'board';
  openTicket.value = null;
  focusTarget.value = 'conflicts';
}

/** Shows what a notification points at (`ticket:12`, `sla:acme`); false if not understood. */
export function openItem(target: string): boolean {
  const parsed = parseTarget(target);
  if (!parsed) return false;
  section.value = 'sla';
  slaView.value = 'board';
  if (parsed.kind === 'ticket') {
    openTicket.value = parsed.id;
  } else {
    openTicket.value = null;
    slaFilter.value = { ...NO_SLA_FILTER, customer: parsed.id };
  }
  return true;
}

/** Takes a fleet from the Rust side, dropping a selection that no longer exists. */
export function setFleet(next: Fleet, select?: EntityRef): void {
  fleet.value = next;
  const sel = select ?? selection.value;
  selection.value = sel && exists(next, sel) ? sel : null;
}

export async function reloadFleet(): Promise<void> {
  try {
    setFleet(await call('fleet_snapshot', {}));
  } catch (e) {
    banner.value = e as IpcError;
  }
}

/** Selects an entity and makes sure its row is shown: parents expanded. */
export function reveal(ref: EntityRef): void {
  const current = fleet.value;
  if (current) {
    const { customer, site } = ancestors(current, ref);
    const open = new Set(collapsed.value);
    if (customer) open.delete(refKey({ kind: 'customer', id: customer }));
    if (site) open.delete(refKey({ kind: 'site', id: site }));
    collapsed.value = open;
  }
  selection.value = ref;
}

export function toggleCollapsed(ref: EntityRef): void {
  const next = new Set(collapsed.value);
  const key = refKey(ref);
  if (!next.delete(key)) next.add(key);
  collapsed.value = next;
}

/** Back to a fresh window; for tests. */
export function resetState(): void {
  section.value = 'fleet';
  fleet.value = null;
  selection.value = null;
  filter.value = NO_FILTER;
  collapsed.value = new Set();
  banner.value = null;
  slaView.value = 'board';
  slaFilter.value = NO_SLA_FILTER;
  openTicket.value = null;
  focusTarget.value = null;
}
