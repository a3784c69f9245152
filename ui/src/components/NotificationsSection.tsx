// Notifications: the centre (every notification, shown on the desktop or held and why,
// newest first) and the settings that decide what reaches the desktop. Summaries and
// bodies come from tickets and servers: text only, line breaks kept.
import { useEffect, useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { CentreEntry, Fleet, IpcError, NotifySettings } from '../bindings';
import { customerOptions } from '../fleet/options';
import { t, type MessageKey } from '../i18n';
import { fullTime } from '../sla/format';
import { fleet as fleetSignal, openItem } from '../state';
import { Checkbox, TextInput } from './Fields';

const CENTRE_REFRESH_MS = 10_000;

const HELD_LABEL: Record<string, MessageKey> = {
  disabled: 'held.disabled',
  do_not_disturb: 'held.do_not_disturb',
  quiet_hours: 'held.quiet_hours',
  muted: 'held.muted',
  outside_service_hours: 'held.outside_service_hours',
};

/** The reason an entry was held, in words, or `null` for a reason the planner does not
 * name (the desktop daemon's own error, shown as it came). */
export function heldReason(held: string): string | null {
  const key = Object.hasOwn(HELD_LABEL, held) ? HELD_LABEL[held] : undefined;
  return key ? t(key) : null;
}

function Entry({ entry }: { entry: CentreEntry }) {
  const target = entry.open;
  const reason = entry.shown ? null : heldReason(entry.held);
  const open = target
    ? () => {
        openItem(target);
      }
    : undefined;
  return (
    <li
      class={`centre-entry ${entry.urgency}${open ? ' openable' : ''}`}
      data-testid={`notification-entry-${String(entry.id)}`}
      onClick={open}
    >
      <div class="centre-head">
        <time dateTime={entry.at} class="muted">
          {fullTime(entry.at)}
        </time>
        {entry.shown ? (
          <span class="badge shown">{t('centre.shown')}</span>
        ) : (
          <span class="badge held">{t('centre.held', { reason: reason ?? t('held.failed') })}</span>
        )}
      </div>
      {open ? (
        <button
          type="button"
          class="link centre-summary"
          onClick={(e) => {
            e.stopPropagation();
            open();
          }}
        >
          {entry.summary}
        </button>
      ) : (
        <strong class="centre-summary">{entry.summary}</strong>
      )}
      {entry.body.trim() !== '' ? <p class="centre-body">{entry.body}</p> : null}
      {!entry.shown && reason === null && entry.held.trim() !== '' ? (
        <p class="centre-failure">{entry.held}</p>
      ) : null}
    </li>
  );
}

function Centre() {
  const [entries, setEntries] = useState<CentreEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    try {
      const list = await call('notification_centre', {});
      // Newest first, whatever order they came in.
      setEntries([...list].sort((a, b) => b.at.localeCompare(a.at) || b.id - a.id));
      setError(null);
    } catch (e) {
      setError((e as IpcError).message);
    }
  };

  useEffect(() => {
    void load();
    const timer = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') void load();
    }, CENTRE_REFRESH_MS);
    return () => {
      window.clearInterval(timer);
    };
  }, []);

  return (
    <div class="centre" data-testid="notification-centre">
      <div class="centre-title">
        <h2>{t('centre.title')}</h2>
        <button
          type="button"
          data-testid="notification-refresh"
          onClick={() => {
            void load();
          }}
        >
          {t('centre.refresh')}
        </button>
      </div>
      {error !== null ? (
        <p class="form-errors" role="alert">
          {error}
        </p>
      ) : null}
      {entries === null ? (
        error === null ? (
          <p class="muted">{t('app.loading')}</p>
        ) : null
      ) : entries.length === 0 ? (
        <p class="muted" data-testid="notification-none">
          {t('centre.empty')}
        </p>
      ) : (
        <ul class="centre-list">
          {entries.map((e) => (
            <Entry key={e.id} entry={e} />
          ))}
        </ul>
      )}
    </div>
  );
}

type Draft = {
  enabled: boolean;
  dnd: boolean;
  quietFrom: string;
  quietTo: string;
  timezone: string;
  repeat: string;
  muted: string[];
  serviceHours: boolean;
};

function toDraft(s: NotifySettings): Draft {
  return {
    enabled: s.enabled,
    dnd: s.do_not_disturb,
    quietFrom: s.quiet_from ?? '',
    quietTo: s.quiet_to ?? '',
    timezone: s.timezone ?? '',
    repeat: String(s.repeat_minutes),
    muted: [...s.muted_customers],
    serviceHours: s.warnings_in_service_hours_only,
  };
}

/** The settings a draft describes, or what keeps it from being sent. Times, zones and
 * ranges are checked by the Rust side, which says what is wrong. */
