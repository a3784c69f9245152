// The middle of the Fleet section: the problem list, or why there is none yet (still
// reading, the read failed, nothing checked so far). A failed read stays here, not in the
// window's error banner: the inventory beside it works without it.
import { t } from '../i18n';
import { anyReported, loadStatus, snapshot, statusError, useStatusClock } from '../status/store';
import { ProblemList } from './ProblemList';

export function StatusPane() {
  useStatusClock();
  const current = snapshot.value;
  const error = statusError.value;
  return (
    <section class="status-pane" data-testid="status-pane" aria-label={t('status.problems')}>
      {error ? (
        <p class="form-errors" role="alert" data-testid="status-error">
          {t('status.loadFailed', { message: error.message })}{' '}
          <button
            type="button"
            class="link"
            onClick={() => {
              void loadStatus();
            }}
          >
            {t('status.retry')}
          </button>
        </p>
      ) : null}
      {current === null ? (
        error ? null : (
          <p class="muted no-match">{t('status.loading')}</p>
        )
      ) : !anyReported.value ? (
        <p class="muted no-match" data-testid="status-no-checks">
          {t('status.noChecks')}
        </p>
      ) : (
        <ProblemList />
      )}
    </section>
  );
}
