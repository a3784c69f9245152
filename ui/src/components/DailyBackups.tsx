// Daily backups: on into a folder picked in the system's picker (Rust opens it; the page names
// none), the newest seven kept there; off with one click. Made by the app in the background.
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api';
import type { AutoBackup, IpcError } from '../bindings';
import { t } from '../i18n';

export function DailyBackups() {
  const [daily, setDaily] = useState<AutoBackup | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (command: 'choose_auto_backup_folder' | 'stop_auto_backup' | 'auto_backup') => {
    setBusy(true);
    setError(null);
    try {
      setDaily(await call(command, {}));
    } catch (e) {
      setError((e as IpcError).message);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void act('auto_backup');
  }, []);

  return (
    <div class="backup" data-testid="daily-backups">
      <p data-testid="daily-backups-state">
        {daily?.folder ? t('daily.on', { folder: daily.folder, keep: String(daily.keep) }) : t('daily.off')}{' '}
        {daily?.newest ? t('daily.newest', { time: new Date(daily.newest).toLocaleString() }) : null}
      </p>
      {daily?.error ? (
        <p class="form-errors" data-testid="daily-backups-failed">
          {t('daily.failed', { error: daily.error })}
        </p>
      ) : null}
      <div class="actions start">
        <button
          type="button"
          data-testid="daily-backups-choose"
          disabled={busy}
          onClick={() => {
            void act('choose_auto_backup_folder');
          }}
        >
          {daily?.folder ? t('daily.change') : t('daily.start')}
        </button>
        {daily?.folder ? (
          <button
            type="button"
            data-testid="daily-backups-stop"
            disabled={busy}
            onClick={() => {
              void act('stop_auto_backup');
            }}
          >
            {t('daily.stop')}
          </button>
        ) : null}
      </div>
      {error !== null ? (
        <p class="form-errors" data-testid="daily-backups-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