export function fromDraft(d: Draft): { ok: true; value: NotifySettings } | { ok: false; error: string } {
  const repeat = d.repeat.trim();
  if (!/^\d{1,9}$/.test(repeat)) return { ok: false, error: t('notify.repeatInvalid') };
  const opt = (v: string) => (v.trim() === '' ? null : v.trim());
  return {
    ok: true,
    value: {
      enabled: d.enabled,
      do_not_disturb: d.dnd,
      quiet_from: opt(d.quietFrom),
      quiet_to: opt(d.quietTo),
      timezone: opt(d.timezone),
      repeat_minutes: Number(repeat),
      muted_customers: d.muted,
      warnings_in_service_hours_only: d.serviceHours,
    },
  };
}

function mutedOptions(fleet: Fleet | null, muted: string[]) {
  const known = fleet ? customerOptions(fleet) : [];
  const gone = muted
    .filter((id) => !known.some((o) => o.value === id))
    .map((id) => ({ value: id, label: id }));
  return [...known, ...gone];
}

function SettingsForm() {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    call('get_notify_settings', {}).then(
      (s) => {
        setDraft(toDraft(s));
      },
      (e: unknown) => {
        setLoadError((e as IpcError).message);
      },
    );
  }, []);

  if (loadError !== null)
    return (
      <p class="form-errors" role="alert" data-testid="notify-error">
        {loadError}
      </p>
    );
  if (!draft) return <p class="muted">{t('app.loading')}</p>;

  const set =
    <K extends keyof Draft>(key: K) =>
    (value: Draft[K]) => {
      setDraft((d) => (d ? { ...d, [key]: value } : d));
      setSaved(false);
    };

  const save = async () => {
    const checked = fromDraft(draft);
    if (!checked.ok) {
      setErrors([checked.error]);
      return;
    }
    setSaving(true);
    setErrors([]);
    try {
      setDraft(toDraft(await call('set_notify_settings', { settings: checked.value })));
      setSaved(true);
    } catch (e) {
      setErrors(errorLines(e as IpcError));
    } finally {
      setSaving(false);
    }
  };

  const options = mutedOptions(fleetSignal.value, draft.muted);
  return (
    <form
      class="notify-settings"
      data-testid="notify-settings"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!saving) void save();
      }}
    >
      <h2>{t('notify.title')}</h2>
      {errors.length > 0 ? (
        <div class="form-errors" role="alert" data-testid="notify-error">
          <p>{t('form.notSaved')}</p>
          {errors.map((line, i) => (
            <p key={i}>{line}</p>
          ))}
        </div>
      ) : null}
      <Checkbox
        testId="notify-settings-enabled"
        label={t('notify.enabled')}
        checked={draft.enabled}
        onChecked={set('enabled')}
      />
      <Checkbox
        testId="notify-settings-dnd"
        label={t('notify.dnd')}
        checked={draft.dnd}
        onChecked={set('dnd')}
      />
      <fieldset class="quiet">
        <legend>{t('notify.quiet')}</legend>
        <TextInput
          testId="notify-settings-quiet-from"
          label={t('notify.quietFrom')}
          value={draft.quietFrom}
          onValue={set('quietFrom')}
          placeholder="22:00"
        />
        <TextInput
          testId="notify-settings-quiet-to"
          label={t('notify.quietTo')}
          value={draft.quietTo}
          onValue={set('quietTo')}
          placeholder="07:00"
        />
      </fieldset>
      <p class="hint">{t('notify.quietHint')}</p>
      <TextInput
        testId="notify-settings-timezone"
        label={t('notify.timezone')}
        value={draft.timezone}
        onValue={set('timezone')}
        placeholder="Asia/Seoul"
        hint={t('notify.timezoneHint')}
      />
      <TextInput
        testId="notify-settings-repeat"
        label={t('notify.repeat')}
        value={draft.repeat}
        onValue={set('repeat')}
        inputMode="numeric"
        hint={t('notify.repeatHint')}
      />
      <label class="field">
        <span class="field-label">{t('notify.muted')}</span>
        <select
          multiple
          data-testid="notify-settings-muted"
          size={Math.min(6, Math.max(3, options.length))}
          onChange={(e) => {
            set('muted')([...e.currentTarget.selectedOptions].map((o) => o.value));
          }}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value} selected={draft.muted.includes(o.value)}>
              {o.label}
            </option>
          ))}
        </select>
        <span class="hint">{t('notify.mutedHint')}</span>
      </label>
      <Checkbox
        testId="notify-settings-service-hours"
        label={t('notify.serviceHours')}
        checked={draft.serviceHours}
        onChecked={set('serviceHours')}
      />
      <div class="actions start">
        <button type="submit" class="primary" data-testid="notify-save" disabled={saving}>
          {saving ? t('form.saving') : t('form.save')}
        </button>
        {saved ? (
          <span class="status" role="status" data-testid="notify-saved">
            {t('notify.saved')}
          </span>
        ) : null}
      </div>
    </form>
  );
}

export function NotificationsSection() {
  return (
    <section class="notifications" aria-label={t('nav.notifications')}>
      <Centre />
      <SettingsForm />
    </section>
  );
}
