// Adding or editing a helpdesk connection: address, account, token, queues, how often to
// pull, and how the helpdesk's queues, SLA levels, statuses and priorities map onto
// Fieldline's. The defaults come from `connection_template`; the token is never shown
// (the Rust side never sends it back), and an empty token field keeps the stored one.
import { useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { ConnectionConfig, ConnectionTest, ConnectionView, IpcError, TicketState } from '../bindings';
import { customerOptions } from '../fleet/options';
import { t, type MessageKey } from '../i18n';
import { STATES, stateLabel } from '../sla/format';
import { fleet as fleetSignal } from '../state';
import {
  fromDraft,
  secretOf,
  toDraft,
  TABLE_LABEL,
  type ConnectionDraft,
  type Pair,
  type PairTable,
} from '../sync/draft';
import { Dialog } from './Dialog';
import { FormErrors, TextInput } from './Fields';

const TABLE_COLUMNS: Record<PairTable, [MessageKey, MessageKey]> = {
  customers: ['connection.queue', 'connection.customer'],
  policies: ['connection.level', 'connection.policy'],
  states: ['connection.status', 'connection.state'],
};

const TABLE_HINT: Record<PairTable, MessageKey> = {
  customers: 'connection.customersHint',
  policies: 'connection.policiesHint',
  states: 'connection.statesHint',
};

/** What a test said, with ok/fail styling; the sentence is the server's, shown as text. */
export function TestResult({
  result,
  busy,
  testId,
}: {
  result: ConnectionTest | { error: string } | null;
  busy: boolean;
  testId: string;
}) {
  let cls = 'test-result';
  let body = null;
  if (busy) {
    body = <span class="muted">{t('connections.testing')}</span>;
  } else if (result && 'error' in result) {
    cls += ' result bad';
    body = result.error;
  } else if (result) {
    cls += result.ok ? ' result ok' : ' result bad';
    const facts = [
      result.server !== null ? t('connections.testServer', { server: result.server }) : null,
      result.tickets !== null ? t('connections.testTickets', { n: result.tickets }) : null,
    ].filter((f) => f !== null);
    body = (
      <>
        <strong>{result.ok ? t('connections.testOk') : t('connections.testFailed')}</strong>{' '}
        <span class="test-message">{result.message}</span>
        {facts.length > 0 ? <span class="test-facts">{facts.join(' · ')}</span> : null}
      </>
    );
  }
  return (
    <p
      class={cls}
      role="status"
      aria-busy={busy}
      data-testid={testId}
      data-ok={result && !('error' in result) ? String(result.ok) : undefined}
    >
      {body}
    </p>
  );
}

function PairRows({
  name,
  rows,
  onRows,
  valueOptions,
  valueList,
}: {
  name: PairTable;
  rows: Pair[];
  onRows: (rows: Pair[]) => void;
  valueOptions?: { value: string; label: string }[];
  valueList?: string;
}) {
  const [keyCol, valueCol] = TABLE_COLUMNS[name];
  const set = (i: number, part: Partial<Pair>) => {
    onRows(rows.map((r, j) => (j === i ? { ...r, ...part } : r)));
  };
  return (
    <fieldset class="mapping-table" data-testid={`connection-${name}`}>
      <legend>{t(TABLE_LABEL[name])}</legend>
      <p class="hint">{t(TABLE_HINT[name])}</p>
      {rows.length > 0 ? (
        <table class="mapping">
          <thead>
            <tr>
              <th scope="col">{t(keyCol)}</th>
              <th scope="col">{t(valueCol)}</th>
              <th scope="col">
                <span class="visually-hidden">{t('connections.delete')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}>
                <td>
                  <input
                    type="text"
                    data-testid={`connection-${name}-key-${String(i)}`}
                    aria-label={t('connection.cellLabel', { column: t(keyCol), n: i + 1 })}
                    value={row.key}
                    spellcheck={false}
                    autoComplete="off"
                    onInput={(e) => {
                      set(i, { key: e.currentTarget.value });
                    }}
                  />
                </td>
                <td>
                  {valueOptions ? (
                    <select
                      data-testid={`connection-${name}-value-${String(i)}`}
                      aria-label={t('connection.cellLabel', { column: t(valueCol), n: i + 1 })}
                      value={row.value}
                      onChange={(e) => {
                        set(i, { value: e.currentTarget.value });
                      }}
                    >
                      {valueOptions.some((o) => o.value === row.value) ? null : (
                        <option value={row.value}>{row.value === '' ? t('form.choose') : row.value}</option>
                      )}
                      {valueOptions.map((o) => (
                        <option key={o.value} value={o.value}>
                          {o.label}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      type="text"
                      data-testid={`connection-${name}-value-${String(i)}`}
                      aria-label={t('connection.cellLabel', { column: t(valueCol), n: i + 1 })}
                      value={row.value}
                      list={valueList}
                      spellcheck={false}
                      autoComplete="off"
                      onInput={(e) => {
                        set(i, { value: e.currentTarget.value });
                      }}
                    />
                  )}
                </td>
                <td>
                  <button
                    type="button"
                    class="link"
                    data-testid={`connection-${name}-remove-${String(i)}`}
                    aria-label={t('connection.removeRow', { n: i + 1 })}
                    onClick={() => {
                      onRows(rows.filter((_, j) => j !== i));
                    }}
                  >
                    ✕
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <button
        type="button"
        data-testid={`connection-${name}-add`}
        onClick={() => {
          onRows([...rows, { key: '', value: '' }]);
        }}
      >
        {t('connection.addRow')}
      </button>
    </fieldset>
  );
}

export function ConnectionForm({
  config,
  view,
  onClose,
  onSaved,
}: {
  /** The template (new) or the connection's config (edit). */
  config: ConnectionConfig;
  /** The connection being edited; `null` for a new one. */
  view: ConnectionView | null;
  onClose: () => void;
  onSaved: (view: ConnectionView) => void;
}) {
  const [draft, setDraft] = useState<ConnectionDraft>(() => toDraft(config));
  const [errors, setErrors] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [tested, setTested] = useState<ConnectionTest | { error: string } | null>(null);
  const editing = view !== null;

  const set =
    <K extends keyof ConnectionDraft>(key: K) =>
    (value: ConnectionDraft[K]) => {
      setDraft((d) => ({ ...d, [key]: value }));
    };

  const checked = (): ConnectionConfig | null => {
    const result = fromDraft(draft);
    if (!result.ok) {
      setErrors(result.errors);
      return null;
    }
    setErrors([]);
    return result.value;
  };

  const test = async () => {
    const value = checked();
    if (!value) return;
    setTesting(true);
    setTested(null);
    try {
      setTested(await call('test_connection', { config: value, secret: secretOf(draft) }));
    } catch (e) {
      setTested({ error: errorLines(e as IpcError).join('\n') });
    } finally {
      setTesting(false);
    }
  };

  const save = async () => {
    const value = checked();
    if (!value) return;
    setSaving(true);
    try {
      const saved = await call('save_connection', { config: value, secret: secretOf(draft) });
      onSaved(saved);
    } catch (e) {
      setErrors(errorLines(e as IpcError));
      setSaving(false);
    }
  };

  const fleet = fleetSignal.value;
  const hasSecret = view?.has_secret ?? false;
  const stateOptions = STATES.map((s) => ({ value: s, label: stateLabel(s) }));

  return (
    <Dialog
      testId="connection-form"
      title={editing ? t('connection.editTitle', { name: config.name }) : t('connection.newTitle')}
      onClose={onClose}
      wide
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!saving) void save();
        }}
      >
        <FormErrors lines={errors} testId="connection-form-error" heading={t('form.notSaved')} />
        <div class="form-grid">
          <TextInput
            testId="connection-name"
            label={t('connection.name')}
            value={draft.name}
            onValue={set('name')}
            readOnly={editing}
            placeholder="rt"
            hint={t('connection.nameHint')}
          />
          <TextInput
            testId="connection-url"
            label={t('connection.url')}
            value={draft.url}
            onValue={set('url')}
            placeholder="https://rt.example.com"
            hint={t('connection.urlHint')}
          />
          <TextInput
            testId="connection-user"
            label={t('connection.user')}
            value={draft.user}
            onValue={set('user')}
            hint={t('connection.userHint')}
          />
          <label class="field">
            <span class="field-label">{t('connection.secret')}</span>
            <input
              type="password"
              data-testid="connection-secret"
              value={draft.secret}
              placeholder={hasSecret ? t('connection.secretStored') : undefined}
              autoComplete="new-password"
              spellcheck={false}
              onInput={(e) => {
                set('secret')(e.currentTarget.value);
              }}
            />
            <span class="hint">{hasSecret ? t('connection.secretKeep') : t('connection.secretNew')}</span>
            {view && view.secret_error !== null ? (
              <span class="hint error-text">
                {t('connections.secretError', { message: view.secret_error })}
              </span>
            ) : null}
          </label>
          <TextInput
            testId="connection-queues"
            label={t('connection.queues')}
            value={draft.queues}
            onValue={set('queues')}
            placeholder="General, Support"
            hint={t('connection.queuesHint')}
          />
          <TextInput
            testId="connection-interval"
            label={t('connection.interval')}
            value={draft.interval}
            onValue={set('interval')}
            inputMode="numeric"
            hint={t('connection.intervalHint')}
          />
        </div>
        <h3>{t('connection.mapping')}</h3>
        <datalist id="connection-customer-ids">
          {fleet
            ? customerOptions(fleet).map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))
            : null}
        </datalist>
        <div class="mapping-grid">
          <PairRows
            name="customers"
            rows={draft.customers}
            onRows={set('customers')}
            valueList="connection-customer-ids"
          />
          <PairRows name="policies" rows={draft.policies} onRows={set('policies')} />
          <PairRows name="states" rows={draft.states} onRows={set('states')} valueOptions={stateOptions} />
          <fieldset class="mapping-table" data-testid="connection-statuses">
            <legend>{t('connection.statuses')}</legend>
            <p class="hint">{t('connection.statusesHint')}</p>
            <table class="mapping">
              <thead>
                <tr>
                  <th scope="col">{t('connection.state')}</th>
                  <th scope="col">{t('connection.status')}</th>
                </tr>
              </thead>
              <tbody>
                {STATES.map((s: TicketState) => (
                  <tr key={s}>
                    <th scope="row">{stateLabel(s)}</th>
                    <td>
                      <input
                        type="text"
                        data-testid={`connection-statuses-${s}`}
                        aria-label={t('connection.cellLabel', {
                          column: t('connection.status'),
                          n: stateLabel(s),
                        })}
                        value={draft.statuses[s]}
                        spellcheck={false}
                        autoComplete="off"
                        onInput={(e) => {
                          const value = e.currentTarget.value;
                          setDraft((d) => ({ ...d, statuses: { ...d.statuses, [s]: value } }));
                        }}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </fieldset>
          <fieldset class="mapping-table thresholds">
            <legend>{t('connection.priorities')}</legend>
            <p class="hint">{t('connection.prioritiesHint')}</p>
            {(['p1', 'p2', 'p3'] as const).map((k) => (
              <TextInput
                key={k}
                testId={`connection-${k}`}
                label={t(`connection.${k}`)}
                value={draft[k]}
                onValue={set(k)}
                inputMode="numeric"
              />
            ))}
          </fieldset>
        </div>
        <TestResult result={tested} busy={testing} testId="connection-test-result" />
        <div class="actions">
          <button type="button" data-testid="connection-cancel" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            data-testid="connection-test"
            disabled={testing}
            aria-busy={testing}
            onClick={() => {
              void test();
            }}
          >
            {testing ? t('connections.testing') : t('connections.test')}
          </button>
          <button type="submit" class="primary" data-testid="connection-save" disabled={saving}>
            {saving ? t('form.saving') : t('form.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
