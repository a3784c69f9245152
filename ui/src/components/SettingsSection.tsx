import { useEffect, useState } from 'preact/hooks';
import { call } from '../api';
import type { AppInfo, IpcError, Language } from '../bindings';
import { applyLanguage, lang, systemLanguage, t } from '../i18n';
import { banner } from '../state';
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

// A backup goes into a folder chosen in the system's picker (Rust opens it); the page only
// shows where it went.
function Backup() {
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setSaved((await call('backup_store', {})).path);
    } catch (e) {
      setError((e as IpcError).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="backup">
      <p class="muted">{t('backup.hint')}</p>
      <div class="actions start">
        <button
          type="button"
          data-testid="settings-backup"
          disabled={busy}
          onClick={() => {
            void run();
          }}
        >
          {busy ? t('backup.running') : t('backup.run')}
        </button>
      </div>
      {saved !== null ? (
        <p data-testid="settings-backup-saved">
          {t('backup.saved')} <code>{saved}</code>
        </p>
      ) : null}
      {error !== null ? (
        <p class="form-errors" data-testid="settings-backup-error">
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
      <Backup />
      <h3>{t('settings.about')}</h3>
      <About />
    </section>
  );
}
