import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from '../api';
import type { IpcError } from '../bindings';
import { t } from '../i18n';
import { Dialog } from './Dialog';

async function copyText(text: string, area: HTMLTextAreaElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Some webviews refuse the clipboard; with the text selected, Ctrl+C still works.
    area?.focus();
    area?.select();
    return false;
  }
}

export function ExportDialog({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState<boolean | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    call('export_fleet', {}).then(setText, (e: unknown) => {
      setError((e as IpcError).message);
    });
  }, []);

  return (
    <Dialog testId="export-dialog" title={t('export.title')} onClose={onClose} wide>
      <p class="muted">{t('export.body')}</p>
      {error !== null ? (
        <p class="form-errors" role="alert">
          {error}
        </p>
      ) : (
        <textarea
          ref={area}
          class="export-text"
          data-testid="export-text"
          readOnly
          spellcheck={false}
          value={text ?? t('app.loading')}
          rows={20}
        />
      )}
      <div class="actions">
        {copied !== null ? (
          <span class="status" role="status">
            {copied ? t('export.copied') : t('export.copyFailed')}
          </span>
        ) : null}
        <button
          type="button"
          disabled={text === null}
          onClick={() => {
            if (text !== null) void copyText(text, area.current).then(setCopied);
          }}
        >
          {t('export.copy')}
        </button>
        <button type="button" class="primary" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </Dialog>
  );
}
