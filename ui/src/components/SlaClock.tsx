// One live SLA clock: the countdown, when it is due, and its colour by the threshold
// reached. It re-renders on every tick of the shared `now`, so the colour changes at the
// instant the backend announced (`ahead`), not at the next read.
import type { ClockView } from '../bindings';
import { t } from '../i18n';
import { now } from '../sla/board';
import { formatCountdown, levelAt, percentAt, remainingAt } from '../sla/clock';
import { clockKindLabel, shortTime } from '../sla/format';

/** The line under a countdown: when it is due, or why it is not moving. */
function dueText(clock: ClockView, level: string, atMs: number): string {
  if (level === 'breached') {
    const since = clock.breached_at ?? clock.ahead.find((c) => c.percent === 100)?.at_ms;
    return since === undefined ? t('sla.breached') : t('sla.breachedAt', { time: shortTime(since) });
  }
  if (!clock.running) return t('sla.paused');
  if (clock.due_ms === null) return t('sla.noDue');
  const due = t('sla.due', { time: shortTime(clock.due_ms) });
  return clock.counting_now || atMs >= clock.due_ms ? due : `${due} · ${t('sla.outsideHours')}`;
}

export function SlaClock({
  clock,
  readAt,
  testId,
  compact = false,
}: {
  clock: ClockView;
  /** The backend's time the clock was computed at (`SlaBoard.now_ms`). */
  readAt: number;
  testId?: string;
  compact?: boolean;
}) {
  const atMs = Math.max(now.value, readAt);
  const level = levelAt(clock, atMs);
  const remaining = remainingAt(clock, readAt, atMs);
  const percent = percentAt(clock, atMs);
  const label = clockKindLabel(clock.kind);
  const due = dueText(clock, level, atMs);
  return (
    <span
      class={`clock ${level}`}
      data-testid={testId}
      data-level={level}
      title={t('sla.clockTitle', { kind: label, percent, level: t(`level.${level}`) })}
    >
      {compact ? <span class="clock-kind">{label}</span> : null}
      <span class="countdown">{formatCountdown(remaining)}</span>
      {compact ? null : <span class="clock-due">{due}</span>}
    </span>
  );
}
