// "Offline since 14:02": this laptop cannot reach the network, so what the dashboard shows
// is the last known state (marked Stale). The reason comes from the Rust side, as text.
import { t } from '../i18n';
import { statusTime } from '../status/format';
import { snapshot, statusNow } from '../status/store';

export function OfflineBanner() {
  const offline = snapshot.value?.offline ?? null;
  if (!offline) return null;
  return (
    <div class="offline-banner" role="status" data-testid="status-banner-offline">
      <strong>{t('status.offline', { time: statusTime(offline.since, statusNow.value) })}</strong>
      {offline.reason.trim() !== '' ? (
        <span class="offline-reason">{t('status.offlineReason', { reason: offline.reason })}</span>
      ) : null}
      <span class="muted">{t('status.offlineHint')}</span>
    </div>
  );
}
