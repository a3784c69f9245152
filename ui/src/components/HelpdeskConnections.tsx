// Settings → Helpdesk connections: each connection with how its sync stands (when it last
// synced, changes waiting, conflicts, the last error), and Sync now, Test, Edit, Delete.
// Addresses, queue names, errors and test messages come from servers: text only.
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { ConnectionConfig, ConnectionTest, ConnectionView, IpcError } from '../bindings';
import { t } from '../i18n';
import { openConflicts } from '../state';
import {
  connections as connectionsSignal,
  refreshSync,
  reportText,
  statusParts,
  syncError,
  syncing,
  syncNow,
  syncTime,
} from '../sync/status';
import { ConnectionForm, TestResult } from './ConnectionForm';
import { Dialog } from './Dialog';
import { DeleteActions, FormErrors } from './Fields';
import { useFocusTarget } from './useFocusTarget';

type Editing = { config: ConnectionConfig; view: ConnectionView | null };
type Outcome =
  { kind: 'test'; result: ConnectionTest | { error: string } } | { kind: 'sync'; ok: boolean; text: string };

function DeleteConnection({ name, onClose }: { name: string; onClose: () => void }) {
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await call('delete_connection', { name });
      await refreshSync();
      onClose();
    } catch (e) {
      setErrors(errorLines(e as IpcError));
      setBusy(false);
    }
  };
  return (
    <Dialog testId="connection-delete-dialog" title={t('connections.deleteTitle')} onClose={onClose}>
      <p class="question">{t('connections.deleteQuestion', { name })}</p>
      <FormErrors lines={errors} testId="connection-delete-error" />
      <DeleteActions
        busy={busy}
        testId="connection-delete-confirm"
        onCancel={onClose}
        onConfirm={() => {
          void confirm();
        }}
      />
    </Dialog>
  );
}

