import type { Customer, Endpoint, Fleet, Site } from '../bindings';

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
