import type { Fleet, FleetChange, Site } from '../bindings';
import { siteDraft, validateSite } from '../fleet/forms';
import { customerOptions } from '../fleet/options';
import { t } from '../i18n';
import { Select, TextArea, TextInput } from './Fields';
import { FormDialog, IdField, useEntityForm } from './FormDialog';

/** Time zones MSPs in and around Korea meet most; any other IANA name can be typed. */
const COMMON_TIME_ZONES = [
  'Asia/Seoul',
  'Asia/Tokyo',
  'Asia/Shanghai',
  'Asia/Hong_Kong',
  'Asia/Taipei',
  'Asia/Singapore',
  'Asia/Ho_Chi_Minh',
  'Asia/Bangkok',
  'Asia/Jakarta',
  'Asia/Manila',
  'Asia/Kolkata',
  'Asia/Dubai',
  'Australia/Sydney',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Paris',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'UTC',
];

type Props = { fleet: Fleet; editing?: Site | undefined; customer: string; onClose: () => void };

export function SiteForm({ fleet, editing, customer, onClose }: Props) {
  const { draft, set, submit, errors, invalid, saving } = useEntityForm({
    initial: () => siteDraft(editing, customer),
    validate: validateSite,
    toChange: (site: Site): FleetChange =>
      editing ? { kind: 'UpdateSite', site } : { kind: 'CreateSite', site },
    kind: 'site',
    onClose,
  });

  return (
    <FormDialog
      title={editing ? t('form.editSite') : t('form.newSite')}
      errors={errors}
      saving={saving}
      onSubmit={submit}
      onClose={onClose}
    >
      <IdField
        value={draft.id}
        onValue={set('id')}
        editing={editing !== undefined}
        invalid={invalid.has('id')}
      />
      <Select
        testId="field-customer"
        label={t('field.customer')}
        value={draft.customer}
        onValue={set('customer')}
        empty={t('form.choose')}
        options={customerOptions(fleet)}
        invalid={invalid.has('customer')}
      />
      <TextInput
        testId="field-name"
        label={t('field.name')}
        value={draft.name}
        onValue={set('name')}
        invalid={invalid.has('name')}
      />
      <TextInput
        testId="field-timezone"
        label={t('field.timezone')}
        value={draft.timezone}
        onValue={set('timezone')}
        list="common-time-zones"
        hint={t('form.timezoneHint')}
        invalid={invalid.has('timezone')}
      />
      <datalist id="common-time-zones">
        {COMMON_TIME_ZONES.map((tz) => (
          <option key={tz} value={tz} />
        ))}
      </datalist>
      <TextArea testId="field-notes" label={t('field.notes')} value={draft.notes} onValue={set('notes')} />
    </FormDialog>
  );
}
