// The Fleet section, health first: the offline banner, the most urgent SLA clocks, one
// tile per customer (worst first), then three panes: the inventory tree (with a state
// badge per row) | the problem list | the detail of what is selected (health, charts and
// uptime above the inventory fields). The tree stays where it was, so the inventory and
// its forms are never more than a click away, and the problems are on screen at start.
import { useLayoutEffect, useMemo, useState } from 'preact/hooks';
import type { Fleet } from '../bindings';
import { ancestors, buildTree, filterTree, isFiltered, NO_FILTER, type EntityRef } from '../fleet/tree';
import { t } from '../i18n';
import { fleet as fleetSignal, filter } from '../state';
import { markOnce } from '../status/store';
import { CustomerForm } from './CustomerForm';
import { DeleteDialog } from './DeleteDialog';
import { Detail } from './Detail';
import { EmptyFleet } from './EmptyFleet';
import { EndpointForm } from './EndpointForm';
import { ExportDialog } from './ExportDialog';
import { ImportDialog } from './ImportDialog';
import { OfflineBanner } from './OfflineBanner';
import { SiteForm } from './SiteForm';
import { StatusPane } from './StatusPane';
import { StatusTiles } from './StatusTiles';
import { Toolbar, type ToolbarAction } from './Toolbar';
import { Tree } from './Tree';
import { UrgentStrip } from './UrgentStrip';

type Open = ToolbarAction | { kind: 'edit'; target: EntityRef } | { kind: 'delete'; target: EntityRef };

function OpenDialog({ fleet, open, onClose }: { fleet: Fleet; open: Open; onClose: () => void }) {
  switch (open.kind) {
    case 'customer':
      return <CustomerForm onClose={onClose} />;
    case 'site':
      return <SiteForm fleet={fleet} customer={open.customer} onClose={onClose} />;
    case 'endpoint':
      return <EndpointForm fleet={fleet} site={open.site} onClose={onClose} />;
    case 'import':
      return <ImportDialog fleet={fleet} onClose={onClose} />;
    case 'export':
      return <ExportDialog onClose={onClose} />;
    case 'delete':
      return <DeleteDialog fleet={fleet} target={open.target} onClose={onClose} />;
    case 'edit': {
      const { id } = open.target;
      switch (open.target.kind) {
        case 'customer':
          return <CustomerForm editing={fleet.customers.find((c) => c.id === id)} onClose={onClose} />;
        case 'site': {
          const site = fleet.sites.find((s) => s.id === id);
          return <SiteForm fleet={fleet} editing={site} customer={site?.customer ?? ''} onClose={onClose} />;
        }
        case 'endpoint': {
          const endpoint = fleet.endpoints.find((e) => e.id === id);
          const site = endpoint?.site ?? ancestors(fleet, open.target).site ?? '';
          return <EndpointForm fleet={fleet} editing={endpoint} site={site} onClose={onClose} />;
        }
      }
    }
  }
}

export function FleetSection() {
  const [open, setOpen] = useState<Open | null>(null);
  const fleet = fleetSignal.value;
  const shown = filter.value;
  // Rebuilt when the fleet or the filters change, not when a dialog opens or closes.
  const tree = useMemo(() => (fleet ? filterTree(buildTree(fleet), shown) : []), [fleet, shown]);

  // After the first commit with a fleet, laid out: benches/dashboard.rs reads this mark.
  useLayoutEffect(() => {
    if (fleet) markOnce('fieldline:fleet-rendered', { endpoints: fleet.endpoints.length });
  }, [fleet]);

  if (!fleet) return <p class="muted loading">{t('app.loading')}</p>;

  const close = () => {
    setOpen(null);
  };

  return (
    <section class="fleet" aria-label={t('nav.fleet')}>
      <OfflineBanner />
      <UrgentStrip />
      <StatusTiles />
      <Toolbar fleet={fleet} onAction={setOpen} />
      {fleet.customers.length === 0 ? (
        <EmptyFleet
          onAddCustomer={() => {
            setOpen({ kind: 'customer' });
          }}
        />
      ) : (
        <div class="panes">
          <div class="tree-pane">
            {tree.length > 0 ? (
              <Tree tree={tree} />
            ) : (
              <p class="muted no-match">
                {t('tree.noMatch')}{' '}
                {isFiltered(filter.value) ? (
                  <button
                    type="button"
                    class="link"
                    onClick={() => {
                      filter.value = NO_FILTER;
                    }}
                  >
                    {t('tree.clearFilters')}
                  </button>
                ) : null}
              </p>
            )}
          </div>
          <StatusPane />
          <Detail
            fleet={fleet}
            onEdit={(target) => {
              setOpen({ kind: 'edit', target });
            }}
            onDelete={(target) => {
              setOpen({ kind: 'delete', target });
            }}
          />
        </div>
      )}
      {open ? <OpenDialog fleet={fleet} open={open} onClose={close} /> : null}
    </section>
  );
}
