import type { NewerDatabaseError } from '../api';
import { t } from '../i18n';

/** Shown instead of the app: nothing may touch a database this version does not understand. */
export function NewerDatabase({ error }: { error: NewerDatabaseError }) {
  return (
    <main class="fatal" role="alert" data-testid="newer-database">
      <h1>{t('newer.title')}</h1>
      <p>{t('newer.body', { found: error.found, supported: error.supported })}</p>
      <p>
        <strong>{t('newer.action')}</strong>
      </p>
      <p class="muted">{t('newer.detail', { message: error.message })}</p>
    </main>
  );
}
