import { describe, expect, it } from 'vitest';
import { en } from './en';
import { applyLanguage, count, interpolate, lang, systemLanguage, t } from './index';
import { ko } from './ko';

describe('translations', () => {
  it('has every English key in Korean, and nothing more', () => {
    expect(Object.keys(ko).sort()).toEqual(Object.keys(en).sort());
  });

  it.each(Object.entries(ko))('Korean %s is not empty', (_key, text) => {
    expect(text.trim()).not.toBe('');
  });

  it('keeps the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(names(ko[key]), key).toEqual(names(en[key]));
    }
  });

  it('uses the navigation labels the end-to-end tests expect', () => {
    expect([
      ko['nav.fleet'],
      ko['nav.sessions'],
      ko['nav.sla'],
      ko['nav.notifications'],
      ko['nav.settings'],
    ]).toEqual(['자산', '세션', 'SLA', '알림', '설정']);
  });
});

describe('t', () => {
  it('interpolates named parameters', () => {
    expect(interpolate('Delete {name} with its {sites}?', { name: 'ACME Corp', sites: '2 sites' })).toBe(
      'Delete ACME Corp with its 2 sites?',
    );
    expect(interpolate('{n} of {n}', { n: 3 })).toBe('3 of 3');
  });

  it('leaves unknown placeholders as they are', () => {
    expect(interpolate('{known} {unknown}', { known: 'x' })).toBe('x {unknown}');
  });

  it('does not read inherited properties as parameters', () => {
    expect(interpolate('{toString}', {})).toBe('{toString}');
  });

  it('follows the current language', () => {
    applyLanguage('ko');
    expect(t('nav.fleet')).toBe('자산');
    expect(document.documentElement.lang).toBe('ko');
    applyLanguage('en');
    expect(t('nav.fleet')).toBe('Fleet');
    expect(lang.value).toBe('en');
  });

  it('counts in English plural forms and Korean counters', () => {
    expect(count(1, 'sites')).toBe('1 site');
    expect(count(14, 'endpoints')).toBe('14 endpoints');
    applyLanguage('ko');
    expect(count(2, 'sites')).toBe('사이트 2개');
  });
});

describe('systemLanguage', () => {
  it.each([
    ['ko-KR', 'ko'],
    ['ko', 'ko'],
    ['KO-kr', 'ko'],
    ['en-US', 'en'],
    ['de-DE', 'en'],
    [undefined, 'en'],
  ])('%s → %s', (input, expected) => {
    expect(systemLanguage(input)).toBe(expected);
  });
});
