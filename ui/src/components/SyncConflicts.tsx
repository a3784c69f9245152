// Changes the technician made that the helpdesk contradicts: for each, the ticket, the
// field, both values and what it was before, and the choice of which one stays. Shown
// above the SLA board only while there are any. Titles and values come from the
// helpdesk: text only.
import { useRef, useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { IpcError, Resolution, SyncConflict } from '../bindings';
import { t, type MessageKey } from '../i18n';
import { STATES, stateLabel } from '../sla/format';
import { openTicket } from '../state';
import { afterSync, conflicts, connections, syncTime } from '../sync/status';
import { SourceBadge } from './SourceBadge';
import { useFocusTarget } from './useFocusTarget';

const FIELD_LABEL: Record<string, MessageKey> = {
  state: 'conflicts.field.state',
  priority: 'conflicts.field.priority',
  responded: 'conflicts.field.responded',
};

function fieldLabel(field: string): string {
  const key = Object.hasOwn(FIELD_LABEL, field) ? FIELD_LABEL[field] : undefined;
  return key ? t(key) : field;
}

/** The technician's value is in Fieldline's terms: a state gets its label. */
function mineText(c: SyncConflict): string {
  if (c.field === 'responded') return t('timeline.responded');
  const state = c.field === 'state' ? STATES.find((s) => s === c.mine) : undefined;
  return state ? stateLabel(state) : c.mine;
}

/**
 * The helpdesk's value is in its own terms (`stalled`); a status the connection maps gets
 * the Fieldline state beside it, so both sides read alike.
 */
export function theirsText(c: SyncConflict): string {
  if (c.field !== 'state') return c.theirs;
  const mapping = connections.value?.find((v) => v.config.name === c.connection)?.config.mapping;
  const state = mapping?.states[c.theirs];
  return state ? `${c.theirs} (${stateLabel(state)})` : c.theirs;
}

function Conflict({ conflict }: { conflict: SyncConflict }) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const id = String(conflict.outbox_id);

  const resolve = async (resolution: Resolution) => {
    setBusy(true);
    setErrors([]);
    try {
      await call('resolve_conflict', { outboxId: conflict.outbox_id, resolution });
      afterSync();
    } catch (e) {
      setErrors(errorLines(e as IpcError));
      setBusy(false);
    }
  };

  return (
    <li class="conflict" data-testid={`conflict-${id}`}>
      <div class="conflict-head">
        <button
          type="button"
          class="link conflict-title"
          data-testid={`conflict-ticket-${id}`}
          onClick={() => {
            openTicket.value = conflict.ticket;
          }}
        >
          #{conflict.ticket} {conflict.title}
        </button>
        <SourceBadge
          source={conflict.connection}
          externalId={conflict.remote_id}
          testId={`conflict-source-${id}`}
        />
      </div>
      <p class="conflict-values">
        <strong class="conflict-field">{fieldLabel(conflict.field)}:</strong>{' '}
        <span class="conflict-mine" data-testid={`conflict-mine-${id}`}>
          {t('conflicts.yours', { value: mineText(conflict) })}
        </span>
        {' · '}
        <span class="conflict-theirs" data-testid={`conflict-theirs-${id}`}>
          {t('conflicts.theirs', { value: theirsText(conflict) })}
        </span>
        {/* "?" is the Rust side's word for a value it did not see. */}
        {conflict.base !== '' && conflict.base !== '?' ? (
          <>
            {' '}
            <span class="muted" data-testid={`conflict-base-${id}`}>
              ({t('conflicts.base', { value: conflict.base })})
            </span>
          </>
        ) : null}
      </p>
      {conflict.detail !== null && conflict.detail.trim() !== '' ? (
        <p class="conflict-detail" data-testid={`conflict-detail-${id}`}>
          {conflict.detail}
        </p>
      ) : null}
      <p class="muted conflict-when">{t('conflicts.changedAt', { time: syncTime(conflict.changed_at) })}</p>
      {errors.length > 0 ? (
        <p class="form-errors" role="alert" data-testid={`conflict-error-${id}`}>
          {errors.join('\n')}
        </p>
      ) : null}
      <div class="actions start">
        <button
          type="button"
          data-testid={`conflict-keep-${id}`}
          title={t('conflicts.keepMineHint')}
          disabled={busy}
          onClick={() => {
            void resolve('keep_mine');
          }}
        >
          {t('conflicts.keepMine')}
        </button>
        <button
          type="button"
          data-testid={`conflict-take-${id}`}
          title={t('conflicts.takeTheirsHint')}
          disabled={busy}
          onClick={() => {
            void resolve('take_theirs');
          }}
        >
          {t('conflicts.takeTheirs')}
        </button>
        {busy ? <span class="muted">{t('conflicts.working')}</span> : null}
      </div>
    </li>
  );
}

export function SyncConflicts() {
  const heading = useRef<HTMLHeadingElement>(null);
  const list = conflicts.value;
  useFocusTarget('conflicts', heading);
  if (list.length === 0) return null;
  return (
    <section class="conflicts" data-testid="sync-conflicts" aria-labelledby="sync-conflicts-title">
      <h2 id="sync-conflicts-title" ref={heading} tabIndex={-1}>
        {t('conflicts.title')} ({list.length})
      </h2>
      <p class="hint">{t('conflicts.hint')}</p>
      <ul class="conflict-list">
        {list.map((c) => (
          <Conflict key={c.outbox_id} conflict={c} />
        ))}
      </ul>
    </section>
  );
}
