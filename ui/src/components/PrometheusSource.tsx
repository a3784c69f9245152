// Settings → Prometheus source: where the MSP's Prometheus (and Alertmanager) is, how to
// authenticate, Test (what it would match), Save and Remove, and how the live reads stand.
// The token or password goes to the keychain and is never shown (the Rust side never
// sends it back); an empty field keeps the keychain's. Addresses, errors, series and
// warnings come from servers: rendered as text only.
import { useEffect, useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { IpcError, PromAuth, PromSettings, PromSource, SourceReport, SourceView } from '../bindings';
import { t } from '../i18n';
import { statusTime } from '../status/format';
import { sourceView } from '../status/store';
import { Dialog } from './Dialog';
import { DeleteActions, FormErrors, TextInput } from './Fields';

type AuthKind = PromAuth['kind'];
const AUTH_KINDS: readonly AuthKind[] = ['none', 'bearer', 'basic'];

type Draft = { url: string; amUrl: string; auth: AuthKind; username: string; secret: string };

function toDraft(source: PromSource): Draft {
  return {
    url: source.prometheus_url,
    amUrl: source.alertmanager_url ?? '',
    auth: source.auth.kind,
    username: source.auth.kind === 'basic' ? source.auth.username : '',
    secret: '',
  };
}

/** The source the draft makes, on top of `base` (the saved source, else the template). */
function fromDraft(draft: Draft, base: PromSource): { source: PromSource } | { errors: string[] } {
  const errors: string[] = [];
  const url = draft.url.trim();
  const username = draft.username.trim();
  if (url === '') errors.push(t('prom.urlRequired'));
  if (draft.auth === 'basic' && username === '') errors.push(t('prom.usernameRequired'));
  if (errors.length > 0) return { errors };
  const amUrl = draft.amUrl.trim();
  const auth: PromAuth = draft.auth === 'basic' ? { kind: 'basic', username } : { kind: draft.auth };
  return { source: { ...base, prometheus_url: url, alertmanager_url: amUrl === '' ? null : amUrl, auth } };
}

/** "12 endpoints matched, 3 series unmatched, alerts from Alertmanager". */
export function testSummary(report: SourceReport): string {
  const n = report.endpoints.length;
  return [
    t(n === 1 ? 'prom.matched.one' : 'prom.matched.other', { n }),
    t('prom.unmatched', { n: report.unmatched_count }),
    t(`prom.alertsFrom.${report.alerts_from}`),
  ].join(', ');
}

/** "Last read 14:02 · 12 endpoints", or why the source cannot be read. */
export function sourceStatusText(view: SourceView | null, nowMs: number): string {
  if (view === null) return t('prom.statusWaiting');
  if (view.error !== null) {
    return view.read_at === null
      ? t('prom.statusErrorNever', { error: view.error })
      : t('prom.statusError', { error: view.error, time: statusTime(view.read_at, nowMs) });
  }
  if (view.read_at === null) return t('prom.statusWaiting');
  const n = view.report?.endpoints.length ?? 0;
  return t('prom.statusRead', {
    time: statusTime(view.read_at, nowMs),
    endpoints: t(n === 1 ? 'prom.endpoints.one' : 'prom.endpoints.other', { n }),
  });
}

function TestReport({ report }: { report: SourceReport }) {
  const first = report.unmatched[0];
  return (
    <div class="test-result result ok" role="status" data-testid="prom-test-result">
      <p>{testSummary(report)}</p>
      {first ? (
        <p class="muted" data-testid="prom-test-unmatched">
          {t('prom.firstUnmatched', {
            what: first.series === '' ? first.name : `${first.name} (${first.series})`,
            reason: first.reason,
          })}
        </p>
      ) : null}
      {report.warnings.length > 0 ? (
        <div class="warning" data-testid="prom-test-warnings">
          <p>{t('prom.warnings')}</p>
          <ul>
            {report.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

function RemoveSource({
  url,
  onClose,
  onRemoved,
}: {
  url: string;
  onClose: () => void;
  onRemoved: (settings: PromSettings) => void;
}) {
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      onRemoved(await call('save_prometheus_source', { source: null, secret: null }));
    } catch (e) {
      setErrors(errorLines(e as IpcError));
      setBusy(false);
    }
  };
  return (
    <Dialog testId="prom-remove-dialog" title={t('prom.removeTitle')} onClose={onClose}>
      <p class="question">{t('prom.removeQuestion', { url })}</p>
      <FormErrors lines={errors} testId="prom-remove-error" />
      <DeleteActions
        busy={busy}
        testId="prom-remove-confirm"
        onCancel={onClose}
        onConfirm={() => {
          void confirm();
        }}
      />
    </Dialog>
  );
}

export function PrometheusSource() {
  const [settings, setSettings] = useState<PromSettings | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const [tested, setTested] = useState<SourceReport | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [removing, setRemoving] = useState(false);

  const adopt = (s: PromSettings) => {
    setSettings(s);
    setDraft(toDraft(s.source ?? s.template));
  };

  useEffect(() => {
    call('prometheus_source', {}).then(adopt, (e: unknown) => {
      setLoadError(errorLines(e as IpcError).join('; '));
    });
  }, []);

  const set =
    <K extends keyof Draft>(key: K) =>
    (value: Draft[K]) => {
      setDraft((d) => (d ? { ...d, [key]: value } : d));
    };

  if (loadError !== null) {
    return (
      <div class="prom-source" data-testid="prom-source">
        <h3>{t('prom.title')}</h3>
        <p class="form-errors" role="alert" data-testid="prom-error">
          {t('prom.loadFailed', { message: loadError })}
        </p>
      </div>
    );
  }
  if (!settings || !draft) {
    return (
      <div class="prom-source" data-testid="prom-source">
        <h3>{t('prom.title')}</h3>
        <p class="muted">{t('app.loading')}</p>
      </div>
    );
  }

  const built = () => {
    const out = fromDraft(draft, settings.source ?? settings.template);
    if ('errors' in out) {
      setErrors(out.errors);
      return null;
    }
    setErrors([]);
    return out.source;
  };
  const secret = draft.secret.trim() === '' ? null : draft.secret;

  const test = async () => {
    const source = built();
    if (!source) return;
    setBusy('test');
    setTested(null);
    setNotice(null);
    try {
      setTested(await call('test_prometheus_source', { source, secret }));
    } catch (e) {
      setErrors(errorLines(e as IpcError));
    } finally {
      setBusy(null);
    }
  };

  const save = async () => {
    const source = built();
    if (!source) return;
    setBusy('save');
    setNotice(null);
    try {
      adopt(await call('save_prometheus_source', { source, secret }));
      setNotice(t('prom.saved'));
    } catch (e) {
      setErrors(errorLines(e as IpcError));
    } finally {
      setBusy(null);
    }
  };

  const saved = settings.source;
  const needsSecret = draft.auth !== 'none';
  return (
    <div class="prom-source" data-testid="prom-source">
      <h3>{t('prom.title')}</h3>
      <p class="hint">{t('prom.intro')}</p>
      {saved ? (
        <p class="connection-status" role="status" data-testid="prom-status">
          {sourceStatusText(sourceView.value, Date.now())}
        </p>
      ) : null}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (busy === null) void save();
        }}
      >
        <div class="form-grid">
          <TextInput
            testId="prom-url"
            label={t('prom.url')}
            value={draft.url}
            onValue={set('url')}
            placeholder="https://prom.example.net/"
            hint={t('prom.urlHint')}
          />
          <TextInput
            testId="prom-am-url"
            label={t('prom.amUrl')}
            value={draft.amUrl}
            onValue={set('amUrl')}
            placeholder="https://alertmanager.example.net/"
            hint={t('prom.amUrlHint')}
          />
          <label class="field">
            <span class="field-label">{t('prom.auth')}</span>
            <select
              data-testid="prom-auth"
              value={draft.auth}
              onChange={(e) => {
                const value = e.currentTarget.value;
                set('auth')(AUTH_KINDS.find((k) => k === value) ?? 'none');
              }}
            >
              {AUTH_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`prom.auth.${k}`)}
                </option>
              ))}
            </select>
          </label>
          {draft.auth === 'basic' ? (
            <TextInput
              testId="prom-username"
              label={t('prom.username')}
              value={draft.username}
              onValue={set('username')}
            />
          ) : null}
          {needsSecret ? (
            <label class="field">
              <span class="field-label">{draft.auth === 'basic' ? t('prom.password') : t('prom.token')}</span>
              <input
                type="password"
                data-testid="prom-secret"
                value={draft.secret}
                placeholder={settings.has_secret ? t('prom.secretStored') : undefined}
                autoComplete="new-password"
                spellcheck={false}
                onInput={(e) => {
                  set('secret')(e.currentTarget.value);
                }}
              />
              <span class="hint" data-testid="prom-secret-state">
                {settings.has_secret ? t('prom.secretKeep') : t('prom.secretNew')}
              </span>
              {settings.secret_error !== null ? (
                <span class="hint error-text">
                  {t('prom.secretError', { message: settings.secret_error })}
                </span>
              ) : null}
            </label>
          ) : null}
        </div>
        <FormErrors lines={errors} testId="prom-error" />
        {busy === 'test' ? (
          <p class="test-result" role="status" aria-busy="true" data-testid="prom-test-result">
            <span class="muted">{t('prom.testing')}</span>
          </p>
        ) : tested ? (
          <TestReport report={tested} />
        ) : null}
        {notice !== null ? (
          <p class="result ok" role="status" data-testid="prom-notice">
            {notice}
          </p>
        ) : null}
        <div class="actions start">
          <button
            type="button"
            data-testid="prom-test"
            disabled={busy !== null}
            aria-busy={busy === 'test'}
            onClick={() => {
              void test();
            }}
          >
            {busy === 'test' ? t('prom.testing') : t('prom.test')}
          </button>
          <button type="submit" class="primary" data-testid="prom-save" disabled={busy !== null}>
            {busy === 'save' ? t('prom.saving') : t('prom.save')}
          </button>
          {saved ? (
            <button
              type="button"
              class="danger"
              data-testid="prom-remove"
              disabled={busy !== null}
              onClick={() => {
                setRemoving(true);
              }}
            >
              {t('prom.remove')}
            </button>
          ) : null}
        </div>
      </form>
      {removing && saved ? (
        <RemoveSource
          url={saved.prometheus_url}
          onClose={() => {
            setRemoving(false);
          }}
          onRemoved={(s) => {
            setRemoving(false);
            setTested(null);
            setErrors([]);
            adopt(s);
            setNotice(t('prom.removed'));
          }}
        />
      ) : null}
    </div>
  );
}
