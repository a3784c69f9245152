// What the start after a restore asked for in Settings did: restored (with where the old data
// went and which secrets this computer's keychain lacks), or why not. Shown until dismissed.
import type { RestoreOutcome } from '../bindings';
import { t } from '../i18n';
import { restored } from '../state';

export function RestoreNotice({ outcome }: { outcome: RestoreOutcome }) {
  const missing = [
    ...outcome.profiles_without_secret.map((name) => t('restore.profile', { name })),
    ...outcome.connections_without_secret.map((name) => t('restore.connection', { name })),
  ];
  const failed = outcome.error !== null;
  return (
    <div class={failed ? 'banner' : 'notice'} role="status" data-testid="restore-notice">
      <div>
        <p>
          {failed
            ? t('restore.failed', { backup: outcome.backup, error: outcome.error ?? '' })
            : t('restore.done', { backup: outcome.backup })}
        </p>
        {outcome.set_aside.length > 0 ? (
          <p>
            {t('restore.setAside')}{' '}
            {outcome.set_aside.map((path) => (
              <code key={path}>{path} </code>
            ))}
          </p>
        ) : null}
        {missing.length > 0 ? (
          <p data-testid="restore-secrets">{t('restore.secrets', { names: missing.join(', ') })}</p>
        ) : null}
      </div>
      <button
        type="button"
        onClick={() => {
          restored.value = null;
        }}
      >
        {t('banner.dismiss')}
      </button>
    </div>
  );
}
