// One tile per customer: its name, its worst state, how many endpoints are in each state
// and its uptime over 24 hours; worst customers first. A click shows the customer and
// narrows the problem list to it (a second click widens it again). A customer with no
// state yet says whether it has checks that have not reported, or no checks at all.
import { useLayoutEffect } from 'preact/hooks';
import { t } from '../i18n';
import { countParts, uptimePercent } from '../status/format';
import { customersByHealth } from '../status/rollup';
import { checkedCustomers, health, markOnce, snapshot, statusFilter, uptime24h } from '../status/store';
import { fleet, reveal } from '../state';
import { StatusBadge } from './StatusBadge';

export function StatusTiles() {
  const current = fleet.value;
  const shown = current !== null && current.customers.length > 0;

  // The first statuses committed and laid out: benches/dashboard.rs reads this mark.
  useLayoutEffect(() => {
    const checks = snapshot.value?.checks.size ?? 0;
    if (shown && checks > 0) markOnce('fieldline:status-rendered', { checks });
  });

  if (!current || current.customers.length === 0) return null;
  const h = health.value;
  const configured = checkedCustomers.value;
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
              {state ? (
                <StatusBadge state={state} />
              ) : (
                <span class="muted">
                  {t(configured.has(c.id) ? 'status.notCheckedYet' : 'status.notMonitored')}
                </span>
              )}
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
