// Where a synced ticket lives: "rt #123" (the connection's name and the helpdesk's id).
// Local tickets show nothing. Both parts come from the helpdesk: text only.
import { t } from '../i18n';

export function sourceText(source: string, externalId: string | null): string {
  return externalId === null ? source : `${source} #${externalId}`;
}

export function SourceBadge({
  source,
  externalId,
  testId,
}: {
  source: string;
  externalId: string | null;
  testId: string;
}) {
  if (source === 'local') return null;
  return (
    <span class="source-badge" data-testid={testId} title={t('source.badgeTitle', { name: source })}>
      {sourceText(source, externalId)}
    </span>
  );
}
