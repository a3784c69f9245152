// The geometry of the detail's two small charts, kept pure so it can be tested without a
// DOM: a latency line (broken where nothing was measured) and a strip of states over time.
// Plain numbers in, SVG path data and rectangles out; no chart library.
import type { CheckState, HistoryPoint } from '../bindings';

export type Span = { fromS: number; toS: number };

/** The smallest of 1, 2, 5 × 10ⁿ at or above `v`: a round top for the latency axis. */
export function niceCeil(v: number): number {
  if (!Number.isFinite(v) || v <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(v));
  const f = v / exp;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * exp;
}

/** The latency axis' top: the highest latency (or peak) measured, rounded up. */
export function latencyTop(points: readonly HistoryPoint[]): number {
  let max = 0;
  for (const p of points) max = Math.max(max, p.latency_max_ms ?? 0, p.latency_ms ?? 0);
  return niceCeil(max);
}

function inSpan(points: readonly HistoryPoint[], span: Span): HistoryPoint[] {
  return points.filter((p) => p.at >= span.fromS && p.at <= span.toS).sort((a, b) => a.at - b.at);
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The typical step between points (the bucket size, or the probe interval). */
export function typicalStep(points: readonly HistoryPoint[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (a && b && b.at > a.at) gaps.push(b.at - a.at);
  }
  if (gaps.length === 0) return 0;
  gaps.sort((x, y) => x - y);
  return gaps[Math.floor(gaps.length / 2)] ?? 0;
}

/**
 * SVG path data for a latency series in a `width` × `height` box, `top` ms at the top. A
 * point without a value, or a gap much longer than the usual step, starts a new piece, so
 * a blind hour is not drawn as a straight line across it.
 */
export function latencyPath(
  points: readonly HistoryPoint[],
  span: Span,
  width: number,
  height: number,
  top: number,
  value: (p: HistoryPoint) => number | null = (p) => p.latency_ms,
): string {
  const shown = inSpan(points, span);
  const step = typicalStep(shown);
  const length = Math.max(1, span.toS - span.fromS);
  const parts: string[] = [];
  let previous: number | null = null;
  for (const p of shown) {
    const v = value(p);
    if (v === null || !Number.isFinite(v)) {
      previous = null;
      continue;
    }
    const x = round(((p.at - span.fromS) / length) * width);
    const y = round(height - (Math.min(Math.max(v, 0), top) / top) * height);
    const broken = previous === null || (step > 0 && p.at - previous > step * 2.5);
    parts.push(`${broken ? 'M' : 'L'}${String(x)} ${String(y)}`);
    previous = p.at;
  }
  return parts.join(' ');
}

export type Segment = { x: number; w: number; state: CheckState; at: number; until: number };

/** One rectangle per point, as wide as the time until the next one (at most a few steps). */
export function stateSegments(points: readonly HistoryPoint[], span: Span, width: number): Segment[] {
  const shown = inSpan(points, span);
  const length = Math.max(1, span.toS - span.fromS);
  // A lone point gets a sliver of 1/288 of the span (five minutes of a day).
  const step = typicalStep(shown) || length / 288;
  const out: Segment[] = [];
  shown.forEach((p, i) => {
    const next = shown[i + 1];
    const until = Math.min(span.toS, next && next.at - p.at <= step * 2.5 ? next.at : p.at + step);
    const x = ((p.at - span.fromS) / length) * width;
    const w = Math.max(((until - p.at) / length) * width, 0.5);
    out.push({ x: round(x), w: round(w), state: p.state, at: p.at, until });
  });
  return out;
}

/** The share of time up over the points that counted any results, `null` for none. */
export function upShare(points: readonly HistoryPoint[]): number | null {
  let sum = 0;
  let n = 0;
  for (const p of points) {
    if (p.up === null) continue;
    sum += p.up;
    n += 1;
  }
  return n === 0 ? null : sum / n;
}
