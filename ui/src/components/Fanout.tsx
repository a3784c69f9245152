// Sessions → Run on many: one command on the endpoints a selector picks (a customer, site or
// tag, or endpoints ticked one by one). Nothing runs before the technician has seen the
// blast radius: Preview asks the Rust side which hosts and customers the selector means, a
// dialog says "This runs on N hosts of M customers" with the list, and only its Run starts
// it. Output, errors and host names come from endpoints: rendered as text, and only the
// tail of a long output is kept on screen.
import { useEffect, useState } from 'preact/hooks';
import { errorLines } from '../api';
import type { Fleet, IpcError } from '../bindings';
import { endpointLabel } from '../fleet/tree';
import { t, type MessageKey } from '../i18n';
import * as api from '../sessions/api';
import type { HostResult, HostState, FanoutPreview, FanoutView, Selector, Snippet } from '../bindings';
import { fleet } from '../state';
import { Dialog } from './Dialog';
import { Checkbox, FormErrors, Select, TextInput } from './Fields';

/** The most of a host's output shown; the rest is in the session audit. */
export const OUTPUT_LIMIT = 20000;
const CHOOSER_LIMIT = 200;
const MAX_CONCURRENCY = 256;

const STATE_LABEL: Record<HostState, MessageKey> = {
  waiting: 'fanout.state.waiting',
  running: 'fanout.state.running',
  ok: 'fanout.state.ok',
  failed: 'fanout.state.failed',
  unreachable: 'fanout.state.unreachable',
  queued: 'fanout.state.queued',
  expired: 'fanout.state.expired',
  cancelled: 'fanout.state.cancelled',
};
const SUMMARY_ORDER: HostState[] = [
  'ok',
  'failed',
  'unreachable',
  'queued',
  'running',
  'waiting',
  'expired',
  'cancelled',
];
/** Always named in the summary, even at zero. */
const ALWAYS: ReadonlySet<HostState> = new Set(['ok', 'failed', 'unreachable', 'queued']);

function plural(n: number, one: MessageKey, other: MessageKey): string {
  return t(n === 1 ? one : other, { n });
}

/** "This runs on 14 hosts of 2 customers." */
export function blastRadius(preview: FanoutPreview): string {
  return t('fanout.confirmBody', {
    hosts: plural(preview.endpoints.length, 'fanout.hosts.one', 'fanout.hosts.other'),
    customers: plural(preview.customers, 'fanout.customers.one', 'fanout.customers.other'),
  });
}

/** "3 ok · 1 failed · 0 unreachable · 2 queued · 1 running". */
export function summary(run: FanoutView): string {
  const counts = new Map<HostState, number>();
  for (const h of run.hosts) counts.set(h.state, (counts.get(h.state) ?? 0) + 1);
  return SUMMARY_ORDER.filter((s) => ALWAYS.has(s) || (counts.get(s) ?? 0) > 0)
    .map((s) => `${String(counts.get(s) ?? 0)} ${t(STATE_LABEL[s])}`)
    .join(' · ');
}

/** The tail of an output, and how much was left out. */
export function boundedOutput(output: string): { text: string; cut: number } {
  if (output.length <= OUTPUT_LIMIT) return { text: output, cut: 0 };
  return { text: output.slice(output.length - OUTPUT_LIMIT), cut: output.length - OUTPUT_LIMIT };
}

function timeText(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toLocaleString();
}

type Mode = 'group' | 'chosen';

function tagsOf(current: Fleet | null): string[] {
  return [...new Set(current?.endpoints.flatMap((e) => e.tags) ?? [])].sort();
}

function Chooser({
  chosen,
  onChosen,
}: {
  chosen: ReadonlySet<string>;
  onChosen: (next: Set<string>) => void;
}) {
  const [query, setQuery] = useState('');
  const q = query.trim().toLowerCase();
  const rows = (fleet.value?.endpoints ?? []).filter(
    (e) => q === '' || [e.id, e.name, e.host, ...e.tags].some((f) => f.toLowerCase().includes(q)),
  );
  return (
    <div class="chooser">
      <input
        type="search"
        data-testid="fanout-endpoint-filter"
        aria-label={t('ssh.picker.filter')}
        placeholder={t('ssh.picker.filter')}
        value={query}
        onInput={(e) => {
          setQuery(e.currentTarget.value);
        }}
      />
      <p class="hint">{t('fanout.chosen', { n: chosen.size })}</p>
      <ul class="chooser-list">
        {rows.slice(0, CHOOSER_LIMIT).map((e) => (
          <li key={e.id}>
            <Checkbox
              testId={`fanout-endpoint-${e.id}`}
              label={`${endpointLabel(e)} (${e.host})`}
              checked={chosen.has(e.id)}
              onChecked={(on) => {
                const next = new Set(chosen);
                if (on) next.add(e.id);
                else next.delete(e.id);
                onChosen(next);
              }}
            />
          </li>
        ))}
      </ul>
      {rows.length > CHOOSER_LIMIT ? (
        <p class="hint">{t('ssh.picker.more', { n: rows.length - CHOOSER_LIMIT })}</p>
      ) : null}
    </div>
  );
}

