// Words and local times for SLA values, in the current language.
import type { ClockKind, Outcome, Priority, TicketChange, TicketState } from '../bindings';
import { lang, t, type MessageKey } from '../i18n';
import { hoursMinutes } from './clock';

export const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];
export const STATES: TicketState[] = ['new', 'in_progress', 'waiting_on_customer', 'resolved', 'closed'];
export const CLOCK_KINDS: ClockKind[] = ['first_response', 'resolution'];

const STATE_LABEL: Record<TicketState, MessageKey> = {
  new: 'ticketState.new',
  in_progress: 'ticketState.in_progress',
  waiting_on_customer: 'ticketState.waiting_on_customer',
  resolved: 'ticketState.resolved',
  closed: 'ticketState.closed',
};

const KIND_LABEL: Record<ClockKind, MessageKey> = {
  first_response: 'clock.first_response',
  resolution: 'clock.resolution',
};

const OUTCOME_LABEL: Record<Outcome, MessageKey> = {
  met: 'outcome.met',
  breached: 'outcome.breached',
  open: 'outcome.open',
};

export function stateLabel(state: TicketState): string {
  return t(STATE_LABEL[state]);
}

export function clockKindLabel(kind: ClockKind): string {
  return t(KIND_LABEL[kind]);
}

export function outcomeLabel(outcome: Outcome): string {
  return t(OUTCOME_LABEL[outcome]);
}

/** A business duration as "3h 05m" (or the Korean form). */
export function durationText(secs: number): string {
  return t('duration.hm', hoursMinutes(secs));
}

function locale(): string {
  return lang.value === 'ko' ? 'ko-KR' : 'en-GB';
}

function asDate(at: number | string): Date | null {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Weekday, day, month and time in the computer's time zone: "Tue 24 Nov, 11:00". */
export function shortTime(at: number | string): string {
  const d = asDate(at);
  if (!d) return String(at);
  return new Intl.DateTimeFormat(locale(), {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

/** Full date and time to the second in the computer's time zone. */
export function fullTime(at: number | string): string {
  const d = asDate(at);
  if (!d) return String(at);
  return new Intl.DateTimeFormat(locale(), {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

/** What a history entry changed, in one line (a note's or time entry's text is shown apart). */
export function changeText(change: TicketChange): string {
  switch (change.kind) {
    case 'opened':
      return t('timeline.opened', { priority: change.priority, policy: change.policy });
    case 'state':
      return t('timeline.state', { state: stateLabel(change.state) });
    case 'priority':
      return t('timeline.priority', { priority: change.priority });
    case 'policy':
      return t('timeline.policy', { policy: change.policy });
    case 'responded':
      return t('timeline.responded');
    case 'note':
      return t('timeline.note');
    case 'time':
      return t(change.on_site ? 'timeline.timeOnSite' : 'timeline.timeRemote', {
        duration: durationText(change.minutes * 60),
      });
  }
}
