// Sessions → Credentials: the SSH credential profiles endpoints name (user, method, key) and
// the host keys Fieldline trusts. Keys, passwords and passphrases go only to
// `save_ssh_profile`, which puts them in the keychain; the Rust side never sends them back,
// and this form clears its secret fields as soon as it submits. Host names, fingerprints and
// import problems come from files and servers: rendered as text only.
import { useEffect, useState } from 'preact/hooks';
import { errorLines } from '../api';
import type { IpcError } from '../bindings';
import { t, type MessageKey } from '../i18n';
import * as api from '../sessions/api';
import type {
  AuthMethod,
  CredentialProfile,
  ImportPlan,
  ImportReport,
  KnownHostEntry,
  SshProfileView,
} from '../bindings';
import { fleet, reloadFleet } from '../state';
import { Dialog } from './Dialog';
import { DeleteActions, FormErrors, Select, TextInput } from './Fields';

type MethodKind = AuthMethod['kind'];
const METHODS: readonly MethodKind[] = ['key', 'agent', 'password', 'keyboard_interactive'];
const METHOD_LABEL: Record<MethodKind, MessageKey> = {
  key: 'cred.method.key',
  agent: 'cred.method.agent',
  password: 'cred.method.password',
  keyboard_interactive: 'cred.method.keyboard_interactive',
};

type Draft = {
  name: string;
  user: string;
  method: MethodKind;
  keyFile: string;
  keyText: string;
  passphrase: string;
  password: string;
};

function toDraft(view: SshProfileView | null): Draft {
  const p = view?.profile;
  return {
    name: p?.name ?? '',
    user: p?.user ?? '',
    method: p?.method.kind ?? 'key',
    keyFile: p?.method.kind === 'key' ? (p.method.key_file ?? '') : '',
    keyText: '',
    passphrase: '',
    password: '',
  };
}

/** The profile and secrets a draft stands for, or what is missing. */
export function fromDraft(
  draft: Draft,
  existing: SshProfileView | null,
): { profile: CredentialProfile; secret: string | null; passphrase: string | null } | { errors: string[] } {
  const name = draft.name.trim();
  const user = draft.user.trim();
  const keyFile = draft.keyFile.trim();
  const keyText = draft.keyText.trim() === '' ? null : draft.keyText;
  const errors: string[] = [];
  if (name === '') errors.push(t('cred.nameRequired'));
  if (draft.method === 'key' && keyFile === '' && keyText === null && !existing?.has_secret) {
    errors.push(t('cred.keyRequired'));
  }
  if (errors.length > 0) return { errors };
  const method: AuthMethod =
    draft.method === 'key'
      ? { kind: 'key', key_file: keyFile === '' ? null : keyFile }
      : { kind: draft.method };
  const secret =
    draft.method === 'key'
      ? keyText
      : draft.method === 'password' && draft.password !== ''
        ? draft.password
        : null;
  const passphrase = draft.method === 'key' && draft.passphrase !== '' ? draft.passphrase : null;
  return { profile: { name, user: user === '' ? null : user, method }, secret, passphrase };
}

function PasswordInput(props: {
  testId: string;
  label: string;
  value: string;
  hint: string;
  onValue: (v: string) => void;
}) {
  return (
    <label class="field">
      <span class="field-label">{props.label}</span>
      <input
        type="password"
        data-testid={props.testId}
        value={props.value}
        autoComplete="new-password"
        spellcheck={false}
        onInput={(e) => {
          props.onValue(e.currentTarget.value);
        }}
      />
      <span class="hint">{props.hint}</span>
    </label>
  );
}