function ConfirmRun({
  preview,
  command,
  busy,
  errors,
  onRun,
  onClose,
}: {
  preview: FanoutPreview;
  command: string;
  busy: boolean;
  errors: string[];
  onRun: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog testId="fanout-confirm" title={t('fanout.confirmTitle')} onClose={onClose} wide>
      <p class="question" data-testid="fanout-confirm-count">
        {blastRadius(preview)}
      </p>
      <pre class="command-preview">{command}</pre>
      <div class="table-scroll fanout-targets">
        <table class="grid-table">
          <thead>
            <tr>
              <th>{t('entity.customer')}</th>
              <th>{t('entity.site')}</th>
              <th>{t('entity.endpoint')}</th>
              <th>{t('ssh.hostKey.host')}</th>
            </tr>
          </thead>
          <tbody>
            {preview.endpoints.map((e) => (
              <tr key={e.id} data-testid={`fanout-target-${e.id}`}>
                <td>{e.customer}</td>
                <td>{e.site}</td>
                <td>{e.id}</td>
                <td>{e.host}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="hint" data-testid="fanout-native">
        {t('fanout.native')}
      </p>
      <FormErrors lines={errors} testId="fanout-run-error" />
      <div class="actions">
        <button type="button" data-autofocus onClick={onClose}>
          {t('common.cancel')}
        </button>
        <button type="button" class="danger" data-testid="fanout-run" disabled={busy} onClick={onRun}>
          {busy
            ? t('fanout.starting')
            : t('fanout.run', {
                hosts: plural(preview.endpoints.length, 'fanout.hosts.one', 'fanout.hosts.other'),
              })}
        </button>
      </div>
    </Dialog>
  );
}

function HostRow({ run, host }: { run: FanoutView; host: HostResult }) {
  const [cancelError, setCancelError] = useState<string | null>(null);
  const out = boundedOutput(host.output);
  return (
    <tr data-testid={`fanout-host-${host.endpoint}`} class={`fanout-host state-${host.state}`}>
      <td>
        {host.endpoint}
        <div class="muted">{host.customer}</div>
      </td>
      <td data-testid="fanout-host-state">
        {t(STATE_LABEL[host.state])}
        {host.state === 'queued' && host.queued_until !== null ? (
          <div class="hint">{t('fanout.queuedUntil', { time: timeText(host.queued_until) })}</div>
        ) : null}
      </td>
      <td>{host.exit === null ? '—' : String(host.exit)}</td>
      <td class="fanout-output">
        {host.error !== null ? <p class="error-text">{host.error}</p> : null}
        {out.cut > 0 ? <p class="hint">{t('fanout.outputCut', { n: out.cut })}</p> : null}
        {out.text !== '' ? <pre data-testid="fanout-host-output">{out.text}</pre> : null}
        {cancelError !== null ? <p class="error-text">{cancelError}</p> : null}
      </td>
      <td class="row-actions">
        {host.state === 'queued' ? (
          <button
            type="button"
            data-testid={`fanout-cancel-${host.endpoint}`}
            onClick={() => {
              api.cancelQueued(run.id, host.endpoint).then(
                () => {
                  setCancelError(null);
                },
                (e: unknown) => {
                  setCancelError(errorLines(e as IpcError).join('; '));
                },
              );
            }}
          >
            {t('fanout.cancelQueued')}
          </button>
        ) : null}
      </td>
    </tr>
  );
}

function Run({ run }: { run: FanoutView }) {
  return (
    <div class="fanout-run" data-testid={`fanout-run-${String(run.id)}`}>
      <p>
        <code>{run.command}</code> <span class="muted">{timeText(run.started)}</span>
      </p>
      <p class="fanout-summary" role="status" data-testid="fanout-summary">
        {summary(run)}
      </p>
      <table class="grid-table">
        <thead>
          <tr>
            <th>{t('entity.endpoint')}</th>
            <th>{t('fanout.stateColumn')}</th>
            <th>{t('fanout.exit')}</th>
            <th>{t('fanout.output')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {run.hosts.map((h) => (
            <HostRow key={h.endpoint} run={run} host={h} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function upsert(list: FanoutView[], run: FanoutView): FanoutView[] {
  return list.some((r) => r.id === run.id) ? list.map((r) => (r.id === run.id ? run : r)) : [...list, run];
}

export function Fanout() {
  const current = fleet.value;
  const [mode, setMode] = useState<Mode>('group');
  const [customer, setCustomer] = useState('');
  const [site, setSite] = useState('');
  const [tag, setTag] = useState('');
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [command, setCommand] = useState('');
  const [concurrency, setConcurrency] = useState('10');
  const [queueUnreachable, setQueueUnreachable] = useState(false);
  const [snippetList, setSnippetList] = useState<Snippet[]>([]);
  const [snippetName, setSnippetName] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState<'preview' | 'run' | null>(null);
  const [preview, setPreview] = useState<{
    selector: Selector;
    command: string;
    preview: FanoutPreview;
  } | null>(null);
  const [runErrors, setRunErrors] = useState<string[]>([]);
  const [runs, setRuns] = useState<FanoutView[]>([]);
  const [shown, setShown] = useState<number | null>(null);

  useEffect(() => {
    const stop = api
      .onSessionsEvent('fanout-changed', (run) => {
        setRuns((list) => upsert(list, run));
      })
      .catch(() => undefined);
    api.fanouts().then(
      (list) => {
        setRuns((now) => list.reduce(upsert, now));
      },
      (e: unknown) => {
        setErrors(errorLines(e as IpcError));
      },
    );
    api.snippets().then(setSnippetList, () => undefined);
    return () => {
      void stop.then((f) => f?.());
    };
  }, []);

  const fail = (e: unknown) => {
    setErrors(errorLines(e as IpcError));
  };

  const selector = (): Selector =>
    mode === 'group'
      ? { customer: customer || null, site: site || null, tag: tag || null, endpoints: [] }
      : { customer: null, site: null, tag: null, endpoints: [...chosen] };

  const checked = (): string[] => {
    const found: string[] = [];
    if (command.trim() === '') found.push(t('fanout.commandRequired'));
    const n = Number(concurrency);
    if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
      found.push(t('fanout.concurrencyRange', { max: MAX_CONCURRENCY }));
    }
    if (mode === 'group' && customer === '' && site === '' && tag === '')
      found.push(t('fanout.selectorRequired'));
    if (mode === 'chosen' && chosen.size === 0) found.push(t('fanout.chooseRequired'));
    return found;
  };

  const askPreview = async () => {
    const found = checked();
    setErrors(found);
    if (found.length > 0) return;
    const sel = selector();
    setBusy('preview');
    try {
      const answer = await api.fanoutPreview(sel);
      if (answer.endpoints.length === 0) setErrors([t('fanout.noMatch')]);
      else {
        setRunErrors([]);
        setPreview({ selector: sel, command, preview: answer });
      }
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  };

  const run = async () => {
    if (!preview) return;
    setBusy('run');
    try {
      // What the technician saw previewed, not whatever the form holds now.
      const started = await api.runFanout(
        preview.selector,
        preview.command,
        Number(concurrency),
        queueUnreachable,
      );
      setRuns((list) => upsert(list, started));
      setShown(started.id);
      setPreview(null);
    } catch (e) {
      setRunErrors(errorLines(e as IpcError));
    } finally {
      setBusy(null);
    }
  };

  const sites = (current?.sites ?? []).filter((s) => customer === '' || s.customer === customer);
  const shownRun = runs.find((r) => r.id === shown) ?? runs[runs.length - 1];

  return (
    <div class="fanout" data-testid="fanout">
      <h3>{t('ssh.view.fanout')}</h3>
      <p class="hint">{t('fanout.intro')}</p>
      <div class="segmented" role="group" aria-label={t('fanout.targets')}>
        <button
          type="button"
          data-testid="fanout-mode-group"
          aria-pressed={mode === 'group'}
          onClick={() => {
            setMode('group');
          }}
        >
          {t('fanout.byGroup')}
        </button>
        <button
          type="button"
          data-testid="fanout-mode-chosen"
          aria-pressed={mode === 'chosen'}
          onClick={() => {
            setMode('chosen');
          }}
        >
          {t('fanout.byChoice')}
        </button>
      </div>
      {mode === 'group' ? (
        <div class="form-grid three">
          <Select
            testId="fanout-customer"
            label={t('entity.customer')}
            value={customer}
            empty={t('toolbar.allCustomers')}
            options={(current?.customers ?? []).map((c) => ({ value: c.id, label: c.name }))}
            onValue={(v) => {
              setCustomer(v);
              setSite('');
            }}
          />
          <Select
            testId="fanout-site"
            label={t('entity.site')}
            value={site}
            empty={t('toolbar.allSites')}
            options={sites.map((s) => ({ value: s.id, label: s.name }))}
            onValue={setSite}
          />
          <Select
            testId="fanout-tag"
            label={t('fanout.tag')}
            value={tag}
            empty={t('toolbar.allTags')}
            options={tagsOf(current).map((x) => ({ value: x, label: x }))}
            onValue={setTag}
          />
        </div>
      ) : (
        <Chooser chosen={chosen} onChosen={setChosen} />
      )}
      <div class="form-grid">
        <label class="field wide-field">
          <span class="field-label">{t('fanout.command')}</span>
          <textarea
            data-testid="fanout-command"
            class="command-text"
            rows={3}
            value={command}
            spellcheck={false}
            onInput={(e) => {
              setCommand(e.currentTarget.value);
            }}
          />
        </label>
        <label class="field">
          <span class="field-label">{t('fanout.snippet')}</span>
          <select
            data-testid="fanout-snippet"
            value=""
            onChange={(e) => {
              const found = snippetList.find((s) => s.name === e.currentTarget.value);
              if (found) {
                setCommand(found.command);
                setSnippetName(found.name);
              }
            }}
          >
            <option value="">{t('fanout.snippetPick')}</option>
            {snippetList.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <div class="field snippet-save">
          <TextInput
            testId="fanout-snippet-name"
            label={t('fanout.snippetName')}
            value={snippetName}
            onValue={setSnippetName}
          />
          <div class="actions start">
            <button
              type="button"
              data-testid="fanout-snippet-save"
              disabled={snippetName.trim() === '' || command.trim() === ''}
              onClick={() => {
                api.saveSnippet({ name: snippetName.trim(), command }).then(setSnippetList, fail);
              }}
            >
              {t('fanout.snippetSave')}
            </button>
            {snippetList.some((s) => s.name === snippetName.trim()) ? (
              <button
                type="button"
                class="danger"
                data-testid="fanout-snippet-remove"
                onClick={() => {
                  api.removeSnippet(snippetName.trim()).then(setSnippetList, fail);
                }}
              >
                {t('fanout.snippetRemove')}
              </button>
            ) : null}
          </div>
        </div>
        <TextInput
          testId="fanout-concurrency"
          label={t('fanout.concurrency')}
          value={concurrency}
          inputMode="numeric"
          onValue={setConcurrency}
          hint={t('fanout.concurrencyHint')}
        />
        <div class="field">
          <Checkbox
            testId="fanout-queue"
            label={t('fanout.queueUnreachable')}
            checked={queueUnreachable}
            onChecked={setQueueUnreachable}
          />
          <span class="hint">{t('fanout.queueHint')}</span>
        </div>
      </div>
      <FormErrors lines={errors} testId="fanout-error" />
      <div class="actions start">
        <button
          type="button"
          class="primary"
          data-testid="fanout-preview"
          disabled={busy !== null}
          onClick={() => {
            void askPreview();
          }}
        >
          {busy === 'preview' ? t('fanout.previewing') : t('fanout.preview')}
        </button>
      </div>
      {runs.length > 1 ? (
        <Select
          testId="fanout-runs"
          label={t('fanout.runs')}
          value={String(shownRun?.id ?? '')}
          options={[...runs].reverse().map((r) => ({
            value: String(r.id),
            label: `${timeText(r.started)} — ${r.command.split('\n')[0] ?? ''}`,
          }))}
          onValue={(v) => {
            setShown(Number(v));
          }}
        />
      ) : null}
      {shownRun ? <Run run={shownRun} /> : null}
      {preview ? (
        <ConfirmRun
          preview={preview.preview}
          command={preview.command}
          busy={busy === 'run'}
          errors={runErrors}
          onRun={() => {
            void run();
          }}
          onClose={() => {
            setPreview(null);
          }}
        />
      ) : null}
    </div>
  );
}
