// Import a fleet file (TOML, merged or replacing everything) or a CSV (previewed, its
// columns mapped to endpoint fields, then imported). Every problem is listed by line.
import { useState } from 'preact/hooks';
import { call, errorLines, isIpcError } from '../api';
import { ENDPOINT_FIELDS, type CsvPreview, type EndpointField, type Fleet } from '../bindings';
import { fileIssue, rowIssue } from '../fleet/issues';
import { siteGroups } from '../fleet/options';
import { t } from '../i18n';
import { reloadFleet } from '../state';
import { Dialog } from './Dialog';
import { Checkbox, Select } from './Fields';

/** Same bound as the Rust side; checked here so a huge file is not serialised for nothing. */
const MAX_IMPORT_BYTES = 16 * 1024 * 1024;

type Picked =
  | { kind: 'toml'; name: string; text: string }
  | { kind: 'csv'; name: string; bytes: number[]; preview: CsvPreview };

type Outcome = { ok: boolean; heading?: string | undefined; listTitle?: string | undefined; lines: string[] };

function failure(e: unknown): Outcome {
  return isIpcError(e)
    ? { ok: false, lines: errorLines(e) }
    : { ok: false, lines: [t('import.readFailed', { message: String(e) })] };
}

async function pick(file: File): Promise<Picked | Outcome> {
  const ext = file.name.toLowerCase().split('.').pop();
  if (ext !== 'toml' && ext !== 'csv') return { ok: false, lines: [t('import.unsupported')] };
  if (file.size > MAX_IMPORT_BYTES) return { ok: false, lines: [t('import.tooLarge')] };
  if (ext === 'toml') return { kind: 'toml', name: file.name, text: await file.text() };
  const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
  const preview = await call('preview_csv', { fileName: file.name, bytes });
  return { kind: 'csv', name: file.name, bytes, preview };
}

type Run = (work: () => Promise<Outcome>) => void;

function TomlImport({
  picked,
  busy,
  run,
}: {
  picked: Extract<Picked, { kind: 'toml' }>;
  busy: boolean;
  run: Run;
}) {
  const [replace, setReplace] = useState(false);
  const submit = () => {
    run(async () => {
      try {
        const s = await call('import_fleet_file', { fileName: picked.name, text: picked.text, replace });
        return { ok: true, lines: [t('import.summary', { ...s })] };
      } catch (e) {
        if (isIpcError(e) && e.kind === 'Invalid' && e.issues.length > 0) {
          return {
            ok: false,
            heading: t('import.issues'),
            lines: e.issues.map((i) => fileIssue(i, picked.name)),
          };
        }
        return failure(e);
      }
    });
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <Checkbox
        testId="import-replace"
        label={t('import.replace')}
        checked={replace}
        onChecked={setReplace}
      />
      <p class="hint">{t('import.replaceHint')}</p>
      <div class="actions">
        <button type="submit" class="primary" data-testid="import-submit" disabled={busy}>
          {busy ? t('import.working') : t('import.submit')}
        </button>
      </div>
    </form>
  );
}

function samples(preview: CsvPreview, column: number): string {
  return preview.sample
    .map((row) => row[column] ?? '')
    .filter((v) => v.trim() !== '')
    .slice(0, 3)
    .join(', ');
}

type CsvProps = { fleet: Fleet; picked: Extract<Picked, { kind: 'csv' }>; busy: boolean; run: Run };

