// Asks before deleting, and says what goes with it.
import { useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { FleetChange, Fleet, IpcError } from '../bindings';
import { ancestors, dependents, descendants, endpointLabel, type EntityRef } from '../fleet/tree';
import { count, t } from '../i18n';
import { setFleet } from '../state';
import { Dialog } from './Dialog';
import { DeleteActions, FormErrors } from './Fields';

function question(fleet: Fleet, ref: EntityRef): string {
  const n = descendants(fleet, ref);
  switch (ref.kind) {
    case 'customer': {
      const name = fleet.customers.find((c) => c.id === ref.id)?.name ?? ref.id;
      return n.sites === 0
        ? t('delete.customerAlone', { name })
        : t('delete.customer', {
            name,
            sites: count(n.sites, 'sites'),
            endpoints: count(n.endpoints, 'endpoints'),
          });
    }
    case 'site': {
      const name = fleet.sites.find((s) => s.id === ref.id)?.name ?? ref.id;
      return n.endpoints === 0
        ? t('delete.siteAlone', { name })
        : t('delete.site', { name, endpoints: count(n.endpoints, 'endpoints') });
    }
    case 'endpoint': {
      const e = fleet.endpoints.find((x) => x.id === ref.id);
      return t('delete.endpoint', { name: e ? endpointLabel(e) : ref.id });
    }
  }
}

function change(ref: EntityRef): FleetChange {
  switch (ref.kind) {
    case 'customer':
      return { kind: 'DeleteCustomer', id: ref.id };
    case 'site':
      return { kind: 'DeleteSite', id: ref.id };
    case 'endpoint':
      return { kind: 'DeleteEndpoint', id: ref.id };
  }
}

/** What to select once `ref` is gone: the level above it. */
function parentOf(fleet: Fleet, ref: EntityRef): EntityRef | undefined {
  const { customer, site } = ancestors(fleet, ref);
  if (ref.kind === 'endpoint' && site) return { kind: 'site', id: site };
  if (ref.kind === 'site' && customer) return { kind: 'customer', id: customer };
  return undefined;
}

export function DeleteDialog({
  fleet,
  target,
  onClose,
}: {
  fleet: Fleet;
  target: EntityRef;
  onClose: () => void;
}) {
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const blockers = dependents(fleet, target);

  const confirm = async () => {
    setBusy(true);
    try {
      const next = await call('apply_fleet_change', { change: change(target) });
      const parent = parentOf(fleet, target);
      setFleet(next, parent);
      onClose();
    } catch (e) {
      setErrors(errorLines(e as IpcError));
      setBusy(false);
    }
  };

  return (
    <Dialog testId="delete-dialog" title={t('delete.title')} onClose={onClose}>
      <p class="question">{question(fleet, target)}</p>
      {blockers.length > 0 ? (
        <p class="warning">{t('delete.usedBy', { ids: blockers.map((e) => e.id).join(', ') })}</p>
      ) : null}
      <FormErrors lines={errors} testId="form-error" />
      <DeleteActions
        busy={busy}
        testId="confirm-delete"
        onCancel={onClose}
        onConfirm={() => {
          void confirm();
        }}
      />
    </Dialog>
  );
}
