import { describe, expect, it } from 'vitest';
import { applyLanguage } from '../i18n';
import { ageText, countParts, latencyText, stateLabel, statusTime, uptimePercent } from './format';
import { noCounts } from './rollup';

const NOW = new Date(2026, 10, 24, 14, 12).getTime();
const ago = (secs: number) => NOW / 1000 - secs;

describe('ageText', () => {
  it.each([
    [0, 'just now'],
    [59, 'just now'],
    [60, 'for 1 min'],
    [12 * 60 + 30, 'for 12 min'],
    [3600, 'for 1 h 00 min'],
    [3 * 3600 + 5 * 60, 'for 3 h 05 min'],
    [47 * 3600 + 59 * 60, 'for 47 h 59 min'],
    [4 * 86400 + 3600, 'for 4 days'],
    [-30, 'just now'],
  ])('%i s → %s', (secs, expected) => {
    expect(ageText(ago(secs), NOW)).toBe(expected);
  });

  it('speaks Korean', () => {
    applyLanguage('ko');
    expect(ageText(ago(12 * 60), NOW)).toBe('12분째');
    expect(ageText(ago(3 * 3600 + 5 * 60), NOW)).toBe('3시간 05분째');
    expect(ageText(ago(5 * 86400), NOW)).toBe('5일째');
  });
});

describe('uptimePercent', () => {
  it.each<[number | null | undefined, string | null]>([
    [1, '100%'],
    [0.99999, '99.99%'],
    [0.9995, '99.95%'],
    [0.5, '50.00%'],
    [0, '0.00%'],
    [1.2, '100%'],
    [null, null],
    [undefined, null],
    [Number.NaN, null],
  ])('%s → %s', (share, expected) => {
    expect(uptimePercent(share)).toBe(expected);
  });
});

describe('words', () => {
  it('names every state in both languages', () => {
    expect(['OK', 'WARN', 'CRIT', 'UNKNOWN', 'STALE'].map((s) => stateLabel(s as 'OK'))).toEqual([
      'OK',
      'Warning',
      'Critical',
      'Unknown',
      'Stale',
    ]);
    applyLanguage('ko');
    expect(stateLabel('CRIT')).toBe('심각');
    expect(stateLabel('STALE')).toBe('확인 불가');
  });

  it('counts worst first and leaves out empty states', () => {
    const counts = { ...noCounts(), OK: 40, CRIT: 2, STALE: 1 };
    expect(countParts(counts).map((p) => p.text)).toEqual(['2 Critical', '1 Stale', '40 OK']);
    applyLanguage('ko');
    expect(countParts(counts).map((p) => p.text)).toEqual(['심각 2', '확인 불가 1', '정상 40']);
  });

  it('shows latency in whole milliseconds', () => {
    expect(latencyText(23.6)).toBe('24 ms');
    expect(latencyText(null)).toBe('no latency');
  });

  it('shows a time today as HH:MM and another day with its date', () => {
    expect(statusTime(new Date(2026, 10, 24, 14, 2).getTime() / 1000, NOW)).toBe('14:02');
    expect(statusTime(new Date(2026, 10, 23, 9, 5).getTime() / 1000, NOW)).toBe('Mon 23 Nov, 09:05');
  });
});