function CsvImport({ fleet, picked, busy, run }: CsvProps) {
  const { preview } = picked;
  const [mapping, setMapping] = useState<(EndpointField | null)[]>(() =>
    preview.headers.map((_, i) => preview.mapping[i] ?? null),
  );
  const [defaultSite, setDefaultSite] = useState('');
  const [allowPartial, setAllowPartial] = useState(false);

  const submit = () => {
    run(async () => {
      try {
        const report = await call('import_csv', {
          fileName: picked.name,
          bytes: picked.bytes,
          options: {
            mapping,
            default_site: defaultSite === '' ? null : defaultSite,
            allow_partial: allowPartial,
          },
        });
        const lines = report.bad_rows.map((i) => rowIssue(i, (n) => t('csv.line', { n })));
        const listTitle = lines.length > 0 ? t('csv.badRows') : undefined;
        return report.imported
          ? {
              ok: true,
              heading: t('csv.report', { created: report.created, updated: report.updated }),
              listTitle,
              lines,
            }
          : { ok: false, heading: t('csv.notImported'), listTitle, lines };
      } catch (e) {
        return failure(e);
      }
    });
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <p>{t('csv.rows', { rows: preview.rows })}</p>
      <div class="table-scroll">
        <table class="mapping">
          <caption class="visually-hidden">{t('csv.mapping')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('csv.column')}</th>
              <th scope="col">{t('csv.sample')}</th>
              <th scope="col">{t('csv.field')}</th>
            </tr>
          </thead>
          <tbody>
            {preview.headers.map((header, i) => (
              <tr key={i}>
                <th scope="row">{header}</th>
                <td class="sample">{samples(preview, i)}</td>
                <td>
                  <select
                    data-testid={`csv-map-${i}`}
                    aria-label={`${t('csv.field')}: ${header}`}
                    value={mapping[i] ?? ''}
                    onChange={(e) => {
                      const value = e.currentTarget.value;
                      const field = ENDPOINT_FIELDS.find((f) => f === value) ?? null;
                      setMapping((m) => m.map((old, j) => (j === i ? field : old)));
                    }}
                  >
                    <option value="">{t('csv.skip')}</option>
                    {ENDPOINT_FIELDS.map((f) => (
                      <option key={f} value={f}>
                        {f}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Select
        testId="csv-default-site"
        label={t('csv.defaultSite')}
        value={defaultSite}
        onValue={setDefaultSite}
        empty={t('csv.noDefaultSite')}
        groups={siteGroups(fleet)}
      />
      <Checkbox
        testId="csv-allow-partial"
        label={t('csv.allowPartial')}
        checked={allowPartial}
        onChecked={setAllowPartial}
      />
      <div class="actions">
        <button type="submit" class="primary" data-testid="import-submit" disabled={busy}>
          {busy ? t('import.working') : t('import.submit')}
        </button>
      </div>
    </form>
  );
}

export function ImportDialog({ fleet, onClose }: { fleet: Fleet; onClose: () => void }) {
  const [picked, setPicked] = useState<Picked | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  // A fresh form for every file picked, even one with the same name.
  const [generation, setGeneration] = useState(0);

  const choose = async (file: File | undefined) => {
    setPicked(null);
    setOutcome(null);
    if (!file) return;
    setBusy(true);
    try {
      const result = await pick(file);
      if ('kind' in result) {
        setPicked(result);
        setGeneration((g) => g + 1);
      } else setOutcome(result);
    } catch (e) {
      setOutcome(failure(e));
    } finally {
      setBusy(false);
    }
  };

  const run: Run = (work) => {
    setBusy(true);
    setOutcome(null);
    void work().then(async (result) => {
      if (result.ok) await reloadFleet();
      setOutcome(result);
      setBusy(false);
    });
  };

  return (
    <Dialog testId="import-dialog" title={t('import.title')} onClose={onClose} wide>
      <label class="field">
        <span class="field-label">{t('import.file')}</span>
        <input
          type="file"
          accept=".toml,.csv"
          data-testid="import-file"
          onChange={(e) => {
            void choose(e.currentTarget.files?.[0]);
          }}
        />
      </label>
      {picked?.kind === 'toml' ? <TomlImport key={generation} picked={picked} busy={busy} run={run} /> : null}
      {picked?.kind === 'csv' ? (
        <CsvImport key={generation} fleet={fleet} picked={picked} busy={busy} run={run} />
      ) : null}
      {outcome ? (
        <div
          class={outcome.ok ? 'result ok' : 'result bad'}
          role={outcome.ok ? 'status' : 'alert'}
          data-testid="import-result"
        >
          {outcome.heading ? <p>{outcome.heading}</p> : null}
          {outcome.listTitle ? <p>{outcome.listTitle}</p> : null}
          {outcome.lines.length > 0 ? (
            <ul>
              {outcome.lines.map((line, i) => (
                <li key={i}>{line}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <div class="actions">
        <button type="button" onClick={onClose} data-testid="import-close">
          {t('common.close')}
        </button>
      </div>
    </Dialog>
  );
}
