// Sessions → Port forwards: a local port on 127.0.0.1 carried over SSH to a host and port
// the endpoint can reach (a router's web page, a database). Addresses and errors come from
// servers: rendered as text only.
import { useEffect, useState } from 'preact/hooks';
import { errorLines } from '../api';
import type { IpcError } from '../bindings';
import { t } from '../i18n';
import * as api from '../sessions/api';
import type { ForwardView } from '../bindings';
import { fleet } from '../state';
import { FormErrors, TextInput } from './Fields';

/** How often the list (connection counts, errors) is read again while shown. */
const REFRESH_MS = 5000;

/** A port from a field: an integer in [min, 65535], else null. */
export function port(text: string, min: number): number | null {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(n) && n >= min && n <= 65535 ? n : null;
}

/** A text field for an endpoint id, suggesting the fleet's endpoints. */
export function EndpointInput(props: {
  testId: string;
  label: string;
  value: string;
  onValue: (v: string) => void;
}) {
  const listId = `${props.testId}-endpoints`;
  return (
    <>
      <TextInput
        testId={props.testId}
        label={props.label}
        value={props.value}
        onValue={props.onValue}
        list={listId}
      />
      <datalist id={listId}>
        {(fleet.value?.endpoints ?? []).map((e) => (
          <option key={e.id} value={e.id} />
        ))}
      </datalist>
    </>
  );
}

export function Forwards() {
  const [list, setList] = useState<ForwardView[]>([]);
  const [endpoint, setEndpoint] = useState('');
  const [localPort, setLocalPort] = useState('0');
  const [remoteHost, setRemoteHost] = useState('127.0.0.1');
  const [remotePort, setRemotePort] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const fail = (e: unknown) => {
    setErrors(errorLines(e as IpcError));
  };
  const refresh = () => {
    api.forwards().then(setList, fail);
  };
  useEffect(() => {
    refresh();
    const timer = setInterval(() => {
      api.forwards().then(setList, () => undefined);
    }, REFRESH_MS);
    return () => {
      clearInterval(timer);
    };
  }, []);

  const open = async () => {
    const found: string[] = [];
    const local = port(localPort, 0);
    const remote = port(remotePort, 1);
    if (endpoint.trim() === '') found.push(t('fwd.endpointRequired'));
    if (local === null) found.push(t('fwd.localPortRange'));
    if (remoteHost.trim() === '') found.push(t('fwd.remoteHostRequired'));
    if (remote === null) found.push(t('fwd.remotePortRange'));
    setErrors(found);
    if (found.length > 0 || local === null || remote === null) return;
    setBusy(true);
    try {
      const opened = await api.openForward(endpoint.trim(), local, remoteHost.trim(), remote);
      setList((now) => [...now.filter((f) => f.id !== opened.id), opened]);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="forwards" data-testid="forwards">
      <h3>{t('ssh.view.forwards')}</h3>
      <p class="hint">{t('fwd.intro')}</p>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void open();
        }}
      >
        <div class="form-grid four">
          <EndpointInput
            testId="forward-endpoint"
            label={t('entity.endpoint')}
            value={endpoint}
            onValue={setEndpoint}
          />
          <TextInput
            testId="forward-local-port"
            label={t('fwd.localPort')}
            value={localPort}
            inputMode="numeric"
            onValue={setLocalPort}
            hint={t('fwd.localPortHint')}
          />
          <TextInput
            testId="forward-remote-host"
            label={t('fwd.remoteHost')}
            value={remoteHost}
            onValue={setRemoteHost}
            hint={t('fwd.remoteHostHint')}
          />
          <TextInput
            testId="forward-remote-port"
            label={t('fwd.remotePort')}
            value={remotePort}
            inputMode="numeric"
            onValue={setRemotePort}
          />
        </div>
        <FormErrors lines={errors} testId="forward-error" />
        <div class="actions start">
          <button type="submit" class="primary" data-testid="forward-open" disabled={busy}>
            {busy ? t('fwd.opening') : t('fwd.open')}
          </button>
          <button type="button" data-testid="forward-refresh" onClick={refresh}>
            {t('fwd.refresh')}
          </button>
        </div>
      </form>
      {list.length === 0 ? (
        <p class="muted">{t('fwd.none')}</p>
      ) : (
        <table class="grid-table">
          <thead>
            <tr>
              <th>{t('entity.endpoint')}</th>
              <th>{t('fwd.local')}</th>
              <th>{t('fwd.remote')}</th>
              <th>{t('fwd.connections')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((f) => (
              <tr key={f.id} data-testid={`forward-${String(f.id)}`}>
                <td>{f.endpoint}</td>
                <td>
                  <code
                    data-testid={`forward-local-${String(f.id)}`}
                  >{`127.0.0.1:${String(f.local_port)}`}</code>
                </td>
                <td>
                  {`${f.remote_host}:${String(f.remote_port)}`}
                  {f.error !== null ? <div class="error-text">{f.error}</div> : null}
                </td>
                <td>{f.connections}</td>
                <td class="row-actions">
                  <button
                    type="button"
                    data-testid={`forward-close-${String(f.id)}`}
                    onClick={() => {
                      api.closeForward(f.id).then(setList, fail);
                    }}
                  >
                    {t('common.close')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
