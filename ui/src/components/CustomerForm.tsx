import type { Customer, FleetChange } from '../bindings';
import { customerDraft, validateCustomer } from '../fleet/forms';
import { t } from '../i18n';
import { TextArea, TextInput } from './Fields';
import { FormDialog, IdField, useEntityForm } from './FormDialog';

export function CustomerForm({ editing, onClose }: { editing?: Customer | undefined; onClose: () => void }) {
  const { draft, set, submit, errors, invalid, saving } = useEntityForm({
    initial: () => customerDraft(editing),
    validate: validateCustomer,
    toChange: (customer: Customer): FleetChange =>
      editing ? { kind: 'UpdateCustomer', customer } : { kind: 'CreateCustomer', customer },
    kind: 'customer',
    onClose,
  });

  return (
    <FormDialog
      title={editing ? t('form.editCustomer') : t('form.newCustomer')}
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