function ProfileForm({
  existing,
  onClose,
  onSaved,
}: {
  existing: SshProfileView | null;
  onClose: () => void;
  onSaved: (list: SshProfileView[]) => void;
}) {
  const [draft, setDraft] = useState(() => toDraft(existing));
  const [errors, setErrors] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const set = (key: keyof Draft) => (value: string) => {
    setDraft((d) => ({ ...d, [key]: value }));
  };
  const stored = (has: boolean | undefined) => (has ? t('cred.secretKeep') : t('cred.secretNone'));

  const submit = async () => {
    const out = fromDraft(draft, existing);
    // The secrets leave this form's state now, whatever the answer.
    setDraft((d) => ({ ...d, keyText: '', passphrase: '', password: '' }));
    if ('errors' in out) {
      setErrors(out.errors);
      return;
    }
    setSaving(true);
    setErrors([]);
    try {
      onSaved(await api.saveSshProfile(out.profile, out.secret, out.passphrase));
    } catch (e) {
      setErrors(errorLines(e as IpcError));
      setSaving(false);
    }
  };

  return (
    <Dialog
      testId="ssh-profile-form"
      title={existing ? t('cred.editTitle', { name: existing.profile.name }) : t('cred.addTitle')}
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
        <FormErrors lines={errors} testId="ssh-profile-error" heading={t('form.notSaved')} />
        <div class="form-grid">
          <TextInput
            testId="ssh-profile-name"
            label={t('cred.name')}
            value={draft.name}
            onValue={set('name')}
            readOnly={existing !== null}
            hint={existing ? undefined : t('cred.nameHint')}
          />
          <TextInput
            testId="ssh-profile-user"
            label={t('cred.user')}
            value={draft.user}
            onValue={set('user')}
            hint={t('cred.userHint')}
          />
          <label class="field">
            <span class="field-label">{t('cred.method')}</span>
            <select
              data-testid="ssh-profile-method"
              value={draft.method}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setDraft((d) => ({ ...d, method: METHODS.find((m) => m === value) ?? 'key' }));
              }}
            >
              {METHODS.map((m) => (
                <option key={m} value={m}>
                  {t(METHOD_LABEL[m])}
                </option>
              ))}
            </select>
          </label>
          {draft.method === 'key' ? (
            <>
              <TextInput
                testId="ssh-profile-key-file"
                label={t('cred.keyFile')}
                value={draft.keyFile}
                onValue={set('keyFile')}
                placeholder="~/.ssh/id_ed25519"
                hint={t('cred.keyFileHint')}
              />
              <label class="field wide-field">
                <span class="field-label">{t('cred.keyText')}</span>
                <textarea
                  data-testid="ssh-profile-key-text"
                  class="secret-text"
                  value={draft.keyText}
                  rows={4}
                  spellcheck={false}
                  autoComplete="off"
                  placeholder={t('cred.keyTextPlaceholder')}
                  onInput={(e) => {
                    set('keyText')(e.currentTarget.value);
                  }}
                />
                <span class="hint">{`${t('cred.keyTextHint')} ${stored(existing?.has_secret)}`}</span>
              </label>
              <PasswordInput
                testId="ssh-profile-passphrase"
                label={t('cred.passphrase')}
                value={draft.passphrase}
                onValue={set('passphrase')}
                hint={stored(existing?.has_passphrase)}
              />
            </>
          ) : null}
          {draft.method === 'password' ? (
            <PasswordInput
              testId="ssh-profile-password"
              label={t('cred.password')}
              value={draft.password}
              onValue={set('password')}
              hint={`${t('cred.passwordHint')} ${stored(existing?.has_secret)}`}
            />
          ) : null}
        </div>
        <div class="actions">
          <button type="button" data-testid="ssh-profile-cancel" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="primary" data-testid="ssh-profile-save" disabled={saving}>
            {saving ? t('form.saving') : t('form.save')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** A yes/no dialog for removing something; the action's failure is shown in it. */
export function Confirm({
  testId,
  title,
  question,
  action,
  onClose,
}: {
  testId: string;
  title: string;
  question: string;
  action: () => Promise<void>;
  onClose: () => void;
}) {
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog testId={testId} title={title} onClose={onClose}>
      <p class="question">{question}</p>
      <FormErrors lines={errors} testId={`${testId}-error`} />
      <DeleteActions
        busy={busy}
        testId={`${testId}-confirm`}
        onCancel={onClose}
        onConfirm={() => {
          setBusy(true);
          action().then(onClose, (e: unknown) => {
            setErrors(errorLines(e as IpcError));
            setBusy(false);
          });
        }}
      />
    </Dialog>
  );
}

function methodText(method: AuthMethod): string {
  const name = t(METHOD_LABEL[method.kind]);
  return method.kind === 'key' && method.key_file !== null ? `${name} (${method.key_file})` : name;
}

