// Labelled form controls. Each control sits inside its <label>, so clicking the label
// focuses it and screen readers name it without id bookkeeping.
import type { ComponentChildren } from 'preact';

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
