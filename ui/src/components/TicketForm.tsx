// Open a ticket: customer, optional endpoint of that customer, title, priority, and the
// SLA policy (by default the customer's contract).
import { useEffect, useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { Fleet, IpcError, Priority, SlaConfigInfo } from '../bindings';
import { customerOptions } from '../fleet/options';
import { buildTree, endpointLabel } from '../fleet/tree';
import { t } from '../i18n';
import { refreshBoard } from '../sla/board';
import { PRIORITIES } from '../sla/format';
import { Dialog } from './Dialog';
import type { OptionGroup } from './Fields';
import { FormErrors, Select, TextInput } from './Fields';

/** The endpoints of one customer, grouped by site. */
export function customerEndpoints(fleet: Fleet, customer: string): OptionGroup[] {
  return buildTree(fleet)
    .filter((c) => c.customer.id === customer)
    .flatMap((c) =>
      c.sites
        .filter((s) => s.endpoints.length > 0)
        .map(({ site, endpoints }) => ({
          label: site.name,
          options: endpoints.map((e) => {
            const name = endpointLabel(e);
            return { value: e.id, label: name === e.id ? e.id : `${name} (${e.id})` };
          }),
        })),
    );
}

/** What an empty policy means for this customer, in words. */
function defaultPolicy(info: SlaConfigInfo | null, customer: string): string {
  const contract = info?.contracts.find(([c]) => c === customer)?.[1];
  if (contract !== undefined) return t('ticket.policyContract', { policy: contract });
  const only = info?.policies.length === 1 ? info.policies[0] : undefined;
  if (only !== undefined) return t('ticket.policyOnly', { policy: only });
  return t('ticket.policyDefault');
}

export function TicketForm({
  fleet,
  customer: initialCustomer,
  onClose,
  onOpened,
}: {
  fleet: Fleet;
  customer: string;
  onClose: () => void;
  onOpened: (id: number) => void;
}) {
  const [customer, setCustomer] = useState(initialCustomer);
  const [endpoint, setEndpoint] = useState('');
  const [title, setTitle] = useState('');
  const [priority, setPriority] = useState<Priority>('P3');
  const [policy, setPolicy] = useState('');
  const [info, setInfo] = useState<SlaConfigInfo | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    call('sla_config_info', {}).then(setInfo, () => {
      setInfo(null);
    });
  }, []);

  const submit = async () => {
    const missing = [
      customer === '' ? `${t('field.customer')}: ${t('err.required')}` : null,
      title.trim() === '' ? `${t('ticket.title')}: ${t('err.required')}` : null,
    ].filter((x): x is string => x !== null);
    if (missing.length > 0) {
      setErrors(missing);
      return;
    }
    setSaving(true);
    setErrors([]);
    try {
      const opened = await call('open_ticket', {
        ticket: {
          customer,
          endpoint: endpoint === '' ? null : endpoint,
          title: title.trim(),
          priority,
          policy: policy === '' ? null : policy,
        },
      });
      void refreshBoard();
      onOpened(opened.id);
    } catch (e) {
      setErrors(errorLines(e as IpcError));
      setSaving(false);
    }
  };

  return (
    <Dialog testId="ticket-form" title={t('ticket.new')} onClose={onClose} wide>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!saving) void submit();
        }}
      >
        <FormErrors lines={errors} testId="ticket-form-error" heading={t('form.notSaved')} />
        <div class="form-grid">
          <Select
            testId="ticket-field-customer"
            label={t('field.customer')}
            value={customer}
            onValue={(v) => {
              setCustomer(v);
              setEndpoint('');
            }}
            empty={t('form.choose')}
            options={customerOptions(fleet)}
            invalid={errors.length > 0 && customer === ''}
          />
          <Select
            testId="ticket-field-endpoint"
            label={t('ticket.endpoint')}
            value={endpoint}
            onValue={setEndpoint}
            empty={t('form.none')}
            groups={customerEndpoints(fleet, customer)}
          />
          <TextInput
            testId="ticket-field-title"
            label={t('ticket.title')}
            value={title}
            onValue={setTitle}
            invalid={errors.length > 0 && title.trim() === ''}
          />
          <Select
            testId="ticket-field-priority"
            label={t('ticket.priority')}
            value={priority}
            onValue={(v) => {
              setPriority(PRIORITIES.find((p) => p === v) ?? 'P3');
            }}
            options={PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))}
          />
          <Select
            testId="ticket-field-policy"
            label={t('ticket.policy')}
            value={policy}
            onValue={setPolicy}
            empty={defaultPolicy(info, customer)}
            options={(info?.policies ?? []).map((p) => ({ value: p, label: p }))}
          />
        </div>
        <div class="actions">
          <button type="button" data-testid="ticket-cancel" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="primary" data-testid="ticket-save" disabled={saving}>
            {saving ? t('form.saving') : t('ticket.open')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
