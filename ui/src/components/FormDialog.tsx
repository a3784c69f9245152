// The frame every entity form shares: the dialog, the error list, Save and Cancel, and
// the save itself (client checks first, then `apply_fleet_change`).
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { FleetChange, IpcError } from '../bindings';
import type { FieldError, FormField, Validated } from '../fleet/forms';
import type { EntityKind, EntityRef } from '../fleet/tree';
import { t, type MessageKey } from '../i18n';
import { setFleet } from '../state';
import { Dialog } from './Dialog';
import { FormErrors, TextInput } from './Fields';

export const FIELD_LABEL: Record<FormField, MessageKey> = {
  id: 'field.id',
  name: 'field.name',
  notes: 'field.notes',
  customer: 'field.customer',
  timezone: 'field.timezone',
  site: 'field.site',
  host: 'field.host',
  tags: 'field.tags',
  parent: 'field.parent',
  sshUser: 'field.sshUser',
  sshPort: 'field.sshPort',
  sshJump: 'field.sshJump',
  sshCredential: 'field.sshCredential',
};

export function useSave(onDone: () => void) {
  const [errors, setErrors] = useState<string[]>([]);
  const [invalid, setInvalid] = useState<ReadonlySet<FormField>>(new Set());
  const [saving, setSaving] = useState(false);

  const rejectLocally = (found: FieldError[]) => {
    setErrors(found.map((e) => `${t(FIELD_LABEL[e.field])}: ${t(e.message)}`));
    setInvalid(new Set(found.map((e) => e.field)));
  };

  const save = async (change: FleetChange, select: EntityRef) => {
    setSaving(true);
    setErrors([]);
    setInvalid(new Set());
    try {
      setFleet(await call('apply_fleet_change', { change }), select);
      onDone();
    } catch (e) {
      setErrors(errorLines(e as IpcError));
      setSaving(false);
    }
  };

  return { errors, invalid, saving, rejectLocally, save };
}

/** What every entity form does: keep a draft, check it locally, then save it as a
 * create or update change and select the saved entity. */
export function useEntityForm<D extends object, V extends { id: string }>(opts: {
  initial: () => D;
  validate: (draft: D) => Validated<V>;
  toChange: (value: V) => FleetChange;
  kind: EntityKind;
  onClose: () => void;
}) {
  const [draft, setDraft] = useState(opts.initial);
  const { errors, invalid, saving, rejectLocally, save } = useSave(opts.onClose);
  const set = (key: keyof D) => (value: string) => {
    setDraft((d) => ({ ...d, [key]: value }));
  };
  const submit = () => {
    const checked = opts.validate(draft);
    if (!checked.ok) {
      rejectLocally(checked.errors);
      return;
    }
    void save(opts.toChange(checked.value), { kind: opts.kind, id: checked.value.id });
  };
  return { draft, set, submit, errors, invalid, saving };
}

/** The id field: typed once when creating, read-only afterwards (ids are references). */
export function IdField(props: {
  value: string;
  onValue: (v: string) => void;
  editing: boolean;
  invalid: boolean;
}) {
  return (
    <TextInput
      testId="field-id"
      label={t('field.id')}
      value={props.value}
      onValue={props.onValue}
      readOnly={props.editing}
      hint={props.editing ? undefined : t('form.idHint')}
      invalid={props.invalid}
    />
  );
}

type Props = {
  title: string;
  errors: string[];
  saving: boolean;
  onSubmit: () => void;
  onClose: () => void;
  children: ComponentChildren;
};

export function FormDialog({ title, errors, saving, onSubmit, onClose, children }: Props) {
  return (
    <Dialog testId="entity-form" title={title} onClose={onClose} wide>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!saving) onSubmit();
        }}
        onKeyDown={(e) => {
          // Enter in a text area is a new line; Ctrl+Enter saves from anywhere.
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            if (!saving) onSubmit();
          }
        }}
      >
        <FormErrors lines={errors} testId="form-error" heading={t('form.notSaved')} />
        <div class="form-grid">{children}</div>
        <div class="actions">
          <button type="button" data-testid="form-cancel" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="primary" data-testid="form-save" disabled={saving}>
            {saving ? t('form.saving') : t('form.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
