import { useEffect, useState } from 'preact/hooks';
import { call } from '../api';
import type { AppInfo, IpcError, Language } from '../bindings';
import { applyLanguage, lang, systemLanguage, t, type MessageKey } from '../i18n';
import { banner } from '../state';
import { DailyBackups } from './DailyBackups';
import { HelpdeskConnections } from './HelpdeskConnections';
import { PrometheusSource } from './PrometheusSource';

// Switch at once, so the choice shows without waiting; go back if it could not be stored.
async function changeLanguage(language: Language): Promise<void> {
  const before = lang.value;
  applyLanguage(language);
  try {
    const settings = await call('set_language', { language });
    applyLanguage(settings.language ?? systemLanguage(navigator.language));
  } catch (e) {
    applyLanguage(before);
    banner.value = e as IpcError;
  }
}

function About() {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('app_info', {}).then(setInfo, (e: unknown) => {
      setError((e as IpcError).message);
    });
  }, []);

  if (error !== null) return <p class="form-errors">{error}</p>;
  if (!info) return <p class="muted">{t('app.loading')}</p>;
  return (
    <>
      <InfoList info={info} />
      <Diagnostics />
    </>
  );
}

// For a support engineer: versions, folders and the end of the log, copied to the clipboard
// and shown (to select by hand where the clipboard is refused).
function Diagnostics() {
  const [text, setText] = useState<string | null>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const copy = async () => {
    setError(null);
    try {
      const got = await call('diagnostics', {});
      setText(got);
      try {
        await navigator.clipboard.writeText(got);
        setCopied(true);
      } catch {
        setCopied(false);
      }
    } catch (e) {
      setError((e as IpcError).message);
    }
  };
  return (
    <div class="diagnostics">
      <div class="actions start">
        <button
          type="button"
          data-testid="copy-diagnostics"
          onClick={() => {
            void copy();
          }}
        >
          {t('diagnostics.copy')}
        </button>
        {copied === true ? <span class="muted">{t('diagnostics.copied')}</span> : null}
        {copied === false ? <span class="muted">{t('diagnostics.select')}</span> : null}
      </div>
      {text !== null ? <pre data-testid="diagnostics-text">{text}</pre> : null}
      {error !== null ? <p class="form-errors">{error}</p> : null}
    </div>
  );
}

function InfoList({ info }: { info: AppInfo }) {
  return (
    <dl data-testid="app-info">
      <dt>{t('info.version')}</dt>
      <dd>{info.version}</dd>
      <dt>{t('info.dataDir')}</dt>
      <dd>
        <code>{info.data_dir}</code>
      </dd>
      <dt>{t('info.database')}</dt>
      <dd>
        <code>{info.database}</code>
      </dd>
      <dt>{t('info.schema')}</dt>
      <dd>{info.schema_version}</dd>
    </dl>
  );
}

// Backing up and restoring: the folder is picked (and a restore allowed) in native dialogs Rust
// opens; the page only starts the action and shows its answer. A restore restarts the app, so
// its success is shown by the next start (RestoreNotice).
function FolderAction({
  id,
  hint,
  label,
  busyLabel,
  act,
}: {
  id: string;
  hint: MessageKey;
  label: MessageKey;
  busyLabel: MessageKey;
  act: () => Promise<string | null>;
}) {
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setSaved(await act());
    } catch (e) {
      setError((e as IpcError).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="backup">
      <p class="muted">{t(hint)}</p>
      <div class="actions start">
        <button
          type="button"
          data-testid={id}
          disabled={busy}
          onClick={() => {
            void run();
          }}
        >
          {busy ? t(busyLabel) : t(label)}
        </button>
      </div>
      {saved !== null ? (
        <p data-testid={`${id}-saved`}>
          {t('backup.saved')} <code>{saved}</code>
        </p>
      ) : null}
      {error !== null ? (
        <p class="form-errors" data-testid={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function SettingsSection() {
  return (
    <section class="settings">
      <h2>{t('settings.title')}</h2>
      <label class="field narrow">
        <span class="field-label">{t('settings.language')}</span>
        <select
          data-testid="language-select"
          value={lang.value}
          onChange={(e) => {
            void changeLanguage(e.currentTarget.value === 'ko' ? 'ko' : 'en');
          }}
        >
          <option value="en">English</option>
          <option value="ko">한국어</option>
        </select>
      </label>
      <HelpdeskConnections />
      <PrometheusSource />
      <h3>{t('backup.title')}</h3>
      <FolderAction
        id="settings-backup"
        hint="backup.hint"
        label="backup.run"
        busyLabel="backup.running"
        act={async () => (await call('backup_store', {})).path}
      />
      <h3>{t('daily.title')}</h3>
      <DailyBackups />
      <h3>{t('restore.title')}</h3>
      <FolderAction
        id="settings-restore"
        hint="restore.hint"
        label="restore.run"
        busyLabel="restore.running"
        act={async () => {
          await call('restore_store', {});
          return null;
        }}
      />
      <h3>{t('settings.about')}</h3>
      <About />
    </section>
  );
}