function Profiles() {
  const [list, setList] = useState<SshProfileView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<SshProfileView | 'new' | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);

  useEffect(() => {
    api.sshProfiles().then(setList, (e: unknown) => {
      setError(errorLines(e as IpcError).join('; '));
    });
  }, []);

  return (
    <div class="panel-block" data-testid="ssh-profiles">
      <div class="panel-head">
        <h3>{t('cred.profiles')}</h3>
        <button
          type="button"
          class="primary"
          data-testid="ssh-profile-add"
          onClick={() => {
            setEditing('new');
          }}
        >
          {t('cred.add')}
        </button>
      </div>
      <p class="hint">{t('cred.intro')}</p>
      {error !== null ? (
        <p class="form-errors" role="alert" data-testid="ssh-profiles-error">
          {t('cred.loadFailed', { message: error })}
        </p>
      ) : list === null ? (
        <p class="muted">{t('app.loading')}</p>
      ) : list.length === 0 ? (
        <p class="muted">{t('cred.none')}</p>
      ) : (
        <table class="grid-table">
          <thead>
            <tr>
              <th>{t('cred.name')}</th>
              <th>{t('cred.user')}</th>
              <th>{t('cred.method')}</th>
              <th>{t('cred.secret')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((v) => (
              <tr key={v.profile.name} data-testid={`ssh-profile-${v.profile.name}`}>
                <td>{v.profile.name}</td>
                <td>{v.profile.user ?? '—'}</td>
                <td>{methodText(v.profile.method)}</td>
                <td data-testid="ssh-profile-secret">
                  {[
                    v.has_secret ? t('cred.inKeychain') : t('cred.notInKeychain'),
                    v.has_passphrase ? t('cred.passphraseInKeychain') : null,
                  ]
                    .filter((x) => x !== null)
                    .join(' · ')}
                </td>
                <td class="row-actions">
                  <button
                    type="button"
                    data-testid={`ssh-profile-edit-${v.profile.name}`}
                    onClick={() => {
                      setEditing(v);
                    }}
                  >
                    {t('detail.edit')}
                  </button>
                  <button
                    type="button"
                    class="danger"
                    data-testid={`ssh-profile-remove-${v.profile.name}`}
                    onClick={() => {
                      setRemoving(v.profile.name);
                    }}
                  >
                    {t('cred.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing !== null ? (
        <ProfileForm
          existing={editing === 'new' ? null : editing}
          onClose={() => {
            setEditing(null);
          }}
          onSaved={(next) => {
            setList(next);
            setEditing(null);
          }}
        />
      ) : null}
      {removing !== null ? (
        <Confirm
          testId="ssh-profile-remove-dialog"
          title={t('cred.removeTitle')}
          question={t('cred.removeQuestion', { name: removing })}
          action={async () => {
            setList(await api.removeSshProfile(removing));
          }}
          onClose={() => {
            setRemoving(null);
          }}
        />
      ) : null}
    </div>
  );
}

function ImportResult({ result }: { result: ImportReport }) {
  return (
    <div class="result ok" role="status" data-testid="known-hosts-import-result">
      <p>{t('known.imported', { added: result.added, skipped: result.skipped })}</p>
      {result.problems.length > 0 ? (
        <ul class="warning">
          {result.problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function KnownHosts() {
  const [list, setList] = useState<KnownHostEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState<KnownHostEntry | null>(null);
  const [importing, setImporting] = useState(false);
  const [imported, setImported] = useState<ImportReport | null>(null);

  const load = () => {
    api.knownHosts().then(setList, (e: unknown) => {
      setError(errorLines(e as IpcError).join('; '));
    });
  };
  useEffect(load, []);

  const runImport = async () => {
    setImporting(true);
    setImported(null);
    setError(null);
    try {
      setImported(await api.importKnownHosts());
      load();
    } catch (e) {
      setError(errorLines(e as IpcError).join('; '));
    } finally {
      setImporting(false);
    }
  };

  return (
    <div class="panel-block" data-testid="known-hosts">
      <div class="panel-head">
        <h3>{t('known.title')}</h3>
        <button
          type="button"
          data-testid="known-hosts-import"
          disabled={importing}
          onClick={() => {
            void runImport();
          }}
        >
          {importing ? t('known.importing') : t('known.import')}
        </button>
      </div>
      <p class="hint">{t('known.intro')}</p>
      {imported ? <ImportResult result={imported} /> : null}
      {error !== null ? (
        <p class="form-errors" role="alert" data-testid="known-hosts-error">
          {error}
        </p>
      ) : null}
      {list === null ? null : list.length === 0 ? (
        <p class="muted">{t('known.none')}</p>
      ) : (
        <table class="grid-table">
          <thead>
            <tr>
              <th>{t('ssh.hostKey.host')}</th>
              <th>{t('ssh.hostKey.type')}</th>
              <th>{t('ssh.hostKey.fingerprint')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((k) => {
              const id = String(k.line);
              return (
                <tr key={`${id} ${k.key_type}`} data-testid={`known-host-${id}`}>
                  <td>{k.hosts ?? t('known.hashed')}</td>
                  <td>{k.key_type}</td>
                  <td>
                    <code class="fingerprint">{k.fingerprint}</code>
                  </td>
                  <td class="row-actions">
                    <button
                      type="button"
                      class="danger"
                      data-testid={`known-host-remove-${id}`}
                      onClick={() => {
                        setRemoving(k);
                      }}
                    >
                      {t('cred.remove')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {removing ? (
        <Confirm
          testId="known-host-remove-dialog"
          title={t('known.removeTitle')}
          question={t('known.removeQuestion', { host: removing.hosts ?? removing.fingerprint })}
          action={async () => {
            setList(await api.removeKnownHost(removing.line));
          }}
          onClose={() => {
            setRemoving(null);
          }}
        />
      ) : null}
    </div>
  );
}

/** Hosts of ~/.ssh/config become endpoints of a site (the fleet's own rules apply). */
function SshConfigImport() {
  const sites = fleet.value?.sites ?? [];
  const [site, setSite] = useState('');
  const [profile, setProfile] = useState('');
  const [profiles, setProfiles] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [plan, setPlan] = useState<ImportPlan | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  useEffect(() => {
    api.sshProfiles().then(
      (list) => {
        setProfiles(list.map((v) => v.profile.name));
      },
      () => {
        setProfiles([]);
      },
    );
  }, []);
  const run = async () => {
    if (site === '') {
      setErrors([t('sshImport.siteRequired')]);
      return;
    }
    setBusy(true);
    setErrors([]);
    setPlan(null);
    try {
      setPlan(await api.importSshConfig(site, profile === '' ? null : profile));
      await reloadFleet();
    } catch (e) {
      setErrors(errorLines(e as IpcError));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="panel-block" data-testid="ssh-config-import">
      <h3>{t('sshImport.title')}</h3>
      <p class="hint">{t('sshImport.intro')}</p>
      <div class="form-grid">
        <Select
          testId="ssh-import-site"
          label={t('entity.site')}
          value={site}
          empty={t('sshImport.chooseSite')}
          options={sites.map((x) => ({ value: x.id, label: `${x.name} (${x.id})` }))}
          onValue={setSite}
        />
        <Select
          testId="ssh-import-profile"
          label={t('sshImport.profile')}
          value={profile}
          empty={t('sshImport.perKey')}
          options={profiles.map((p) => ({ value: p, label: p }))}
          onValue={setProfile}
        />
      </div>
      <FormErrors lines={errors} testId="ssh-import-error" />
      <div class="actions">
        <button
          type="button"
          data-testid="ssh-import-run"
          disabled={busy}
          onClick={() => {
            void run();
          }}
        >
          {busy ? t('known.importing') : t('sshImport.run')}
        </button>
      </div>
      {plan ? (
        <div class="result ok" role="status" data-testid="ssh-import-result">
          <p>
            {plan.endpoints.length === 0
              ? t('sshImport.none')
              : t('sshImport.added', { n: plan.endpoints.length, ids: plan.endpoints.join(', ') })}
          </p>
          {plan.notes.length > 0 ? (
            <ul class="warning">
              {plan.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

export function Credentials() {
  return (
    <div class="credentials" data-testid="credentials">
      <Profiles />
      <KnownHosts />
      <SshConfigImport />
    </div>
  );
}
