// One ticket: its SLA clocks, state and priority, the first reply, notes and time worked,
// and its history. Each action appends a change (`change_ticket`), then the ticket and the
// board are read again. Titles, notes and names are shown as text, never as markup.
import { useEffect, useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { Fleet, IpcError, SlaBoard, Ticket, TicketChange } from '../bindings';
import { endpointLabel } from '../fleet/tree';
import { t } from '../i18n';
import { board, refreshBoard } from '../sla/board';
import { changeText, fullTime, PRIORITIES, STATES, stateLabel, durationText } from '../sla/format';
import { refreshSync, syncRevision } from '../sync/status';
import { customerName } from './SlaBoardTable';
import { Dialog } from './Dialog';
import { Checkbox } from './Fields';
import { SlaClock } from './SlaClock';
import { sourceText } from './SourceBadge';

/** Longest time entry the store accepts: a week. */
const MAX_MINUTES = 7 * 24 * 60;

function Timeline({ ticket }: { ticket: Ticket }) {
  return (
    <ol class="timeline" data-testid="ticket-timeline">
      {ticket.events.map((e) => (
        <li key={e.id} data-testid={`ticket-event-${e.id}`}>
          <time dateTime={e.at} class="muted">
            {fullTime(e.at)}
          </time>
          <span class="what">{changeText(e.change)}</span>
          {e.change.kind === 'note' || (e.change.kind === 'time' && e.change.note.trim() !== '') ? (
            <p class="note-text">{e.change.kind === 'note' ? e.change.text : e.change.note}</p>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

/**
 * The ticket's open clocks: from the board in view, or, when the board does not hold the
 * ticket (filtered to another customer, or beyond its most urgent rows), read for this
 * ticket alone. `ticket` changes after every change, which reads them again.
 */
function Clocks({ ticket }: { ticket: Ticket }) {
  const current = board.value;
  const fromBoard = current?.rows.find((r) => r.ticket.id === ticket.id);
  const [own, setOwn] = useState<SlaBoard | null>(null);
  useEffect(() => {
    if (fromBoard) return;
    let live = true;
    call('ticket_clocks', { id: ticket.id }).then(
      (b) => {
        if (live) setOwn(b);
      },
      () => {
        if (live) setOwn(null);
      },
    );
    return () => {
      live = false;
    };
  }, [ticket, fromBoard === undefined]);
  const row = fromBoard ?? own?.rows[0];
  const readAt = fromBoard ? current?.now_ms : own?.now_ms;
  if (!row || readAt === undefined || row.clocks.length === 0) return null;
  return (
    <div class="ticket-clocks">
      {row.clocks.map((c) => (
        <SlaClock key={c.kind} clock={c} readAt={readAt} testId={`ticket-clock-${c.kind}`} compact />
      ))}
    </div>
  );
}

export function TicketDetail({
  id,
  fleet,
  onClose,
}: {
  id: number;
  fleet: Fleet | null;
  onClose: () => void;
}) {
  const [ticket, setTicket] = useState<Ticket | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');
  const [minutes, setMinutes] = useState('');
  const [onSite, setOnSite] = useState(false);
  const [timeNote, setTimeNote] = useState('');

  // Read again after every sync run: the helpdesk may have changed a synced ticket.
  const revision = syncRevision.value;
  useEffect(() => {
    let live = true;
    call('ticket_detail', { id }).then(
      (next) => {
        if (!live) return;
        setTicket(next);
        setLoadError(null);
      },
      (e: unknown) => {
        if (live) setLoadError((e as IpcError).message);
      },
    );
    return () => {
      live = false;
    };
  }, [id, revision]);

  /** Appends a change; true when it was stored. */
  const change = async (c: TicketChange): Promise<boolean> => {
    setBusy(true);
    setError([]);
    try {
      const next = await call('change_ticket', { id, change: c });
      setTicket(next);
      // The board behind the dialog follows; the form need not wait for it.
      void refreshBoard();
      // A synced ticket's change now waits to be sent: the sync status says so.
      if (next.source !== 'local') void refreshSync();
      return true;
    } catch (e) {
      setError(errorLines(e as IpcError));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const addNote = async () => {
    if (note.trim() === '') {
      setError([t('ticket.noteEmpty')]);
      return;
    }
    if (await change({ kind: 'note', text: note })) setNote('');
  };

  const logTime = async () => {
    const n = Number(minutes.trim());
    if (!/^\d+$/.test(minutes.trim()) || n < 1 || n > MAX_MINUTES) {
      setError([t('ticket.minutesInvalid', { max: MAX_MINUTES })]);
      return;
    }
    if (await change({ kind: 'time', minutes: n, on_site: onSite, note: timeNote })) {
      setMinutes('');
      setTimeNote('');
      setOnSite(false);
    }
  };

  const title = ticket ? `#${String(ticket.id)} ${ticket.title}` : `#${String(id)}`;
  const responded = ticket?.events.some((e) => e.change.kind === 'responded') ?? false;
  const endpoint = ticket?.endpoint ? fleet?.endpoints.find((e) => e.id === ticket.endpoint) : undefined;

  return (
    <Dialog testId="ticket-detail" title={title} onClose={onClose} wide>
      {loadError !== null ? (
        <p class="form-errors" role="alert" data-testid="ticket-error">
          {loadError}
        </p>
      ) : !ticket ? (
        <p class="muted">{t('app.loading')}</p>
      ) : (
        <>
          <Clocks ticket={ticket} />
          <dl class="ticket-facts">
            <dt>{t('field.customer')}</dt>
            <dd>{customerName(fleet, ticket.customer)}</dd>
            <dt>{t('ticket.endpoint')}</dt>
            <dd>
              {ticket.endpoint === null ? (
                <span class="muted">{t('value.none')}</span>
              ) : endpoint ? (
                endpointLabel(endpoint)
              ) : (
                ticket.endpoint
              )}
            </dd>
            <dt>{t('ticket.source')}</dt>
            <dd data-testid="ticket-source">
              {ticket.source === 'local' ? (
                <span class="muted">{t('source.local')}</span>
              ) : (
                sourceText(ticket.source, ticket.external_id)
              )}
            </dd>
            <dt>{t('ticket.policy')}</dt>
            <dd>{ticket.policy}</dd>
            <dt>{t('ticket.openedAt')}</dt>
            <dd>{fullTime(ticket.opened_at)}</dd>
            <dt>{t('ticket.worked')}</dt>
            <dd data-testid="ticket-worked">{durationText(ticket.minutes * 60)}</dd>
          </dl>
          {error.length > 0 ? (
            <div class="form-errors" role="alert" data-testid="ticket-error">
              {error.map((line, i) => (
                <p key={i}>{line}</p>
              ))}
            </div>
          ) : null}
          <div class="ticket-controls">
            <label class="field">
              <span class="field-label">{t('ticket.state')}</span>
              <select
                data-testid="ticket-state"
                value={ticket.state}
                disabled={busy}
                onChange={(e) => {
                  const state = STATES.find((s) => s === e.currentTarget.value);
                  if (state && state !== ticket.state) void change({ kind: 'state', state });
                }}
              >
                {STATES.map((s) => (
                  <option key={s} value={s}>
                    {stateLabel(s)}
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span class="field-label">{t('ticket.priority')}</span>
              <select
                data-testid="ticket-priority"
                value={ticket.priority}
                disabled={busy}
                onChange={(e) => {
                  const priority = PRIORITIES.find((p) => p === e.currentTarget.value);
                  if (priority && priority !== ticket.priority) void change({ kind: 'priority', priority });
                }}
              >
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {t(`priority.${p}`)}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              data-testid="ticket-respond"
              disabled={busy || responded}
              title={responded ? t('ticket.respondedAlready') : t('ticket.respondHint')}
              onClick={() => {
                void change({ kind: 'responded' });
              }}
            >
              {responded ? t('ticket.respondedDone') : t('ticket.respond')}
            </button>
          </div>
          <div class="ticket-forms">
            <form
              class="ticket-note"
              onSubmit={(e) => {
                e.preventDefault();
                void addNote();
              }}
            >
              <label class="field">
                <span class="field-label">{t('ticket.note')}</span>
                <textarea
                  data-testid="ticket-note-text"
                  rows={3}
                  value={note}
                  onInput={(e) => {
                    setNote(e.currentTarget.value);
                  }}
                />
              </label>
              <button type="submit" data-testid="ticket-note-add" disabled={busy}>
                {t('ticket.addNote')}
              </button>
            </form>
            <form
              class="ticket-time"
              onSubmit={(e) => {
                e.preventDefault();
                void logTime();
              }}
            >
              <label class="field">
                <span class="field-label">{t('ticket.minutes')}</span>
                <input
                  type="text"
                  inputMode="numeric"
                  data-testid="ticket-time-minutes"
                  value={minutes}
                  autoComplete="off"
                  onInput={(e) => {
                    setMinutes(e.currentTarget.value);
                  }}
                />
              </label>
              <label class="field">
                <span class="field-label">{t('ticket.timeNote')}</span>
                <input
                  type="text"
                  data-testid="ticket-time-note"
                  value={timeNote}
                  autoComplete="off"
                  onInput={(e) => {
                    setTimeNote(e.currentTarget.value);
                  }}
                />
              </label>
              <Checkbox
                testId="ticket-time-onsite"
                label={t('ticket.onSite')}
                checked={onSite}
                onChecked={setOnSite}
              />
              <button type="submit" data-testid="ticket-time-add" disabled={busy}>
                {t('ticket.logTime')}
              </button>
            </form>
          </div>
          <h3>{t('ticket.history')}</h3>
          <Timeline ticket={ticket} />
        </>
      )}
      <div class="actions">
        <button type="button" class="primary" data-testid="ticket-close" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </Dialog>
  );
}
