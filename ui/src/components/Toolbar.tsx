import type { Fleet } from '../bindings';
import { customerOptions, siteGroups } from '../fleet/options';
import { allTags, ancestors } from '../fleet/tree';
import { t } from '../i18n';
import { filter, selection } from '../state';
import { Options } from './Fields';

export type ToolbarAction =
  | { kind: 'customer' }
  | { kind: 'site'; customer: string }
  | { kind: 'endpoint'; site: string }
  | { kind: 'import' }
  | { kind: 'export' };

export function Toolbar({ fleet, onAction }: { fleet: Fleet; onAction: (a: ToolbarAction) => void }) {
  const f = filter.value;
  const parents = selection.value ? ancestors(fleet, selection.value) : { customer: null, site: null };
  const sites = siteGroups(fleet, f.customer);

  return (
    <div class="toolbar" role="toolbar" aria-label={t('toolbar.label')}>
      <input
        type="search"
        class="search"
        data-testid="fleet-search"
        placeholder={t('toolbar.search')}
        aria-label={t('toolbar.search')}
        value={f.query}
        spellcheck={false}
        autoComplete="off"
        onInput={(e) => {
          filter.value = { ...filter.value, query: e.currentTarget.value };
        }}
      />
      <select
        data-testid="filter-customer"
        aria-label={t('toolbar.customerFilter')}
        value={f.customer}
        onChange={(e) => {
          filter.value = { ...filter.value, customer: e.currentTarget.value, site: '' };
        }}
      >
        <option value="">{t('toolbar.allCustomers')}</option>
        <Options options={customerOptions(fleet)} />
      </select>
      <select
        data-testid="filter-site"
        aria-label={t('toolbar.siteFilter')}
        value={f.site}
        onChange={(e) => {
          filter.value = { ...filter.value, site: e.currentTarget.value };
        }}
      >
        <option value="">{t('toolbar.allSites')}</option>
        <Options groups={sites} />
      </select>
      <select
        data-testid="filter-tag"
        aria-label={t('toolbar.tagFilter')}
        value={f.tag}
        onChange={(e) => {
          filter.value = { ...filter.value, tag: e.currentTarget.value };
        }}
      >
        <option value="">{t('toolbar.allTags')}</option>
        {allTags(fleet).map((tag) => (
          <option key={tag} value={tag}>
            {tag}
          </option>
        ))}
      </select>
      <span class="spacer" />
      <button
        type="button"
        data-testid="add-customer"
        onClick={() => {
          onAction({ kind: 'customer' });
        }}
      >
        {t('toolbar.addCustomer')}
      </button>
      <button
        type="button"
        data-testid="add-site"
        disabled={parents.customer === null}
        title={parents.customer === null ? t('toolbar.addSiteHint') : undefined}
        onClick={() => {
          if (parents.customer !== null) onAction({ kind: 'site', customer: parents.customer });
        }}
      >
        {t('toolbar.addSite')}
      </button>
      <button
        type="button"
        data-testid="add-endpoint"
        disabled={parents.site === null}
        title={parents.site === null ? t('toolbar.addEndpointHint') : undefined}
        onClick={() => {
          if (parents.site !== null) onAction({ kind: 'endpoint', site: parents.site });
        }}
      >
        {t('toolbar.addEndpoint')}
      </button>
      <button
        type="button"
        data-testid="import-fleet"
        onClick={() => {
          onAction({ kind: 'import' });
        }}
      >
        {t('toolbar.import')}
      </button>
      <button
        type="button"
        data-testid="export-fleet"
        onClick={() => {
          onAction({ kind: 'export' });
        }}
      >
        {t('toolbar.export')}
      </button>
    </div>
  );
}
