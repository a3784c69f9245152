import type {
  CheckStatus,
  ClockView,
  ConnectionConfig,
  ConnectionView,
  Customer,
  Endpoint,
  Fleet,
  FleetStatus,
  Site,
  SlaBoard,
  SlaRow,
  SyncConflict,
  SyncReport,
  SyncStatus,
  Ticket,
  TicketSummary,
} from '../bindings';

export function customer(id: string, name: string, extra: Partial<Customer> = {}): Customer {
  return { id, name, notes: '', demo: false, ...extra };
}

export function site(id: string, customerId: string, name: string, extra: Partial<Site> = {}): Site {
  return { id, customer: customerId, name, timezone: 'Asia/Seoul', notes: '', ...extra };
}

export function endpoint(id: string, siteId: string, extra: Partial<Endpoint> = {}): Endpoint {
  return {
    id,
    site: siteId,
    name: '',
    host: `${id}.example.net`,
    tags: [],
    notes: '',
    parent: null,
    ssh: { user: null, port: null, jump: null, credential: null },
    checks: [],
    ...extra,
  };
}

/** ACME Corp with 2 sites and 14 endpoints, and a small Korean customer. */
export function sampleFleet(): Fleet {
  const acmeEndpoints = [
    endpoint('acme-gw', 'acme-hq', { name: 'HQ gateway', tags: ['network', 'core'] }),
    ...Array.from({ length: 9 }, (_, i) =>
      endpoint(`acme-web${String(i + 1)}`, 'acme-hq', {
        name: `web${String(i + 1)}`,
        tags: ['web'],
        parent: 'acme-gw',
      }),
    ),
    ...Array.from({ length: 4 }, (_, i) =>
      endpoint(`acme-pos${String(i + 1)}`, 'acme-store', { tags: ['pos'] }),
    ),
  ];
  return {
    customers: [
      customer('acme', 'ACME Corp'),
      customer('hanbit', '한빛 물산', { notes: '야간 연락처: 010-0000-0000' }),
    ],
    sites: [
      site('acme-hq', 'acme', 'Headquarters'),
      site('acme-store', 'acme', 'Gangnam store'),
      site('hanbit-seoul', 'hanbit', '서울 본사'),
    ],
    endpoints: [
      ...acmeEndpoints,
      endpoint('hanbit-nas', 'hanbit-seoul', {
        name: '파일 서버',
        host: '10.20.0.5',
        tags: ['백업', 'nas'],
        ssh: { user: 'admin', port: 2222, jump: null, credential: 'hanbit-admin' },
        checks: [{ kind: 'tcp', params: { host: '10.20.0.5', port: 445 } }],
      }),
    ],
  };
}

/** 2026-11-24T01:00:00Z (10:00 in Seoul), the backend's "now" in the SLA tests. */
export const NOW_MS = Date.UTC(2026, 10, 24, 1, 0, 0);

export function clock(extra: Partial<ClockView> = {}): ClockView {
  return {
    kind: 'first_response',
    target_secs: 7200,
    elapsed_secs: 3594,
    remaining_secs: 3606,
    running: true,
    paused: false,
    counting_now: true,
    due: null,
    due_ms: NOW_MS + 3606_000,
    breached_at: null,
    stopped_at: null,
    level: 0,
    thresholds: [50, 75, 90],
    crossed: [],
    ahead: [
      { percent: 50, at: '', at_ms: NOW_MS + 6_000 },
      { percent: 75, at: '', at_ms: NOW_MS + 1806_000 },
      { percent: 90, at: '', at_ms: NOW_MS + 2886_000 },
      { percent: 100, at: '', at_ms: NOW_MS + 3606_000 },
    ],
    ...extra,
  };
}

export function ticketSummary(id: number, extra: Partial<TicketSummary> = {}): TicketSummary {
  return {
    id,
    customer: 'acme',
    endpoint: null,
    title: `Ticket ${String(id)}`,
    source: 'local',
    external_id: null,
    priority: 'P2',
    state: 'new',
    policy: 'standard',
    opened_at: '2026-11-24T00:00:00Z',
    ...extra,
  };
}

export function slaRow(id: number, clocks: ClockView[], extra: Partial<TicketSummary> = {}): SlaRow {
  return { ticket: ticketSummary(id, extra), clocks, error: null };
}

export function slaBoard(rows: SlaRow[], extra: Partial<SlaBoard> = {}): SlaBoard {
  return {
    now: new Date(NOW_MS).toISOString(),
    now_ms: NOW_MS,
    configured: true,
    rows,
    total: rows.length,
    ...extra,
  };
}

