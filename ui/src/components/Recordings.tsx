// Sessions → Recordings: every session is recorded (asciicast) by the Rust side; this lists
// the recordings, per customer, and exports a customer's session audit to a file. Paths and
// names are rendered as text only.
import { useEffect, useState } from 'preact/hooks';
import { errorLines } from '../api';
import type { IpcError } from '../bindings';
import { t } from '../i18n';
import * as api from '../sessions/api';
import type { RecordingInfo } from '../bindings';
import { fleet } from '../state';
import { FormErrors, Select } from './Fields';
import { bytesText } from './Sftp';

export function Recordings() {
  const customers = fleet.value?.customers ?? [];
  const [customer, setCustomer] = useState('');
  const [list, setList] = useState<RecordingInfo[] | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [exported, setExported] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const name = (id: string) => customers.find((c) => c.id === id)?.name ?? id;

  useEffect(() => {
    let stale = false;
    setList(null);
    api.recordings(customer === '' ? null : customer).then(
      (found) => {
        if (!stale) setList(found);
      },
      (e: unknown) => {
        if (!stale) setErrors(errorLines(e as IpcError));
      },
    );
    return () => {
      stale = true;
    };
  }, [customer]);

  const exportAudit = async () => {
    setExporting(true);
    setExported(null);
    setErrors([]);
    try {
      setExported((await api.exportSessionAudit(customer)).path);
    } catch (e) {
      setErrors(errorLines(e as IpcError));
    } finally {
      setExporting(false);
    }
  };

  return (
    <div class="recordings" data-testid="recordings">
      <h3>{t('ssh.view.recordings')}</h3>
      <p class="hint">{t('rec.intro')}</p>
      <div class="toolbar-row">
        <Select
          testId="recordings-customer"
          label={t('entity.customer')}
          value={customer}
          empty={t('toolbar.allCustomers')}
          options={customers.map((c) => ({ value: c.id, label: c.name }))}
          onValue={(v) => {
            setCustomer(v);
            setExported(null);
            setErrors([]);
          }}
        />
        <button
          type="button"
          data-testid="recordings-export"
          disabled={customer === '' || exporting}
          title={customer === '' ? t('rec.exportHint') : undefined}
          onClick={() => {
            void exportAudit();
          }}
        >
          {exporting ? t('rec.exporting') : t('rec.export')}
        </button>
      </div>
      {exported !== null ? (
        <p class="result ok" role="status" data-testid="recordings-export-result">
          {t('rec.exported', { path: exported })}
        </p>
      ) : null}
      <FormErrors lines={errors} testId="recordings-error" />
      {list === null ? (
        errors.length === 0 ? (
          <p class="muted">{t('app.loading')}</p>
        ) : null
      ) : list.length === 0 ? (
        <p class="muted">{t('rec.none')}</p>
      ) : (
        <table class="grid-table">
          <thead>
            <tr>
              <th>{t('rec.started')}</th>
              <th>{t('entity.customer')}</th>
              <th>{t('entity.endpoint')}</th>
              <th>{t('sftp.size')}</th>
              <th>{t('rec.file')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.path} data-testid="recording-row">
                <td>{r.started_unix === null ? '' : new Date(r.started_unix * 1000).toLocaleString()}</td>
                <td>{name(r.customer ?? r.customer_dir)}</td>
                <td>{r.endpoint ?? ''}</td>
                <td>{bytesText(r.size_bytes)}</td>
                <td>
                  <code>{r.path}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
