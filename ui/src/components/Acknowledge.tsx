// Acknowledging an endpoint's problem: "I know, I am on it". The dialog asks for a comment
// and how long the alerts may wait (until the check is OK again, a few hours, or a date);
// the list shows the endpoint's acknowledgements with Remove. Comments come from people:
// rendered as text only.
import { useEffect, useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { Acknowledgement, Endpoint, IpcError } from '../bindings';
import { endpointLabel } from '../fleet/tree';
import { t, type MessageKey } from '../i18n';
import { statusTime } from '../status/format';
import { localZone, nextHour, parseInputValue, toInputValue, zonedToUnix } from '../status/maintenance';
import { Dialog } from './Dialog';
import { FormErrors, Select, TextArea } from './Fields';

export type Expiry = 'ok' | '1h' | '4h' | '24h' | 'date';
const EXPIRIES: Expiry[] = ['ok', '1h', '4h', '24h', 'date'];
const EXPIRY_LABEL: Record<Expiry, MessageKey> = {
  ok: 'ack.expiry.ok',
  '1h': 'ack.expiry.1h',
  '4h': 'ack.expiry.4h',
  '24h': 'ack.expiry.24h',
  date: 'ack.expiry.date',
};
const EXPIRY_HOURS = { '1h': 1, '4h': 4, '24h': 24 } as const;

/**
 * When an acknowledgement ends, in Unix seconds (`null`: when the check is OK again), or
 * the message key of what is wrong. `until` is an `<input type="datetime-local">` value
 * in `zone`.
 */
export function expiryUntil(
  expiry: Expiry,
  until: string,
  nowS: number,
  zone: string,
): { ok: true; untilS: number | null } | { ok: false; error: MessageKey } {
  if (expiry === 'ok') return { ok: true, untilS: null };
  if (expiry !== 'date') return { ok: true, untilS: nowS + EXPIRY_HOURS[expiry] * 3600 };
  const local = parseInputValue(until);
  if (!local) return { ok: false, error: 'ack.error.until' };
  const untilS = zonedToUnix(local, zone);
  if (untilS <= nowS) return { ok: false, error: 'ack.error.past' };
  return { ok: true, untilS };
}

/** The acknowledgements of every endpoint, read again when `key` changes or on `reload`. */
export function useAcknowledgements(key: string) {
  const [list, setList] = useState<Acknowledgement[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    call('acknowledgements', {}).then(
      (all) => {
        if (!live) return;
        setList(all);
        setError(null);
      },
      (e: unknown) => {
        if (live) setError(e as IpcError);
      },
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  return {
    list,
    error,
    reload: () => {
      setRound((n) => n + 1);
    },
  };
}

export function AckDialog({
  endpoint,
  check,
  onClose,
  onSaved,
}: {
  endpoint: Endpoint;
  /** One check's index, or `null` for all of them. */
  check: number | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const zone = localZone();
  const [comment, setComment] = useState('');
  const [expiry, setExpiry] = useState<Expiry>('ok');
  const [until, setUntil] = useState(() =>
    toInputValue(nextHour(Math.floor(Date.now() / 1000) + 3600, zone)),
  );
  const [errors, setErrors] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const kind = check === null ? undefined : endpoint.checks[check]?.kind;
  const name = endpointLabel(endpoint);
  const title =
    check === null
      ? t('ack.titleAll', { name })
      : t('ack.titleCheck', { name, n: check + 1, kind: kind ?? '' });

  const submit = async () => {
    if (comment.trim() === '') {
      setErrors([t('ack.error.comment')]);
      return;
    }
    const when = expiryUntil(expiry, until, Math.floor(Date.now() / 1000), zone);
    if (!when.ok) {
      setErrors([t(when.error)]);
      return;
    }
    setSaving(true);
    setErrors([]);
    try {
      await call('acknowledge', {
        endpoint: endpoint.id,
        check,
        comment: comment.trim(),
        untilS: when.untilS,
      });
      onSaved();
      onClose();
    } catch (e) {
      setErrors(errorLines(e as IpcError));
      setSaving(false);
    }
  };

  return (
    <Dialog testId="ack-dialog" title={title} onClose={onClose}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!saving) void submit();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            if (!saving) void submit();
          }
        }}
      >
        <FormErrors lines={errors} testId="ack-error" heading={t('form.notSaved')} />
        <TextArea
          testId="ack-comment"
          label={t('ack.comment')}
          hint={t('ack.commentHint')}
          value={comment}
          onValue={setComment}
        />
        <Select
          testId="ack-expiry"
          label={t('ack.expiry')}
          value={expiry}
          onValue={(v) => {
            setExpiry(v as Expiry);
          }}
          options={EXPIRIES.map((x) => ({ value: x, label: t(EXPIRY_LABEL[x]) }))}
        />
        {expiry === 'date' ? (
          <label class="field">
            <span class="field-label">{t('ack.until')}</span>
            <input
              type="datetime-local"
              data-testid="ack-until"
              value={until}
              onInput={(e) => {
                setUntil(e.currentTarget.value);
              }}
            />
            <span class="hint">{t('ack.untilHint', { zone })}</span>
          </label>
        ) : null}
        <div class="actions">
          <button type="button" data-testid="ack-cancel" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="primary" data-testid="ack-save" disabled={saving}>
            {saving ? t('form.saving') : t('ack.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Whether an acknowledgement still holds at `nowS` (an expired one does nothing). */
export function ackActive(ack: Acknowledgement, nowS: number): boolean {
  return ack.until === null || nowS < ack.until;
}

/** An endpoint's acknowledgements, each with what it covers, its comment, since, until and Remove. */
export function AckList({
  endpoint,
  acks,
  error,
  nowMs,
  onChanged,
}: {
  endpoint: Endpoint;
  acks: Acknowledgement[];
  error: IpcError | null;
  nowMs: number;
  onChanged: () => void;
}) {
  const [removeError, setRemoveError] = useState<string[]>([]);
  const [removing, setRemoving] = useState<number | null>(null);
  const remove = async (id: number) => {
    setRemoving(id);
    setRemoveError([]);
    try {
      await call('remove_acknowledgement', { id });
      onChanged();
    } catch (e) {
      setRemoveError(errorLines(e as IpcError));
    } finally {
      setRemoving(null);
    }
  };
  const id = endpoint.id;
  return (
    <div class="ack-block">
      {acks.length > 0 ? <h3>{t('ack.listTitle')}</h3> : null}
      {error ? (
        <p class="form-errors" data-testid={`ack-load-error-${id}`}>
          {t('ack.loadFailed', { message: errorLines(error).join('; ') })}
        </p>
      ) : null}
      <FormErrors lines={removeError} testId={`ack-remove-error-${id}`} />
      <ul class="ack-list" data-testid={`ack-list-${id}`} aria-label={t('ack.listTitle')}>
        {acks.map((a) => {
          const kind = a.check === null ? undefined : endpoint.checks[a.check]?.kind;
          return (
            <li key={a.id} class="ack-item" data-testid={`ack-item-${String(a.id)}`}>
              <div class="ack-line">
                <span class="tag">
                  {a.check === null
                    ? t('ack.allChecks')
                    : `${t('status.check', { n: a.check + 1 })}${kind ? `: ${kind}` : ''}`}
                </span>
                <span class="ack-comment">{a.comment}</span>
                <span class="muted ack-when">
                  {t('ack.since', { time: statusTime(a.at, nowMs) })} ·{' '}
                  {a.until === null
                    ? t('ack.untilOk')
                    : t('ack.untilTime', { time: statusTime(a.until, nowMs) })}
                </span>
                <button
                  type="button"
                  class="link"
                  data-testid={`ack-remove-${String(a.id)}`}
                  disabled={removing === a.id}
                  onClick={() => {
                    void remove(a.id);
                  }}
                >
                  {removing === a.id ? t('ack.removing') : t('ack.remove')}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
