// Import SLA policies: calendars and policies from a TOML file replace the configuration
// in force. Problems come back as `file:line: field: message` lines, shown as they are.
import { useEffect, useState } from 'preact/hooks';
import { call, errorLines, isIpcError } from '../api';
import type { SlaConfigInfo } from '../bindings';
import { t } from '../i18n';
import { refreshBoard } from '../sla/board';
import { Dialog } from './Dialog';

/** Same bound as the Rust side, so a huge file is not sent for nothing. */
const MAX_SLA_FILE_BYTES = 2 * 1024 * 1024;

type Result = { ok: boolean; text: string };

function describe(info: SlaConfigInfo): string {
  return t('slaImport.info', {
    file: info.file_name ?? '',
    policies: info.policies.length > 0 ? info.policies.join(', ') : t('value.none'),
  });
}

export function SlaImportDialog({ onClose }: { onClose: () => void }) {
  const [info, setInfo] = useState<SlaConfigInfo | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    call('sla_config_info', {}).then(setInfo, () => {
      setInfo(null);
    });
  }, []);

  const choose = async (input: HTMLInputElement) => {
    const files = Array.from(input.files ?? []);
    setResult(null);
    if (files.length === 0) return;
    const policies = files.filter((f) => f.name.toLowerCase().endsWith('.toml'));
    const holidays = files.filter((f) => f.name.toLowerCase().endsWith('.ics'));
    const policy = policies.length === 1 ? policies[0] : undefined;
    if (!policy || policies.length + holidays.length !== files.length) {
      setResult({ ok: false, text: t('slaImport.unsupported') });
      input.value = '';
      return;
    }
    const total = files.reduce((sum, f) => sum + f.size, 0);
    if (total > MAX_SLA_FILE_BYTES) {
      setResult({ ok: false, text: t('slaImport.tooLarge') });
      input.value = '';
      return;
    }
    setBusy(true);
    try {
      const text = await policy.text();
      const includes = await Promise.all(holidays.map(async (f) => ({ name: f.name, text: await f.text() })));
      const next = await call('import_sla_config', { fileName: policy.name, text, includes });
      setInfo(next);
      setResult({ ok: true, text: `${t('slaImport.done')}\n${describe(next)}` });
      await refreshBoard();
    } catch (e) {
      const lines = isIpcError(e) ? errorLines(e) : [t('import.readFailed', { message: String(e) })];
      setResult({ ok: false, text: `${t('slaImport.failed')}\n${lines.join('\n')}` });
    } finally {
      setBusy(false);
      // Picking the same file again (after fixing it) fires another change.
      input.value = '';
    }
  };

  return (
    <Dialog testId="sla-import-dialog" title={t('slaImport.title')} onClose={onClose} wide>
      <p class="muted">{t('slaImport.body')}</p>
      <p data-testid="sla-config-info">
        {info?.file_name ? describe(info) : <span class="muted">{t('slaImport.none')}</span>}
      </p>
      <label class="field">
        <span class="field-label">{t('slaImport.file')}</span>
        <input
          type="file"
          accept=".toml,.ics"
          multiple
          data-testid="sla-import-file"
          disabled={busy}
          onChange={(e) => {
            void choose(e.currentTarget);
          }}
        />
      </label>
      {busy ? (
        <p class="muted" role="status">
          {t('import.working')}
        </p>
      ) : null}
      {result ? (
        <pre
          class={result.ok ? 'result ok' : 'result bad'}
          role={result.ok ? 'status' : 'alert'}
          data-testid="sla-import-result"
        >
          {result.text}
        </pre>
      ) : null}
      <div class="actions">
        <button type="button" class="primary" data-testid="sla-import-close" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </Dialog>
  );
}
