// Maintenance windows in the detail of a customer, site or endpoint: the windows that
// cover it (its own, and those inherited from its site and customer), whether each is in
// force now, Remove, and a form to add one. One-off times are typed in the site's time
// zone (this computer's for a customer, whose sites may be in several); weekly times
// apply in each site's own zone, as the engine reads them. Reasons come from people:
// rendered as text only.
import { useEffect, useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { Fleet, IpcError, MaintenanceMode, MaintenanceWindow, Schedule } from '../bindings';
import { endpointLabel, type EntityRef } from '../fleet/tree';
import { t, type MessageKey } from '../i18n';
import {
  activeFor,
  addMinutes,
  describeWindow,
  localZone,
  nextHour,
  parseClock,
  parseInputValue,
  siteZoneOf,
  toInputValue,
  usableZone,
  WEEK_MINUTES,
  WEEKDAYS,
  weekdayNames,
  windowsFor,
  zonedToUnix,
} from '../status/maintenance';
import { statusNow } from '../status/store';
import { Dialog } from './Dialog';
import { FormErrors, TextInput } from './Fields';

const MODES: MaintenanceMode[] = ['stop_notifying', 'stop_checking'];
const MODE_LABEL: Record<MaintenanceMode, MessageKey> = {
  stop_notifying: 'maintenance.modeLabel.stop_notifying',
  stop_checking: 'maintenance.modeLabel.stop_checking',
};
type Kind = Schedule['kind'];
const KINDS: Kind[] = ['once', 'weekly'];
const KIND_LABEL: Record<Kind, MessageKey> = {
  once: 'maintenance.kind.once',
  weekly: 'maintenance.kind.weekly',
};

export type MaintenanceDraft = {
  mode: MaintenanceMode;
  kind: Kind;
  /** `<input type="datetime-local">` values, in `zone`. */
  from: string;
  to: string;
  days: number[];
  /** "HH:MM". */
  start: string;
  hours: string;
  minutes: string;
  reason: string;
};

/** A first draft: hold alerts, once, from the next full hour for two hours. */
export function initialDraft(nowS: number, zone: string): MaintenanceDraft {
  const from = nextHour(nowS, zone);
  return {
    mode: 'stop_notifying',
    kind: 'once',
    from: toInputValue(from),
    to: toInputValue(addMinutes(from, 120)),
    days: [],
    start: '02:00',
    hours: '2',
    minutes: '0',
    reason: '',
  };
}

function wholeNumber(value: string): number | null {
  return /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : null;
}

/**
 * The window a draft describes (its `id` is left for the store to give), or what is wrong
 * with it. One-off times are read in `zone`.
 */
export function draftToWindow(
  draft: MaintenanceDraft,
  scope: EntityRef,
  zone: string,
): { ok: true; window: MaintenanceWindow } | { ok: false; errors: MessageKey[] } {
  const errors: MessageKey[] = [];
  let schedule: Schedule | null = null;
  if (draft.kind === 'once') {
    const from = parseInputValue(draft.from);
    const to = parseInputValue(draft.to);
    if (!from) errors.push('maintenance.error.from');
    if (!to) errors.push('maintenance.error.to');
    if (from && to) {
      const fromS = zonedToUnix(from, zone);
      const toS = zonedToUnix(to, zone);
      if (toS <= fromS) errors.push('maintenance.error.order');
      else schedule = { kind: 'once', from: fromS, to: toS };
    }
  } else {
    const days = [...new Set(draft.days)].sort((a, b) => a - b);
    const start = parseClock(draft.start);
    const hours = wholeNumber(draft.hours === '' ? '0' : draft.hours);
    const mins = wholeNumber(draft.minutes === '' ? '0' : draft.minutes);
    if (days.length === 0) errors.push('maintenance.error.days');
    if (start === null) errors.push('maintenance.error.start');
    const length = hours === null || mins === null ? null : hours * 60 + mins;
    if (length === null || length < 1 || length > WEEK_MINUTES) errors.push('maintenance.error.length');
    if (errors.length === 0 && start !== null && length !== null) {
      schedule = { kind: 'weekly', days, start_minute: start, minutes: length };
    }
  }
  if (errors.length > 0 || !schedule) return { ok: false, errors };
  return {
    ok: true,
    window: {
      id: 0,
      scope: { kind: scope.kind, id: scope.id },
      mode: draft.mode,
      schedule,
      reason: draft.reason.trim(),
    },
  };
}

function entityName(fleet: Fleet, ref: EntityRef): string {
  switch (ref.kind) {
    case 'customer': {
      const c = fleet.customers.find((x) => x.id === ref.id);
      return c?.name || ref.id;
    }
    case 'site': {
      const s = fleet.sites.find((x) => x.id === ref.id);
      return s?.name || ref.id;
    }
    case 'endpoint': {
      const e = fleet.endpoints.find((x) => x.id === ref.id);
      return e ? endpointLabel(e) : ref.id;
    }
  }
}

export function MaintenanceForm({
  fleet,
  entity,
  onClose,
  onSaved,
}: {
  fleet: Fleet;
  entity: EntityRef;
  onClose: () => void;
  onSaved: () => void;
}) {
  const siteZone = siteZoneOf(fleet, entity);
  // One-off times are typed in the site's zone; a customer's in this computer's.
  const zone = siteZone === null ? localZone() : usableZone(siteZone);
  const [draft, setDraft] = useState(() => initialDraft(Math.floor(Date.now() / 1000), zone));
  const [errors, setErrors] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof MaintenanceDraft>(key: K, value: MaintenanceDraft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
  };
  const names = weekdayNames();

  const submit = async () => {
    const built = draftToWindow(draft, entity, zone);
    if (!built.ok) {
      setErrors(built.errors.map((e) => t(e)));
      return;
    }
    setSaving(true);
    setErrors([]);
    try {
      await call('add_maintenance', { window: built.window });
      onSaved();
      onClose();
    } catch (e) {
      // The store's reason, as it gave it; the draft stays as typed.
      setErrors(errorLines(e as IpcError));
      setSaving(false);
    }
  };

  const zoneHint =
    draft.kind === 'once'
      ? siteZone === null
        ? t('maintenance.zoneHint.local', { zone })
        : t('maintenance.zoneHint.site', { zone })
      : siteZone === null
        ? t('maintenance.zoneHint.eachSite')
        : t('maintenance.zoneHint.site', { zone });

  return (
    <Dialog
      testId="maintenance-form"
      title={t('maintenance.formTitle', { name: entityName(fleet, entity) })}
      onClose={onClose}
      wide
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!saving) void submit();
        }}
      >
        <FormErrors lines={errors} testId="maintenance-error" heading={t('form.notSaved')} />
        <fieldset class="choice">
          <legend>{t('maintenance.mode')}</legend>
          {MODES.map((m) => (
            <label key={m} class="check">
              <input
                type="radio"
                name="maintenance-mode"
                value={m}
                data-testid={`maintenance-mode-${m}`}
                checked={draft.mode === m}
                onChange={() => {
                  set('mode', m);
                }}
              />
              {t(MODE_LABEL[m])}
            </label>
          ))}
        </fieldset>
        <fieldset class="choice">
          <legend>{t('maintenance.kind')}</legend>
          <div class="choice-row">
            {KINDS.map((k) => (
              <label key={k} class="check">
                <input
                  type="radio"
                  name="maintenance-kind"
                  value={k}
                  data-testid={`maintenance-kind-${k}`}
                  checked={draft.kind === k}
                  onChange={() => {
                    set('kind', k);
                  }}
                />
                {t(KIND_LABEL[k])}
              </label>
            ))}
          </div>
          {draft.kind === 'once' ? (
            <div class="form-grid">
              <label class="field">
                <span class="field-label">{t('maintenance.from')}</span>
                <input
                  type="datetime-local"
                  data-testid="maintenance-from"
                  value={draft.from}
                  onInput={(e) => {
                    set('from', e.currentTarget.value);
                  }}
                />
              </label>
              <label class="field">
                <span class="field-label">{t('maintenance.to')}</span>
                <input
                  type="datetime-local"
                  data-testid="maintenance-to"
                  value={draft.to}
                  onInput={(e) => {
                    set('to', e.currentTarget.value);
                  }}
                />
              </label>
            </div>
          ) : (
            <>
              <div class="choice-row" role="group" aria-label={t('maintenance.days')}>
                {WEEKDAYS.map((d) => (
                  <label key={d} class="check">
                    <input
                      type="checkbox"
                      data-testid={`maintenance-day-${String(d)}`}
                      checked={draft.days.includes(d)}
                      onChange={(e) => {
                        const on = e.currentTarget.checked;
                        setDraft((x) => ({
                          ...x,
                          days: on ? [...x.days.filter((y) => y !== d), d] : x.days.filter((y) => y !== d),
                        }));
                      }}
                    />
                    {names[d]}
                  </label>
                ))}
              </div>
              <div class="form-grid three">
                <label class="field">
                  <span class="field-label">{t('maintenance.start')}</span>
                  <input
                    type="time"
                    data-testid="maintenance-start"
                    value={draft.start}
                    onInput={(e) => {
                      set('start', e.currentTarget.value);
                    }}
                  />
                </label>
                <label class="field">
                  <span class="field-label">{t('maintenance.hours')}</span>
                  <input
                    type="number"
                    min="0"
                    max="168"
                    data-testid="maintenance-hours"
                    value={draft.hours}
                    onInput={(e) => {
                      set('hours', e.currentTarget.value);
                    }}
                  />
                </label>
                <label class="field">
                  <span class="field-label">{t('maintenance.minutes')}</span>
                  <input
                    type="number"
                    min="0"
                    max="59"
                    data-testid="maintenance-minutes"
                    value={draft.minutes}
                    onInput={(e) => {
                      set('minutes', e.currentTarget.value);
                    }}
                  />
                </label>
              </div>
            </>
          )}
          <p class="hint" data-testid="maintenance-zone">
            {zoneHint}
          </p>
        </fieldset>
        <TextInput
          testId="maintenance-reason"
          label={t('maintenance.reason')}
          hint={t('maintenance.reasonHint')}
          value={draft.reason}
          onValue={(v) => {
            set('reason', v);
          }}
        />
        <div class="actions">
          <button type="button" data-testid="maintenance-cancel" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="primary" data-testid="maintenance-save" disabled={saving}>
            {saving ? t('form.saving') : t('maintenance.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const INHERITED_LABEL = {
  site: 'maintenance.inherited.site',
  customer: 'maintenance.inherited.customer',
} as const satisfies Record<'site' | 'customer', MessageKey>;

/** The "Maintenance" block of a detail: the windows covering `entity`, Remove, Add. */
export function MaintenanceBlock({ fleet, entity }: { fleet: Fleet; entity: EntityRef }) {
  const [windows, setWindows] = useState<MaintenanceWindow[] | null>(null);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [removeError, setRemoveError] = useState<string[]>([]);
  const [removing, setRemoving] = useState<number | null>(null);
  const [adding, setAdding] = useState(false);
  const [round, setRound] = useState(0);
  const reload = () => {
    setRound((n) => n + 1);
  };
  const key = `${entity.kind}:${entity.id}`;

  useEffect(() => {
    let live = true;
    call('maintenance_windows', {}).then(
      (all) => {
        if (!live) return;
        setWindows(all);
        setLoadError(null);
      },
      (e: unknown) => {
        if (live) setLoadError(e as IpcError);
      },
    );
    return () => {
      live = false;
    };
  }, [key, round]);

  useEffect(() => {
    setRemoveError([]);
  }, [key]);

  const remove = async (id: number) => {
    setRemoving(id);
    setRemoveError([]);
    try {
      await call('remove_maintenance', { id });
      reload();
    } catch (e) {
      setRemoveError(errorLines(e as IpcError));
    } finally {
      setRemoving(null);
    }
  };

  const nowS = Math.floor(statusNow.value / 1000);
  const covering = windows ? windowsFor(fleet, entity, windows) : [];
  // Times shown in the site's zone; a customer's weekly windows run in each site's.
  const zone = siteZoneOf(fleet, entity);
  return (
    <section class="maintenance" aria-labelledby="maintenance-title" data-testid="maintenance">
      <div class="maintenance-head">
        <h3 id="maintenance-title">{t('maintenance.title')}</h3>
        <button
          type="button"
          data-testid="maintenance-add"
          onClick={() => {
            setAdding(true);
          }}
        >
          {t('maintenance.add')}
        </button>
      </div>
      {loadError ? (
        <p class="form-errors" data-testid="maintenance-load-error">
          {t('maintenance.loadFailed', { message: errorLines(loadError).join('; ') })}
        </p>
      ) : null}
      <FormErrors lines={removeError} testId="maintenance-remove-error" />
      {windows === null ? null : covering.length === 0 ? (
        <p class="muted" data-testid="maintenance-none">
          {t('maintenance.none')}
        </p>
      ) : (
        <ul class="maintenance-list" data-testid="maintenance-list">
          {covering.map(({ window: w, inherited }) => {
            const active = activeFor(fleet, entity, w, nowS);
            const id = String(w.id);
            return (
              <li
                key={w.id}
                class={`maintenance-item${active ? ' active' : ''}`}
                data-testid={`maintenance-item-${id}`}
                data-active={active ? 'true' : 'false'}
                data-inherited={inherited ?? undefined}
              >
                {active ? <span class="tag maintenance-active">{t('maintenance.activeNow')}</span> : null}
                <span class="maintenance-text">
                  {describeWindow(w, zone === null ? null : usableZone(zone))}
                </span>
                {inherited ? (
                  <span class="muted maintenance-inherited">
                    {t(INHERITED_LABEL[inherited], { name: entityName(fleet, w.scope) })}
                  </span>
                ) : null}
                <button
                  type="button"
                  class="link"
                  data-testid={`maintenance-remove-${id}`}
                  title={inherited ? t('maintenance.removeInherited') : undefined}
                  disabled={removing === w.id}
                  onClick={() => {
                    void remove(w.id);
                  }}
                >
                  {removing === w.id ? t('maintenance.removing') : t('maintenance.remove')}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {adding ? (
        <MaintenanceForm
          fleet={fleet}
          entity={entity}
          onClose={() => {
            setAdding(false);
          }}
          onSaved={reload}
        />
      ) : null}
    </section>
  );
}
