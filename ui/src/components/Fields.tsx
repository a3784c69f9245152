// Labelled form controls. Each control sits inside its <label>, so clicking the label
// focuses it and screen readers name it without id bookkeeping.
import type { ComponentChildren } from 'preact';
import { t } from '../i18n';

type Base = { testId: string; label: string; hint?: string; invalid?: boolean };

function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string | undefined;
  children: ComponentChildren;
}) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      {children}
      {hint ? <span class="hint">{hint}</span> : null}
    </label>
  );
}

export function TextInput(
  props: Base & {
    value: string;
    onValue: (v: string) => void;
    readOnly?: boolean;
    list?: string;
    inputMode?: 'numeric' | 'text';
    placeholder?: string;
  },
) {
  return (
    <Field label={props.label} hint={props.hint}>
      <input
        type="text"
        data-testid={props.testId}
        value={props.value}
        readOnly={props.readOnly}
        list={props.list}
        inputMode={props.inputMode}
        placeholder={props.placeholder}
        aria-invalid={props.invalid ? 'true' : undefined}
        spellcheck={false}
        autoComplete="off"
        onInput={(e) => {
          props.onValue(e.currentTarget.value);
        }}
      />
    </Field>
  );
}

export function TextArea(props: Base & { value: string; onValue: (v: string) => void }) {
  return (
    <Field label={props.label} hint={props.hint}>
      <textarea
        data-testid={props.testId}
        value={props.value}
        rows={3}
        aria-invalid={props.invalid ? 'true' : undefined}
        onInput={(e) => {
          props.onValue(e.currentTarget.value);
        }}
      />
    </Field>
  );
}

export type Option = { value: string; label: string };
export type OptionGroup = { label: string; options: Option[] };

export function Select(
  props: Base & {
    value: string;
    onValue: (v: string) => void;
    /** Shown first, value "". */
    empty?: string;
    options?: Option[];
    groups?: OptionGroup[];
  },
) {
  return (
    <Field label={props.label} hint={props.hint}>
      <select
        data-testid={props.testId}
        value={props.value}
        aria-invalid={props.invalid ? 'true' : undefined}
        onChange={(e) => {
          props.onValue(e.currentTarget.value);
        }}
      >
        {props.empty !== undefined ? <option value="">{props.empty}</option> : null}
        <Options options={props.options} groups={props.groups} />
      </select>
    </Field>
  );
}

/** A labelled checkbox. */
export function Checkbox(props: {
  testId: string;
  label: string;
  checked: boolean;
  onChecked: (v: boolean) => void;
}) {
  return (
    <label class="check">
      <input
        type="checkbox"
        data-testid={props.testId}
        checked={props.checked}
        onChange={(e) => {
          props.onChecked(e.currentTarget.checked);
        }}
      />
      {props.label}
    </label>
  );
}

/** The `<option>`s of a select: plain, or grouped under `<optgroup>`s. */
export function Options(props: { options?: Option[] | undefined; groups?: OptionGroup[] | undefined }) {
  return (
    <>
      {props.options?.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
      {props.groups?.map((g) => (
        <optgroup key={g.label} label={g.label}>
          {g.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </optgroup>
      ))}
    </>
  );
}

/**
 * Why a form or a dialog did not do its work: the backend's lines, as text, under an
 * optional heading ("Nothing was saved"). Nothing when there are none.
 */
export function FormErrors(props: { lines: string[]; testId: string; heading?: string }) {
  if (props.lines.length === 0) return null;
  const items = props.lines.map((line, i) => <li key={i}>{line}</li>);
  return props.heading === undefined ? (
    <ul class="form-errors" role="alert" data-testid={props.testId}>
      {items}
    </ul>
  ) : (
    <div class="form-errors" role="alert" data-testid={props.testId}>
      <p>{props.heading}</p>
      <ul>{items}</ul>
    </div>
  );
}

/** Cancel and a red confirm button for a dialog that deletes; the confirm says it works. */
export function DeleteActions(props: {
  busy: boolean;
  testId: string;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <div class="actions">
      <button type="button" data-autofocus onClick={props.onCancel}>
        {t('common.cancel')}
      </button>
      <button
        type="button"
        class="danger"
        data-testid={props.testId}
        disabled={props.busy}
        onClick={props.onConfirm}
      >
        {props.busy ? t('delete.working') : t('delete.confirm')}
      </button>
    </div>
  );
}
