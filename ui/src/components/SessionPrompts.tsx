// The two questions a connecting session asks: accept a host key seen for the first time,
// and type a secret (password, passphrase, one-time code). Labels, prompts and fingerprints
// come from servers: rendered as text only. The typed secret lives in this dialog's state
// until OK and is cleared before it is passed on.
import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { answerHostKey, answerSecret, type HostKeyPrompt, type SecretPrompt } from '../sessions/store';
import { Dialog } from './Dialog';

export function HostKeyDialog({ tabKey, prompt }: { tabKey: number; prompt: HostKeyPrompt }) {
  const cancel = () => {
    answerHostKey(tabKey, false);
  };
  return (
    <Dialog testId="host-key-dialog" title={t('ssh.hostKey.title', { label: prompt.label })} onClose={cancel}>
      <p>{t('ssh.hostKey.firstContact')}</p>
      <dl class="facts">
        <dt>{t('ssh.hostKey.host')}</dt>
        <dd data-testid="host-key-host">{`${prompt.host}:${String(prompt.port)}`}</dd>
        <dt>{t('ssh.hostKey.type')}</dt>
        <dd data-testid="host-key-type">{prompt.key_type}</dd>
        <dt>{t('ssh.hostKey.fingerprint')}</dt>
        <dd>
          <code class="fingerprint" data-testid="host-key-fingerprint">
            {prompt.fingerprint}
          </code>
        </dd>
      </dl>
      <p class="hint">{t('ssh.hostKey.howToCheck')}</p>
      <p class="hint" data-testid="host-key-native">
        {t('ssh.hostKey.native')}
      </p>
      <div class="actions">
        <button type="button" data-autofocus data-testid="host-key-cancel" onClick={cancel}>
          {t('common.cancel')}
        </button>
        <button
          type="button"
          class="primary"
          data-testid="host-key-accept"
          onClick={() => {
            answerHostKey(tabKey, true);
          }}
        >
          {t('ssh.hostKey.accept')}
        </button>
      </div>
    </Dialog>
  );
}

export function SecretDialog({ tabKey, prompt }: { tabKey: number; prompt: SecretPrompt }) {
  const [secret, setSecret] = useState('');
  const cancel = () => {
    setSecret('');
    answerSecret(tabKey, null);
  };
  return (
    <Dialog testId="secret-dialog" title={t('ssh.secret.title', { label: prompt.label })} onClose={cancel}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const typed = secret;
          setSecret('');
          answerSecret(tabKey, typed);
        }}
      >
        <label class="field">
          <span class="field-label prompt-text" data-testid="secret-prompt">
            {prompt.prompt}
          </span>
          <input
            type={prompt.echo ? 'text' : 'password'}
            data-testid="secret-input"
            value={secret}
            autoComplete="off"
            spellcheck={false}
            onInput={(e) => {
              setSecret(e.currentTarget.value);
            }}
          />
        </label>
        <div class="actions">
          <button type="button" data-testid="secret-cancel" onClick={cancel}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="primary" data-testid="secret-ok">
            {t('common.ok')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
