// Honest placeholders: what each section will do, and nothing that pretends to work.
import { t, type MessageKey } from '../i18n';

type Topic = 'sessions';

export function ComingNext({ topic }: { topic: Topic }) {
  const key = (part: 'title' | 'body' | 'more') => `coming.${topic}.${part}` as MessageKey;
  return (
    <section class="coming" data-testid={`coming-${topic}`}>
      <h2>
        {t(key('title'))} <span class="tag">{t('coming.badge')}</span>
      </h2>
      <p>{t(key('body'))}</p>
      <p>{t(key('more'))}</p>
    </section>
  );
}