export function ticket(id: number, extra: Partial<Ticket> = {}): Ticket {
  return {
    ...ticketSummary(id),
    minutes: 0,
    events: [
      {
        id: 1,
        at: '2026-11-24T00:00:00Z',
        change: { kind: 'opened', priority: 'P2', policy: 'standard' },
      },
    ],
    ...extra,
  };
}

/** What `connection_template` answers for Request Tracker: empty fields, default mapping. */
export function connectionTemplate(): ConnectionConfig {
  return {
    name: '',
    kind: 'request_tracker',
    url: '',
    user: '',
    queues: [],
    interval_minutes: 5,
    mapping: {
      customers: {},
      policies: {},
      states: {
        new: 'new',
        open: 'in_progress',
        stalled: 'waiting_on_customer',
        resolved: 'resolved',
        rejected: 'closed',
      },
      statuses: {
        new: 'new',
        in_progress: 'open',
        waiting_on_customer: 'stalled',
        resolved: 'resolved',
        closed: 'resolved',
      },
      priority_p1: 90,
      priority_p2: 70,
      priority_p3: 40,
    },
  };
}

export function connectionConfig(extra: Partial<ConnectionConfig> = {}): ConnectionConfig {
  const template = connectionTemplate();
  return {
    ...template,
    name: 'rt',
    url: 'https://rt.example.com',
    user: 'fieldline',
    queues: ['General', 'Hanbit'],
    mapping: { ...template.mapping, customers: { General: 'acme', Hanbit: 'hanbit' } },
    ...extra,
  };
}

export function syncStatus(extra: Partial<SyncStatus> = {}): SyncStatus {
  return {
    connection: 'rt',
    last_attempt: null,
    last_success: null,
    last_error: null,
    waiting: 0,
    conflicts: 0,
    tickets: 0,
    ...extra,
  };
}

export function connectionView(
  status: Partial<SyncStatus> = {},
  extra: Partial<ConnectionView> = {},
): ConnectionView {
  const config = extra.config ?? connectionConfig();
  return {
    config,
    status: syncStatus({ connection: config.name, ...status }),
    has_secret: true,
    secret_error: null,
    ...extra,
  };
}

export function syncConflict(outboxId: number, extra: Partial<SyncConflict> = {}): SyncConflict {
  return {
    outbox_id: outboxId,
    ticket: 7,
    title: 'Mail down',
    connection: 'rt',
    remote_id: '123',
    field: 'state',
    mine: 'resolved',
    theirs: 'stalled',
    base: 'open',
    detail: null,
    changed_at: '2026-11-24T00:30:00Z',
    ...extra,
  };
}

export function syncReport(extra: Partial<SyncReport> = {}): SyncReport {
  return {
    connection: 'rt',
    pulled_new: 0,
    pulled_updated: 0,
    unchanged: 0,
    gone: 0,
    unreadable: 0,
    warnings: [],
    pushed: 0,
    already_applied: 0,
    new_conflicts: 0,
    waiting: 0,
    conflicts: 0,
    error: null,
    finished_at: '2026-11-24T01:00:00Z',
    took_ms: 120,
    ...extra,
  };
}

/** 2026-11-24 14:12 in the computer's zone, unix seconds: "now" in the status tests. */
export const STATUS_NOW_S = Math.floor(new Date(2026, 10, 24, 14, 12).getTime() / 1000);

export function checkStatus(endpoint: string, check: number, extra: Partial<CheckStatus> = {}): CheckStatus {
  const state = extra.state ?? 'OK';
  return {
    endpoint,
    check,
    kind: 'http',
    state,
    hard: state,
    last: state,
    since: STATUS_NOW_S - 3600,
    last_seen: STATUS_NOW_S - 30,
    latency_ms: 20,
    message: state === 'OK' ? 'HTTP 200 OK' : `HTTP check ${state}`,
    flapping: false,
    quiet: null,
    ...extra,
  };
}

export function fleetStatus(checks: CheckStatus[], extra: Partial<FleetStatus> = {}): FleetStatus {
  return {
    checks,
    offline: null,
    uptime_24h: { endpoints: {}, sites: {}, customers: {} },
    source: null,
    ...extra,
  };
}

/** The sample fleet with checks: every ACME endpoint has an http check, the gateway also ping. */
export function monitoredFleet(): Fleet {
  const fleet = sampleFleet();
  return {
    ...fleet,
    endpoints: fleet.endpoints.map((e) =>
      e.id === 'acme-gw'
        ? {
            ...e,
            checks: [
              { kind: 'ping', params: { host: '10.0.0.1' } },
              { kind: 'http', params: { url: 'https://gw.acme.example/' } },
            ],
          }
        : e.id.startsWith('acme-')
          ? { ...e, checks: [{ kind: 'http', params: { url: `https://${e.id}.acme.example/` } }] }
          : e,
    ),
  };
}
