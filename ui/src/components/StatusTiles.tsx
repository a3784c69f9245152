// One tile per customer: its name, its worst state, how many endpoints are in each state
// and its uptime over 24 hours; worst customers first. A click shows the customer and
// narrows the problem list to it (a second click widens it again).
import { t } from '../i18n';
import { countParts, uptimePercent } from '../status/format';
import { customersByHealth } from '../status/rollup';
import { health, statusFilter, uptime24h } from '../status/store';
import { fleet, reveal } from '../state';
import { StatusBadge } from './StatusBadge';

export function StatusTiles() {
  const current = fleet.value;
  if (!current || current.customers.length === 0) return null;
  const h = health.value;
  const uptimes = uptime24h.value;
  const active = statusFilter.value.customer;
  return (
    <div class="tiles" role="region" aria-label={t('status.tiles')} data-testid="status-tiles">
      {customersByHealth(current, h).map((c) => {
        const group = h.customers.get(c.id);
        const state = group?.state ?? null;
        const percent = uptimePercent(uptimes?.customers[c.id]);
        const name = c.name.trim() === '' ? c.id : c.name;
        return (
          <button
            key={c.id}
            type="button"
            class="tile"
            data-testid={`status-tile-${c.id}`}
            data-state={state ?? 'NONE'}
            aria-pressed={active === c.id ? 'true' : 'false'}
            title={t('status.tileTitle', { name })}
            onClick={() => {
              statusFilter.value = { ...statusFilter.value, customer: active === c.id ? '' : c.id };
              reveal({ kind: 'customer', id: c.id });
            }}
          >
            <span class="tile-head">
              <span class="tile-name">{name}</span>
              {state ? <StatusBadge state={state} /> : <span class="muted">{t('status.notMonitored')}</span>}
            </span>
            {group ? (
              <span class="tile-counts">
                {countParts(group.counts).map((p) => (
                  <span key={p.state} class="tile-count" data-state={p.state}>
                    {p.text}
                  </span>
                ))}
              </span>
            ) : null}
            <span class="tile-uptime muted">
              {percent === null ? t('status.tileNoUptime') : t('status.tileUptime', { percent })}
            </span>
          </button>
        );
      })}
    </div>
  );
}
