// Sessions → Files (SFTP): browse an endpoint's files, download a file or folder, upload a
// file into the folder shown, and follow the transfers (progress, Cancel). The local side is
// picked in a native dialog that Rust opens: the window never names a path on this
// computer. File names, paths and errors come from servers: rendered as text only.
import { useEffect, useState } from 'preact/hooks';
import { errorLines } from '../api';
import type { IpcError } from '../bindings';
import { t, type MessageKey } from '../i18n';
import * as api from '../sessions/api';
import type { RemoteEntry, Listing, TransferState, TransferView } from '../bindings';
import { FormErrors, TextInput } from './Fields';
import { EndpointInput } from './Forwards';


/** `dir` + `name` with one slash between. */
export function joinPath(dir: string, name: string): string {
  if (dir === '' || dir === '.') return name;
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** The folder above `path` ("/srv/www" → "/srv", "/srv" → "/", "logs" → "."). */
export function parentPath(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (trimmed === '/' || trimmed === '') return '/';
  if (trimmed === '.') return '..';
  if (trimmed === '..' || trimmed.endsWith('/..')) return `${trimmed}/..`;
  const at = trimmed.lastIndexOf('/');
  if (at < 0) return '.';
  return at === 0 ? '/' : trimmed.slice(0, at);
}

/** "512 B", "1.5 KB", "3.2 MB", "1.1 GB". */
export function bytesText(n: number): string {
  if (n < 1024) return `${String(n)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit] ?? 'TB'}`;
}

const STATE_LABEL: Record<TransferState, MessageKey> = {
  running: 'sftp.state.running',
  done: 'sftp.state.done',
  failed: 'sftp.state.failed',
  cancelled: 'sftp.state.cancelled',
};

function upsert(list: TransferView[], one: TransferView): TransferView[] {
  return list.some((x) => x.id === one.id) ? list.map((x) => (x.id === one.id ? one : x)) : [...list, one];
}

function TransferRow({ tr, onError }: { tr: TransferView; onError: (e: unknown) => void }) {
  const progress =
    tr.total_bytes === null
      ? bytesText(tr.done_bytes)
      : `${bytesText(tr.done_bytes)} / ${bytesText(tr.total_bytes)}`;
  return (
    <tr data-testid={`sftp-transfer-${String(tr.id)}`} class={`transfer state-${tr.state}`}>
      <td>{t(tr.direction === 'download' ? 'sftp.download' : 'sftp.upload')}</td>
      <td>
        <div>{`${tr.endpoint}:${tr.remote}`}</div>
        <div class="muted">{tr.local}</div>
      </td>
      <td>
        {tr.total_bytes === null ? (
          <progress aria-label={progress} />
        ) : (
          <progress max={Math.max(tr.total_bytes, 1)} value={tr.done_bytes} aria-label={progress} />
        )}
        <div class="hint">
          {progress}
          {tr.files_done > 0 ? ` · ${t('sftp.files', { n: tr.files_done })}` : ''}
        </div>
      </td>
      <td data-testid="sftp-transfer-state">
        {t(STATE_LABEL[tr.state])}
        {tr.error !== null ? <div class="error-text">{tr.error}</div> : null}
      </td>
      <td class="row-actions">
        {tr.state === 'running' ? (
          <button
            type="button"
            data-testid={`sftp-cancel-${String(tr.id)}`}
            onClick={() => {
              api.cancelTransfer(tr.id).catch(onError);
            }}
          >
            {t('common.cancel')}
          </button>
        ) : null}
      </td>
    </tr>
  );
}

function EntryRow({
  entry,
  onOpen,
  onDownload,
}: {
  entry: RemoteEntry;
  onOpen: () => void;
  onDownload: () => void;
}) {
  return (
    <tr data-testid={`sftp-entry-${entry.name}`}>
      <td>
        {entry.kind === 'dir' ? (
          <button type="button" class="link" data-testid={`sftp-open-${entry.name}`} onClick={onOpen}>
            {`${entry.name}/`}
          </button>
        ) : (
          <span>{entry.kind === 'link' ? `${entry.name} →` : entry.name}</span>
        )}
      </td>
      <td>{entry.kind === 'dir' ? '' : bytesText(entry.size)}</td>
      <td>{entry.modified === null ? '' : new Date(entry.modified * 1000).toLocaleString()}</td>
      <td class="row-actions">
        {entry.kind === 'file' || entry.kind === 'dir' ? (
          <button type="button" data-testid={`sftp-download-${entry.name}`} onClick={onDownload}>
            {t('sftp.download')}
          </button>
        ) : null}
      </td>
    </tr>
  );
}

export function Sftp() {
  const [endpoint, setEndpoint] = useState('');
  const [path, setPath] = useState('.');
  const [listing, setListing] = useState<Listing | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [list, setList] = useState<TransferView[]>([]);

  const fail = (e: unknown) => {
    setErrors(errorLines(e as IpcError));
  };

  useEffect(() => {
    const stop = api
      .onSessionsEvent('transfer-changed', (tr) => {
        setList((now) => upsert(now, tr));
      })
      .catch(() => undefined);
    api.transfers().then((all) => {
      setList((now) => all.reduce(upsert, now));
    }, fail);
    return () => {
      void stop.then((f) => f?.());
    };
  }, []);

  const browse = async (to: string) => {
    if (endpoint.trim() === '') {
      setErrors([t('fwd.endpointRequired')]);
      return;
    }
    setBusy(true);
    setErrors([]);
    try {
      const next = await api.sftpList(endpoint.trim(), to);
      setListing(next);
      setPath(next.path);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const transfer = async (direction: 'download' | 'upload', remote: string, folder = false) => {
    setErrors([]);
    try {
      const started = await api.sftpTransfer(endpoint.trim(), direction, remote, folder);
      setList((now) => upsert(now, started));
    } catch (e) {
      fail(e);
    }
  };

  const here = listing?.path ?? path;
  return (
    <div class="sftp" data-testid="sftp">
      <h3>{t('ssh.view.sftp')}</h3>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void browse(path);
        }}
      >
        <div class="form-grid">
          <EndpointInput
            testId="sftp-endpoint"
            label={t('entity.endpoint')}
            value={endpoint}
            onValue={setEndpoint}
          />
          <TextInput testId="sftp-path" label={t('sftp.path')} value={path} onValue={setPath} />
        </div>
        <div class="actions start">
          <button type="submit" class="primary" data-testid="sftp-list" disabled={busy}>
            {busy ? t('sftp.listing') : t('sftp.list')}
          </button>
          <button
            type="button"
            data-testid="sftp-up"
            disabled={busy || listing === null}
            onClick={() => {
              void browse(parentPath(here));
            }}
          >
            {t('sftp.up')}
          </button>
        </div>
      </form>
      <FormErrors lines={errors} testId="sftp-error" />
      {listing ? (
        <>
          <p class="sftp-here">
            <code data-testid="sftp-here">{`${endpoint.trim()}:${listing.path}`}</code>
          </p>
          <p class="muted" data-testid="sftp-pick-hint">
            {t('sftp.pickHint')}
          </p>
          <div class="actions start">
            <button
              type="button"
              data-testid="sftp-upload"
              onClick={() => {
                void transfer('upload', listing.path);
              }}
            >
              {t('sftp.uploadFile', { path: listing.path })}
            </button>
            <button
              type="button"
              data-testid="sftp-upload-folder"
              onClick={() => {
                void transfer('upload', listing.path, true);
              }}
            >
              {t('sftp.uploadFolder', { path: listing.path })}
            </button>
          </div>
          {listing.entries.length === 0 ? (
            <p class="muted">{t('sftp.empty')}</p>
          ) : (
            <table class="grid-table">
              <thead>
                <tr>
                  <th>{t('sftp.name')}</th>
                  <th>{t('sftp.size')}</th>
                  <th>{t('sftp.modified')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {listing.entries.map((entry) => (
                  <EntryRow
                    key={entry.name}
                    entry={entry}
                    onOpen={() => {
                      void browse(joinPath(listing.path, entry.name));
                    }}
                    onDownload={() => {
                      void transfer('download', joinPath(listing.path, entry.name));
                    }}
                  />
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
      <h3>{t('sftp.transfers')}</h3>
      {list.length === 0 ? (
        <p class="muted">{t('sftp.noTransfers')}</p>
      ) : (
        <table class="grid-table">
          <tbody>
            {[...list].reverse().map((tr) => (
              <TransferRow key={tr.id} tr={tr} onError={fail} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
