// The header's word on helpdesk sync: when every connection last synced and how many
// changes wait to be sent, or why the last sync failed; nothing without connections.
// It leads to the connection settings, and its conflict count to the conflicts.
import { t } from '../i18n';
import { openConflicts, openConnections } from '../state';
import { connections, indicator, syncing } from '../sync/status';

export function SyncIndicator() {
  const shown = indicator(connections.value, syncing.value);
  if (shown.kind === 'none') return null;
  const text = shown.kind === 'syncing' ? t('sync.syncing') : shown.text;
  const conflictCount = shown.kind === 'syncing' ? 0 : shown.conflicts;
  return (
    <span class="sync-indicator">
      <button
        type="button"
        class={`sync-status ${shown.kind}`}
        data-testid="sync-indicator"
        data-state={shown.kind}
        title={t('sync.indicatorTitle')}
        onClick={openConnections}
      >
        {text}
      </button>
      {conflictCount > 0 ? (
        <button
          type="button"
          class="sync-status conflicts"
          data-testid="sync-indicator-conflicts"
          onClick={openConflicts}
        >
          {t(conflictCount === 1 ? 'sync.conflicts.one' : 'sync.conflicts.other', { n: conflictCount })}
        </button>
      ) : null}
    </span>
  );
}
