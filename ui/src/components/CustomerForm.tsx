import { useState } from 'preact/hooks';
import type { Customer } from '../bindings';
import { customerDraft, validateCustomer, type CustomerDraft } from '../fleet/forms';
import { t } from '../i18n';
import { TextArea, TextInput } from './Fields';
import { FormDialog, useSave } from './FormDialog';

export function CustomerForm({ editing, onClose }: { editing?: Customer | undefined; onClose: () => void }) {
  const [draft, setDraft] = useState(() => customerDraft(editing));
  const { errors, invalid, saving, rejectLocally, save } = useSave(onClose);
  const set = (key: keyof CustomerDraft) => (value: string) => {
    setDraft((d) => ({ ...d, [key]: value }));
  };

  const submit = () => {
    const checked = validateCustomer(draft);
    if (!checked.ok) {
      rejectLocally(checked.errors);
      return;
    }
    const customer = checked.value;
    void save(editing ? { kind: 'UpdateCustomer', customer } : { kind: 'CreateCustomer', customer }, {
      kind: 'customer',
      id: customer.id,
    });
  };

  return (
    <FormDialog
      title={editing ? t('form.editCustomer') : t('form.newCustomer')}
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
      <TextInput
        testId="field-name"
        label={t('field.name')}
        value={draft.name}
        onValue={set('name')}
        invalid={invalid.has('name')}
      />
      <TextArea testId="field-notes" label={t('field.notes')} value={draft.notes} onValue={set('notes')} />
    </FormDialog>
  );
}
