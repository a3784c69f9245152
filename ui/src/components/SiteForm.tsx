import { useState } from 'preact/hooks';
import type { Fleet, Site } from '../bindings';
import { siteDraft, validateSite, type SiteDraft } from '../fleet/forms';
import { customerOptions } from '../fleet/options';
import { t } from '../i18n';
import { Select, TextArea, TextInput } from './Fields';
import { FormDialog, useSave } from './FormDialog';

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
  const [draft, setDraft] = useState(() => siteDraft(editing, customer));
  const { errors, invalid, saving, rejectLocally, save } = useSave(onClose);
  const set = (key: keyof SiteDraft) => (value: string) => {
    setDraft((d) => ({ ...d, [key]: value }));
  };

  const submit = () => {
    const checked = validateSite(draft);
    if (!checked.ok) {
      rejectLocally(checked.errors);
      return;
    }
    const site = checked.value;
    void save(editing ? { kind: 'UpdateSite', site } : { kind: 'CreateSite', site }, {
      kind: 'site',
      id: site.id,
    });
  };

  return (
    <FormDialog
      title={editing ? t('form.editSite') : t('form.newSite')}
      errors={errors}
      saving={saving}
      onSubmit={submit}
      onClose={onClose}
    >
      <TextInput
        testId="field-id"
        label={t('field.id')}
        value={draft.id}
        onValue={set('id')}
        readOnly={editing !== undefined}
        hint={editing ? undefined : t('form.idHint')}
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
