// Words, ages and percentages for fleet health, in the current language. Pure, so the
// dashboard, the tree and the detail say the same thing the same way.
import type { CheckState, SourceResult } from '../bindings';
import { t, type MessageKey } from '../i18n';
import { syncTime } from '../sync/status';
import { STATES_BY_SEVERITY, type Counts } from './rollup';

const STATE_LABEL: Record<CheckState, MessageKey> = {
  OK: 'status.state.OK',
  WARN: 'status.state.WARN',
  CRIT: 'status.state.CRIT',
  UNKNOWN: 'status.state.UNKNOWN',
  STALE: 'status.state.STALE',
};

export function stateLabel(state: CheckState): string {
  return t(STATE_LABEL[state]);
}

/** How long a state has held: "for 12 min", "for 3 h 05 min", "for 4 days". */
export function ageText(sinceS: number, nowMs: number): string {
  const minutes = Math.floor(Math.max(0, nowMs / 1000 - sinceS) / 60);
  if (minutes < 1) return t('status.age.now');
  if (minutes < 60) return t('status.age.minutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('status.age.hours', { h: hours, m: String(minutes % 60).padStart(2, '0') });
  const days = Math.floor(hours / 24);
  return t('status.age.days', { n: days });
}

/**
 * A share of time up as a percent with two decimals, rounded DOWN: a fleet that was down
 * for a minute never reads "100%". `null` when nothing was measured.
 */
export function uptimePercent(share: number | null | undefined): string | null {
  if (share === null || share === undefined || !Number.isFinite(share)) return null;
  const clamped = Math.min(1, Math.max(0, share));
  if (clamped === 1) return '100%';
  return `${(Math.floor(clamped * 10000) / 100).toFixed(2)}%`;
}

export function latencyText(ms: number | null): string {
  return ms === null ? t('status.noLatency') : t('status.latency', { ms: Math.round(ms) });
}

/** A moment from the Rust side (unix seconds): "14:02" today, "Tue 24 Nov, 14:02" otherwise. */
export function statusTime(unixS: number, nowMs: number): string {
  return syncTime(new Date(unixS * 1000).toISOString(), nowMs);
}

/** "2 Critical", "1 Warning", ... worst first, leaving out the states nobody is in. */
export function countParts(counts: Counts): { state: CheckState; text: string }[] {
  return STATES_BY_SEVERITY.filter((s) => counts[s] > 0).map((state) => ({
    state,
    text: t('status.countState', { n: counts[state], state: stateLabel(state) }),
  }));
}

/** A source result's name: "target 10.0.0.5:9100 down" for `up`, else the alert's name. */
export function sourceResultName(result: SourceResult): string {
  if (result.kind === 'alert') return result.name;
  const target = result.series === '' ? result.name : result.series;
  return t(result.state === 'OK' ? 'source.targetUp' : 'source.targetDown', { target });
}
