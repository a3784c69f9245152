import { describe, expect, it } from 'vitest';
import { contains, initials, normalize, rank } from './text';

describe('contains', () => {
  it.each([
    ['ACME Corp', 'acme', true],
    ['ACME Corp', 'CORP', false], // queries arrive normalised
    ['web-01.acme.example', '01.acme', true],
    ['한빛 물산', '물산', true],
    ['한빛 물산', 'ㅎㅂ', true],
    ['한빛 물산', 'ㅁㅅ', true],
    ['한빛 물산', 'ㅅㅁ', false],
    ['anything', '', true],
  ])('%s contains %s: %s', (value, q, expected) => {
    expect(contains(value, q)).toBe(expected);
  });

  it('matches decomposed Hangul (as macOS writes file names) against composed input', () => {
    const decomposed = '서울 본사'.normalize('NFD');
    expect(decomposed).not.toBe('서울 본사');
    expect(contains(decomposed, normalize('본사'))).toBe(true);
  });
});

describe('initials', () => {
  it('keeps non-Hangul characters', () => {
    expect(initials('서울-web1')).toBe('ㅅㅇ-web1');
  });
});

describe('rank', () => {
  it.each([
    ['web1', 'web1', 0],
    ['web10', 'web1', 1],
    ['acme-web1', 'web', 2],
    ['newweb', 'web', 3],
    ['db1', 'web', null],
  ] as const)('%s for %s → %s', (value, q, expected) => {
    expect(rank(value, q)).toBe(expected);
  });
});
