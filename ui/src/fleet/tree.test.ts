import { describe, expect, it } from 'vitest';
import type { Fleet } from '../bindings';
import { customer, endpoint, sampleFleet, site } from '../test/fixtures';
import {
  allTags,
  ancestors,
  buildTree,
  dependents,
  descendants,
  endpointLabel,
  filterTree,
  NO_FILTER,
  treeRows,
  visibleRows,
  type CustomerNode,
  type FleetFilter,
} from './tree';

/** The tree as indented lines of ids, easy to compare as a table. */
function outline(tree: CustomerNode[]): string[] {
  return tree.flatMap((c) => [
    c.customer.id,
    ...c.sites.flatMap((s) => [`  ${s.site.id}`, ...s.endpoints.map((e) => `    ${e.id}`)]),
  ]);
}

const small: Fleet = {
  customers: [
    customer('zeta', 'Zeta Ltd'),
    customer('acme', 'ACME Corp'),
    customer('empty', 'Beta (no sites)'),
  ],
  sites: [site('acme-b', 'acme', 'Branch'), site('acme-a', 'acme', 'Annex'), site('zeta-hq', 'zeta', 'HQ')],
  endpoints: [
    endpoint('web10', 'acme-a', { name: 'web10', tags: ['web'] }),
    endpoint('web2', 'acme-a', { name: 'web2', tags: ['web', 'linux'] }),
    endpoint('router', 'acme-b', { name: 'Core router', host: '192.168.0.1', tags: ['network'] }),
    endpoint('nas', 'zeta-hq', { name: '', host: 'nas.zeta.example', tags: ['백업'] }),
  ],
};

describe('buildTree', () => {
  it('nests and sorts every level by name, numbers in numeric order', () => {
    expect(outline(buildTree(small))).toEqual([
      'acme',
      '  acme-a',
      '    web2',
      '    web10',
      '  acme-b',
      '    router',
      'empty',
      'zeta',
      '  zeta-hq',
      '    nas',
    ]);
  });

  it('labels a nameless endpoint by its id', () => {
    expect(endpointLabel(endpoint('nas', 's'))).toBe('nas');
    expect(endpointLabel(endpoint('nas', 's', { name: 'File server' }))).toBe('File server');
  });
});

describe('filterTree', () => {
  const cases: [string, Partial<FleetFilter>, string[]][] = [
    ['no filter keeps everything', {}, outline(buildTree(small))],
    ['endpoint by host, with its parents', { query: '192.168' }, ['acme', '  acme-b', '    router']],
    ['endpoint by name, any case', { query: 'CORE' }, ['acme', '  acme-b', '    router']],
    ['endpoint by tag', { query: 'linux' }, ['acme', '  acme-a', '    web2']],
    ['Korean tag', { query: '백업' }, ['zeta', '  zeta-hq', '    nas']],
    [
      'a matching site keeps all its endpoints',
      { query: 'annex' },
      ['acme', '  acme-a', '    web2', '    web10'],
    ],
    [
      'a matching customer keeps everything under it',
      { query: 'zeta ltd' },
      ['zeta', '  zeta-hq', '    nas'],
    ],
    ['a customer without sites can be found', { query: 'beta' }, ['empty']],
    ['tag filter narrows to endpoints', { tag: 'web' }, ['acme', '  acme-a', '    web2', '    web10']],
    ['tag filter with search', { tag: 'web', query: 'web1' }, ['acme', '  acme-a', '    web10']],
    ['tag filter drops matching parents without tagged endpoints', { tag: 'web', query: 'zeta' }, []],
    ['customer filter', { customer: 'zeta' }, ['zeta', '  zeta-hq', '    nas']],
    ['site filter', { site: 'acme-b' }, ['acme', '  acme-b', '    router']],
    ['nothing matches', { query: 'nope' }, []],
  ];
  it.each(cases)('%s', (_name, filter, expected) => {
    expect(outline(filterTree(buildTree(small), { ...NO_FILTER, ...filter }))).toEqual(expected);
  });
});

describe('fleet helpers', () => {
  it('lists every tag once, sorted', () => {
    expect(allTags(small)).toEqual(['linux', 'network', 'web', '백업']);
  });

  it('counts what goes with a delete', () => {
    const fleet = sampleFleet();
    expect(descendants(fleet, { kind: 'customer', id: 'acme' })).toEqual({ sites: 2, endpoints: 14 });
    expect(descendants(fleet, { kind: 'site', id: 'acme-store' })).toEqual({ sites: 0, endpoints: 4 });
    expect(descendants(fleet, { kind: 'endpoint', id: 'acme-gw' })).toEqual({ sites: 0, endpoints: 0 });
  });

  it('finds endpoints that depend on what is deleted, outside of it', () => {
    const fleet = sampleFleet();
    expect(dependents(fleet, { kind: 'endpoint', id: 'acme-gw' }).map((e) => e.id)).toHaveLength(9);
    // Everything depending on the gateway goes with the site, so nothing blocks that.
    expect(dependents(fleet, { kind: 'site', id: 'acme-hq' })).toEqual([]);
  });

  it('finds the customer and site above an entity', () => {
    const fleet = sampleFleet();
    expect(ancestors(fleet, { kind: 'endpoint', id: 'hanbit-nas' })).toEqual({
      customer: 'hanbit',
      site: 'hanbit-seoul',
    });
    expect(ancestors(fleet, { kind: 'site', id: 'acme-hq' })).toEqual({ customer: 'acme', site: 'acme-hq' });
    expect(ancestors(fleet, { kind: 'customer', id: 'acme' })).toEqual({ customer: 'acme', site: null });
  });

  it('walks visible rows, skipping collapsed children', () => {
    const tree = buildTree(small);
    const rows = visibleRows(tree, new Set(['customer:acme', 'site:zeta-hq'])).map((r) => r.id);
    expect(rows).toEqual(['acme', 'empty', 'zeta', 'zeta-hq']);
  });

  it('describes each row: level, label, detail, children, parent and place among siblings', () => {
    const small2: Fleet = {
      ...small,
      customers: small.customers.map((c) => ({ ...c, demo: c.id === 'zeta' })),
    };
    const rows = treeRows(buildTree(small2), new Set(['site:acme-b']));
    expect(
      rows.map((r) => [
        r.key,
        r.level,
        r.label,
        r.detail,
        r.demo,
        r.expandable,
        r.open,
        r.parent,
        r.posinset,
        r.setsize,
      ]),
    ).toEqual([
      ['customer:acme', 1, 'ACME Corp', '3', false, true, true, -1, 1, 3],
      ['site:acme-a', 2, 'Annex', '2', false, true, true, 0, 1, 2],
      ['endpoint:web2', 3, 'web2', 'web2.example.net', false, false, false, 1, 1, 2],
      ['endpoint:web10', 3, 'web10', 'web10.example.net', false, false, false, 1, 2, 2],
      ['site:acme-b', 2, 'Branch', '1', false, true, false, 0, 2, 2],
      ['customer:empty', 1, 'Beta (no sites)', '0', false, false, true, -1, 2, 3],
      ['customer:zeta', 1, 'Zeta Ltd', '1', true, true, true, -1, 3, 3],
      ['site:zeta-hq', 2, 'HQ', '1', false, true, true, 6, 1, 1],
      ['endpoint:nas', 3, 'nas', 'nas.zeta.example', false, false, false, 7, 1, 1],
    ]);
    expect(rows.map((r) => r.ref)).toEqual(visibleRows(buildTree(small2), new Set(['site:acme-b'])));
  });
});
