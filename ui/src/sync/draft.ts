// The helpdesk connection form as text fields and editable rows, and back. Only what
// cannot be sent at all is checked here (numbers, incomplete or repeated rows); names,
// addresses, customers and policies are checked by the Rust side, which says what is wrong.
import type { ConnectionConfig, TicketState } from '../bindings';
import { t, type MessageKey } from '../i18n';
import { STATES } from '../sla/format';

export type Pair = { key: string; value: string };
export type PairTable = 'customers' | 'policies' | 'states';

export type ConnectionDraft = {
  base: ConnectionConfig;
  name: string;
  url: string;
  user: string;
  /** Never filled from the Rust side: empty keeps the token in the keychain. */
  secret: string;
  queues: string;
  interval: string;
  customers: Pair[];
  policies: Pair[];
  states: Pair[];
  statuses: Record<TicketState, string>;
  p1: string;
  p2: string;
  p3: string;
};

export const TABLE_LABEL: Record<PairTable, MessageKey> = {
  customers: 'connection.customers',
  policies: 'connection.policies',
  states: 'connection.states',
};

function pairs(map: Record<string, string | undefined>): Pair[] {
  return Object.entries(map).map(([key, value]) => ({ key, value: value ?? '' }));
}

export function toDraft(config: ConnectionConfig): ConnectionDraft {
  const m = config.mapping;
  const statuses = Object.fromEntries(STATES.map((s) => [s, m.statuses[s] ?? ''])) as Record<
    TicketState,
    string
  >;
  return {
    base: config,
    name: config.name,
    url: config.url,
    user: config.user,
    secret: '',
    queues: config.queues.join(', '),
    interval: String(config.interval_minutes),
    customers: pairs(m.customers),
    policies: pairs(m.policies),
    states: pairs(m.states),
    statuses,
    p1: String(m.priority_p1),
    p2: String(m.priority_p2),
    p3: String(m.priority_p3),
  };
}

/** The secret to send: `null` keeps the stored one. */
export function secretOf(draft: ConnectionDraft): string | null {
  return draft.secret === '' ? null : draft.secret;
}

function wholeNumber(text: string): number | null {
  const v = text.trim();
  return /^\d{1,9}$/.test(v) ? Number(v) : null;
}

/** Rows as a map; rows left wholly empty are dropped. */
function table(
  name: PairTable,
  rows: Pair[],
  errors: string[],
  allowed?: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  const label = t(TABLE_LABEL[name]);
  rows.forEach((row, i) => {
    const key = row.key.trim();
    const value = row.value.trim();
    if (key === '' && value === '') return;
    if (key === '' || value === '' || (allowed && !allowed.includes(value))) {
      errors.push(t('connection.rowIncomplete', { table: label, n: i + 1 }));
    } else if (Object.hasOwn(out, key)) {
      errors.push(t('connection.rowTwice', { table: label, key }));
    } else {
      out[key] = value;
    }
  });
  return out;
}

export type Checked = { ok: true; value: ConnectionConfig } | { ok: false; errors: string[] };

export function fromDraft(d: ConnectionDraft): Checked {
  const errors: string[] = [];
  const interval = wholeNumber(d.interval);
  if (interval === null) errors.push(t('connection.intervalInvalid'));
  const thresholds = (['p1', 'p2', 'p3'] as const).map((k) => {
    const n = wholeNumber(d[k]);
    if (n === null) errors.push(t('connection.thresholdInvalid', { level: t(`connection.${k}`) }));
    return n ?? 0;
  });
  const customers = table('customers', d.customers, errors);
  const policies = table('policies', d.policies, errors);
  const states = table('states', d.states, errors, STATES) as Record<string, TicketState>;
  const statuses: Record<string, string> = {};
  for (const s of STATES) {
    const v = d.statuses[s].trim();
    if (v !== '') statuses[s] = v;
  }
  if (errors.length > 0 || interval === null) return { ok: false, errors };
  const [p1 = 0, p2 = 0, p3 = 0] = thresholds;
  return {
    ok: true,
    value: {
      ...d.base,
      name: d.name.trim(),
      url: d.url.trim(),
      user: d.user.trim(),
      queues: d.queues
        .split(',')
        .map((q) => q.trim())
        .filter((q) => q !== ''),
      interval_minutes: interval,
      mapping: {
        ...d.base.mapping,
        customers,
        policies,
        states,
        statuses,
        priority_p1: p1,
        priority_p2: p2,
        priority_p3: p3,
      },
    },
  };
}