function Connection({
  view,
  onEdit,
  onDelete,
}: {
  view: ConnectionView;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { config, status } = view;
  const name = config.name;
  const [testing, setTesting] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const busySyncing = syncing.value.has(name);

  const test = async () => {
    setTesting(true);
    setOutcome(null);
    try {
      setOutcome({ kind: 'test', result: await call('test_connection', { config, secret: null }) });
    } catch (e) {
      setOutcome({ kind: 'test', result: { error: errorLines(e as IpcError).join('\n') } });
    } finally {
      setTesting(false);
    }
  };

  const sync = async () => {
    setOutcome(null);
    try {
      const reports = await syncNow(name);
      const report = reports.find((r) => r.connection === name) ?? reports[0];
      if (report) setOutcome({ kind: 'sync', ok: report.error === null, text: reportText(report) });
    } catch (e) {
      setOutcome({ kind: 'sync', ok: false, text: errorLines(e as IpcError).join('\n') });
    }
  };

  return (
    <li class="connection" data-testid={`connection-${name}`}>
      <div class="connection-head">
        <strong class="connection-name">{name}</strong>
        <span class="muted">{t(`connections.kind.${config.kind}`)}</span>
        <span class="muted connection-url">{config.url}</span>
      </div>
      <p class="connection-status" data-testid={`connection-status-${name}`}>
        {statusParts(status).join(' · ')}
        {status.conflicts > 0 ? (
          <>
            {' '}
            <button
              type="button"
              class="link"
              data-testid={`connection-conflicts-${name}`}
              onClick={openConflicts}
            >
              {t('conflicts.title')}
            </button>
          </>
        ) : null}
      </p>
      {status.last_error !== null ? (
        <p class="form-errors" data-testid={`connection-error-${name}`}>
          {t('sync.lastError', {
            time: status.last_attempt === null ? '—' : syncTime(status.last_attempt),
            message: status.last_error,
          })}
        </p>
      ) : null}
      {view.secret_error !== null ? (
        <p class="form-errors" data-testid={`connection-secret-error-${name}`}>
          {t('connections.secretError', { message: view.secret_error })}
        </p>
      ) : !view.has_secret ? (
        <p class="warning" data-testid={`connection-no-secret-${name}`}>
          {t('connections.noSecret')}
        </p>
      ) : null}
      <div class="actions start">
        <button
          type="button"
          data-testid={`connection-sync-${name}`}
          disabled={busySyncing}
          aria-busy={busySyncing}
          onClick={() => {
            void sync();
          }}
        >
          {busySyncing ? t('connections.syncing') : t('connections.syncNow')}
        </button>
        <button
          type="button"
          data-testid={`connection-test-${name}`}
          disabled={testing}
          aria-busy={testing}
          onClick={() => {
            void test();
          }}
        >
          {testing ? t('connections.testing') : t('connections.test')}
        </button>
        <button type="button" data-testid={`connection-edit-${name}`} onClick={onEdit}>
          {t('connections.edit')}
        </button>
        <button type="button" class="danger" data-testid={`connection-delete-${name}`} onClick={onDelete}>
          {t('connections.delete')}
        </button>
      </div>
      {outcome?.kind === 'sync' ? (
        <p
          class={outcome.ok ? 'result ok' : 'result bad'}
          role="status"
          data-testid={`connection-result-${name}`}
        >
          {outcome.text}
        </p>
      ) : (
        <TestResult
          result={outcome?.kind === 'test' ? outcome.result : null}
          busy={testing}
          testId={`connection-result-${name}`}
        />
      )}
    </li>
  );
}

export function HelpdeskConnections() {
  const heading = useRef<HTMLHeadingElement>(null);
  useFocusTarget('connections', heading);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<string[]>([]);

  useEffect(() => {
    void refreshSync();
  }, []);

  const add = async () => {
    setAdding(true);
    setAddError([]);
    try {
      setEditing({ config: await call('connection_template', { kind: 'request_tracker' }), view: null });
    } catch (e) {
      setAddError(errorLines(e as IpcError));
    } finally {
      setAdding(false);
    }
  };

  const list = connectionsSignal.value;
  const error = syncError.value;
  return (
    <div class="connections" data-testid="connections">
      <h3 ref={heading} tabIndex={-1} id="connections-title">
        {t('connections.title')}
      </h3>
      <p class="hint">{t('connections.intro')}</p>
      {error ? (
        <p class="form-errors" role="alert" data-testid="connections-error">
          {t('connections.loadFailed', { message: errorLines(error).join('; ') })}
        </p>
      ) : null}
      {addError.length > 0 ? (
        <p class="form-errors" role="alert" data-testid="connections-add-error">
          {addError.join('\n')}
        </p>
      ) : null}
      {list === null ? (
        error ? null : (
          <p class="muted">{t('app.loading')}</p>
        )
      ) : list.length === 0 ? (
        <p class="muted" data-testid="connections-none">
          {t('connections.none')}
        </p>
      ) : (
        <ul class="connection-list" aria-labelledby="connections-title">
          {list.map((view) => (
            <Connection
              key={view.config.name}
              view={view}
              onEdit={() => {
                setEditing({ config: view.config, view });
              }}
              onDelete={() => {
                setDeleting(view.config.name);
              }}
            />
          ))}
        </ul>
      )}
      <div class="actions start">
        <button
          type="button"
          data-testid="connections-add"
          disabled={adding}
          onClick={() => {
            void add();
          }}
        >
          {t('connections.add')}
        </button>
      </div>
      {editing ? (
        <ConnectionForm
          key={editing.config.name}
          config={editing.config}
          view={editing.view}
          onClose={() => {
            setEditing(null);
          }}
          onSaved={() => {
            setEditing(null);
            void refreshSync();
          }}
        />
      ) : null}
      {deleting !== null ? (
        <DeleteConnection
          name={deleting}
          onClose={() => {
            setDeleting(null);
          }}
        />
      ) : null}
    </div>
  );
}
