import { describe, expect, it } from 'vitest';
import { customer, sampleFleet } from '../test/fixtures';
import { paletteItems, rankPalette } from './rank';

const items = paletteItems(sampleFleet());
const ids = (query: string) => rankPalette(items, query).map((i) => `${i.kind}:${i.id}`);

describe('rankPalette', () => {
  it('ranks exact, then prefix, then word prefix, then anywhere', () => {
    const fleet = {
      customers: [
        customer('c1', 'Netway'),
        customer('c2', 'Old way'),
        customer('c3', 'Waypoint'),
        customer('c4', 'Way'),
      ],
      sites: [],
      endpoints: [],
    };
    expect(rankPalette(paletteItems(fleet), 'way').map((i) => i.label)).toEqual([
      'Way',
      'Waypoint',
      'Old way',
      'Netway',
    ]);
  });

  it('takes the best of id, name and host', () => {
    expect(ids('web1')[0]).toBe('endpoint:acme-web1');
    expect(ids('acme')[0]).toBe('customer:acme');
    expect(ids('head')).toEqual(['site:acme-hq']);
  });

  it('finds endpoints by host', () => {
    expect(ids('10.20.0')).toEqual(['endpoint:hanbit-nas']);
  });

  it('finds Korean names, also by initial consonants', () => {
    expect(ids('파일')).toEqual(['endpoint:hanbit-nas']);
    expect(ids('ㅎㅂ')).toEqual(['customer:hanbit']);
  });

  it('orders equal matches customers, sites, endpoints', () => {
    const result = rankPalette(items, '');
    expect(result[0]?.kind).toBe('customer');
    expect(result[result.length - 1]?.kind).toBe('endpoint');
  });

  it('limits the list', () => {
    expect(rankPalette(items, '', 5)).toHaveLength(5);
  });

  it('returns nothing for no match', () => {
    expect(ids('zzz')).toEqual([]);
  });
});
