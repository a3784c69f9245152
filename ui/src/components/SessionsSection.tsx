// The Sessions section: SSH terminal tabs opened from a host picker (or from an endpoint's
// details), and the tools around them. Everything shown from servers is text.
import { useEffect, useState } from 'preact/hooks';
import type { Fleet } from '../bindings';
import { endpointLabel } from '../fleet/tree';
import { t, type MessageKey } from '../i18n';
import { fleet } from '../state';
import {
  activeTab,
  closeTab,
  listenSessions,
  openSshSession,
  SESSIONS_VIEWS,
  sessionsView,
  tabs,
  type SessionsView,
  type Tab,
} from '../sessions/store';
import { Credentials } from './Credentials';
import { Fanout } from './Fanout';
import { Forwards } from './Forwards';
import { Recordings } from './Recordings';
import { HostKeyDialog, SecretDialog } from './SessionPrompts';
import { Sftp } from './Sftp';
import { TerminalTab } from './TerminalTab';

const VIEW_LABEL: Record<SessionsView, MessageKey> = {
  terminals: 'ssh.view.terminals',
  credentials: 'ssh.view.credentials',
  fanout: 'ssh.view.fanout',
  forwards: 'ssh.view.forwards',
  sftp: 'ssh.view.sftp',
  recordings: 'ssh.view.recordings',
};

/** How many matching endpoints the picker lists; the filter narrows the rest. */
const PICKER_LIMIT = 200;

type HostRow = { id: string; label: string; host: string; customer: string };

export function hostRows(current: Fleet | null, query: string): HostRow[] {
  if (!current) return [];
  const siteCustomer = new Map(current.sites.map((s) => [s.id, s.customer]));
  const customerName = new Map(current.customers.map((c) => [c.id, c.name]));
  const q = query.trim().toLowerCase();
  const rows: HostRow[] = [];
  for (const e of current.endpoints) {
    const customer = customerName.get(siteCustomer.get(e.site) ?? '') ?? '';
    const row = { id: e.id, label: endpointLabel(e), host: e.host, customer };
    if (
      q === '' ||
      [e.id, e.name, e.host, customer, ...e.tags].some((field) => field.toLowerCase().includes(q))
    ) {
      rows.push(row);
    }
  }
  return rows;
}

function HostPicker() {
  const [query, setQuery] = useState('');
  const rows = hostRows(fleet.value, query);
  return (
    <aside class="host-picker" aria-label={t('ssh.picker.label')}>
      <input
        type="search"
        data-testid="session-host-filter"
        aria-label={t('ssh.picker.filter')}
        placeholder={t('ssh.picker.filter')}
        value={query}
        spellcheck={false}
        onInput={(e) => {
          setQuery(e.currentTarget.value);
        }}
      />
      <ul class="host-list">
        {rows.slice(0, PICKER_LIMIT).map((r) => (
          <li key={r.id}>
            <button
              type="button"
              class="host-row"
              data-testid={`session-host-${r.id}`}
              title={t('ssh.picker.open', { name: r.label })}
              onClick={() => {
                openSshSession(r.id);
              }}
            >
              <span class="host-label">{r.label}</span>
              <span class="host-detail">
                {r.host} · {r.customer}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {rows.length === 0 ? <p class="muted">{t('ssh.picker.none')}</p> : null}
      {rows.length > PICKER_LIMIT ? (
        <p class="hint">{t('ssh.picker.more', { n: rows.length - PICKER_LIMIT })}</p>
      ) : null}
    </aside>
  );
}

function TabLabel({ tab }: { tab: Tab }) {
  const marker =
    tab.state.kind === 'connected'
      ? '●'
      : tab.state.kind === 'error'
        ? '!'
        : tab.state.kind === 'asking'
          ? '?'
          : tab.state.kind === 'connecting'
            ? '…'
            : '○';
  return (
    <span class={`session-tab-label state-${tab.state.kind}`}>
      <span aria-hidden="true">{marker}</span> {tab.endpoint}
    </span>
  );
}

function Prompts() {
  const list = tabs.value;
  const asking =
    list.find((tab) => tab.key === activeTab.value && tab.prompt) ?? list.find((tab) => tab.prompt);
  const prompt = asking?.prompt;
  if (!asking || !prompt) return null;
  // Keyed by tab and question, so a new question starts with an empty field.
  return prompt.kind === 'host_key' ? (
    <HostKeyDialog
      key={`${String(asking.key)}-hk-${prompt.fingerprint}`}
      tabKey={asking.key}
      prompt={prompt}
    />
  ) : (
    <SecretDialog key={`${String(asking.key)}-s-${prompt.prompt}`} tabKey={asking.key} prompt={prompt} />
  );
}

function Terminals() {
  const list = tabs.value;
  return (
    <div class="terminals">
      <HostPicker />
      <div class="terminal-area">
        {list.length === 0 ? (
          <p class="muted empty-tabs" data-testid="sessions-empty">
            {t('ssh.noTabs')}
          </p>
        ) : (
          <div class="session-tabs" role="tablist" aria-label={t('ssh.tabs')}>
            {list.map((tab) => (
              <span key={tab.key} class="session-tab-item">
                <button
                  type="button"
                  role="tab"
                  data-testid="session-tab"
                  aria-selected={tab.key === activeTab.value}
                  onClick={() => {
                    activeTab.value = tab.key;
                  }}
                >
                  <TabLabel tab={tab} />
                </button>
                <button
                  type="button"
                  class="tab-close"
                  data-testid="session-tab-close"
                  aria-label={t('ssh.closeTab', { name: tab.endpoint })}
                  title={t('ssh.closeTab', { name: tab.endpoint })}
                  onClick={() => {
                    closeTab(tab.key);
                  }}
                >
                  ×
                </button>
              </span>
            ))}
          </div>
        )}
        {list.map((tab) => (
          <TerminalTab key={tab.key} tab={tab} active={tab.key === activeTab.value} />
        ))}
      </div>
    </div>
  );
}

function Panel({ view }: { view: SessionsView }) {
  switch (view) {
    case 'terminals':
      return null;
    case 'credentials':
      return <Credentials />;
    case 'fanout':
      return <Fanout />;
    case 'forwards':
      return <Forwards />;
    case 'sftp':
      return <Sftp />;
    case 'recordings':
      return <Recordings />;
  }
}

export function SessionsSection({ hidden = false }: { hidden?: boolean }) {
  useEffect(() => {
    void listenSessions();
  }, []);
  const view = sessionsView.value;
  return (
    <section class="sessions" data-testid="sessions-section" hidden={hidden}>
      <nav class="sub-nav" aria-label={t('ssh.view.label')}>
        {SESSIONS_VIEWS.map((v) => (
          <button
            key={v}
            type="button"
            data-testid={`sessions-view-${v}`}
            aria-current={view === v ? 'page' : undefined}
            onClick={() => {
              sessionsView.value = v;
            }}
          >
            {t(VIEW_LABEL[v])}
          </button>
        ))}
      </nav>
      {/* The terminals stay mounted behind the other views: their sessions keep running. */}
      <div class="sessions-view" hidden={view !== 'terminals'}>
        <Terminals />
      </div>
      {view === 'terminals' ? null : (
        <div class="sessions-view">
          <Panel view={view} />
        </div>
      )}
      {/* A modal must never sit in a hidden section: it would hold the focus unseen. */}
      {hidden ? null : <Prompts />}
    </section>
  );
}
