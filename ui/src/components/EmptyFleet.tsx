// First run: what Fieldline is for, and two ways to start.
import { useState } from 'preact/hooks';
import { call } from '../api';
import type { IpcError } from '../bindings';
import { t } from '../i18n';
import { banner, setFleet } from '../state';

export function EmptyFleet({ onAddCustomer }: { onAddCustomer: () => void }) {
  const [loading, setLoading] = useState(false);

  const loadDemo = async () => {
    setLoading(true);
    try {
      setFleet(await call('load_demo_fleet', {}));
    } catch (e) {
      banner.value = e as IpcError;
      setLoading(false);
    }
  };

  return (
    <section class="empty-fleet" data-testid="empty-fleet">
      <h2>{t('empty.title')}</h2>
      <p>{t('empty.body')}</p>
      <p class="muted">{t('empty.hint')}</p>
      <div class="actions start">
        <button
          type="button"
          class="primary"
          data-testid="load-demo"
          disabled={loading}
          onClick={() => {
            void loadDemo();
          }}
        >
          {t('empty.loadDemo')}
        </button>
        <button type="button" data-testid="empty-add-customer" onClick={onAddCustomer}>
          {t('empty.addCustomer')}
        </button>
      </div>
    </section>
  );
}
