import { describe, expect, it } from 'vitest';
import type { CheckState, HistoryPoint } from '../bindings';
import { latencyPath, latencyTop, niceCeil, stateSegments, typicalStep, upShare } from './chart';

function point(
  at: number,
  latency: number | null,
  state: CheckState = 'OK',
  up: number | null = 1,
): HistoryPoint {
  return { at, state, latency_ms: latency, latency_max_ms: latency === null ? null : latency * 2, up };
}

const span = { fromS: 0, toS: 1000 };

describe('niceCeil', () => {
  it.each([
    [0, 1],
    [-5, 1],
    [0.3, 0.5],
    [1, 1],
    [7, 10],
    [23, 50],
    [120, 200],
    [2000, 2000],
    [2001, 5000],
  ])('%d → %d', (v, expected) => {
    expect(niceCeil(v)).toBeCloseTo(expected);
  });

  it('tops the axis at the highest peak', () => {
    expect(latencyTop([point(0, 30), point(100, 70)])).toBe(200);
    expect(latencyTop([])).toBe(1);
  });
});

describe('latencyPath', () => {
  it('draws one piece across evenly spaced points', () => {
    const d = latencyPath([point(0, 0), point(100, 50), point(200, 100)], span, 100, 50, 100);
    expect(d).toBe('M0 50 L10 25 L20 0');
  });

  it('breaks where nothing was measured and across a long gap', () => {
    const points = [
      point(0, 10),
      point(100, 10),
      point(200, null),
      point(300, 10),
      point(400, 10),
      point(900, 10),
    ];
    const d = latencyPath(points, span, 1000, 100, 100);
    expect(d.split('M').length - 1).toBe(3);
    expect(d).toBe('M0 90 L100 90 M300 90 L400 90 M900 90');
  });

  it('leaves out points outside the span and clamps values to the box', () => {
    const d = latencyPath([point(-50, 10), point(500, 500), point(1500, 10)], span, 100, 10, 100);
    expect(d).toBe('M50 0');
  });

  it('draws nothing without latency', () => {
    expect(latencyPath([point(0, null)], span, 100, 10, 100)).toBe('');
  });
});

describe('stateSegments', () => {
  it('spans each point to the next, and a gap only a step wide', () => {
    const points = [point(0, 1, 'OK'), point(100, 1, 'CRIT'), point(200, 1, 'OK'), point(700, 1, 'WARN')];
    expect(typicalStep(points)).toBe(100);
    expect(stateSegments(points, span, 1000).map((s) => [s.x, s.w, s.state])).toEqual([
      [0, 100, 'OK'],
      [100, 100, 'CRIT'],
      [200, 100, 'OK'],
      [700, 100, 'WARN'],
    ]);
  });

  it('gives a lone point a sliver and stops at the end of the span', () => {
    const [early] = stateSegments([point(500, 1, 'CRIT')], span, 1000);
    expect(early?.x).toBe(500);
    expect(early?.w).toBeCloseTo(3.5);
    const [late] = stateSegments([point(998, 1, 'CRIT')], span, 1000);
    expect(late?.until).toBe(1000);
  });
});

describe('upShare', () => {
  it('averages the points that counted results', () => {
    expect(upShare([point(0, 1, 'OK', 1), point(1, 1, 'CRIT', 0), point(2, 1, 'OK', null)])).toBe(0.5);
    expect(upShare([point(0, 1, 'OK', null)])).toBeNull();
  });
});
