// One terminal tab's body: its state line (connecting through which hops, connected,
// ended and why, with Reconnect), its tools (copy, paste, find) and the terminal itself.
// The terminal stays mounted for the tab's life, hidden while another tab is shown, so a
// reconnect or a switch keeps the scrollback.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { activeTab, attachTerminal, reconnect, resized, sendInput, type Tab } from '../sessions/store';
import type { Shortcut, TermHandle } from '../sessions/term';

function StateLine({ tab }: { tab: Tab }) {
  const s = tab.state;
  const again = (
    <button
      type="button"
      data-testid="session-reconnect"
      onClick={() => {
        reconnect(tab.key);
      }}
    >
      {t('ssh.reconnect')}
    </button>
  );
  switch (s.kind) {
    case 'connecting':
      return (
        <p class="session-state" role="status" data-testid="session-state">
          {t('ssh.state.connecting', { route: tab.route.join(' → ') })}
        </p>
      );
    case 'asking':
      return (
        <p class="session-state" role="status" data-testid="session-state">
          {t('ssh.state.asking')}
        </p>
      );
    case 'connected':
      return (
        <p class="session-state ok" role="status" data-testid="session-state">
          {s.hops.length > 1
            ? t('ssh.state.connectedVia', { route: s.hops.join(' → ') })
            : t('ssh.state.connected')}
          {tab.recording !== null ? (
            <span class="muted"> · {t('ssh.state.recording', { path: tab.recording })}</span>
          ) : null}
        </p>
      );
    case 'exited':
      return (
        <p class="session-state" role="status" data-testid="session-state">
          {t('ssh.state.exited', { status: s.status })} {again}
        </p>
      );
    case 'closed':
      return (
        <p class="session-state warn" role="status" data-testid="session-state">
          {t('ssh.state.closed', { reason: s.reason })} {again}
        </p>
      );
    case 'error':
      return (
        <div class="session-state error" role="alert" data-testid="session-state">
          <p class="session-error">{s.message}</p>
          {again}
        </div>
      );
  }
}

export function TerminalTab({ tab, active }: { tab: Tab; active: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const term = useRef<TermHandle | null>(null);
  const searchBox = useRef<HTMLInputElement>(null);
  const [searching, setSearching] = useState(false);
  const [query, setQuery] = useState('');
  const [notice, setNotice] = useState<string | null>(null);

  const copy = () => {
    const text = term.current?.selection() ?? '';
    if (text === '') return;
    navigator.clipboard.writeText(text).then(
      () => {
        setNotice(null);
      },
      () => {
        setNotice(t('ssh.copyFailed'));
      },
    );
  };
  const paste = () => {
    navigator.clipboard.readText().then(
      (text) => {
        setNotice(null);
        term.current?.paste(text);
        term.current?.focus();
      },
      () => {
        setNotice(t('ssh.pasteFailed'));
      },
    );
  };
  const find = () => {
    setSearching(true);
    // After the box renders.
    setTimeout(() => searchBox.current?.focus(), 0);
  };
  const shortcuts = useRef<Record<Shortcut, () => void>>({ copy, paste, find });
  shortcuts.current = { copy, paste, find };

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let stop: (() => void) | null = null;
    let gone = false;
    // xterm.js is loaded with the first terminal, not with the window.
    void import('../sessions/term').then(({ createTerminal }) => {
      if (gone) return;
      const handle = createTerminal(el, {
        onData: (data) => {
          sendInput(tab.key, data);
        },
        onShortcut: (s) => {
          shortcuts.current[s]();
        },
      });
      term.current = handle;
      const detach = attachTerminal(tab.key, handle.write);
      const fit = () => {
        const size = handle.fit();
        if (size) resized(tab.key, size);
      };
      fit();
      if (activeTab.value === tab.key) handle.focus();
      const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(fit);
      observer?.observe(el);
      stop = () => {
        observer?.disconnect();
        detach();
        handle.dispose();
        term.current = null;
      };
    });
    return () => {
      gone = true;
      stop?.();
    };
  }, [tab.key]);

  useEffect(() => {
    if (!active) return;
    const size = term.current?.fit();
    if (size) resized(tab.key, size);
    term.current?.focus();
  }, [active, tab.key]);

  return (
    <div class="terminal-tab" hidden={!active} data-testid="terminal-tab">
      <div class="terminal-bar">
        <StateLine tab={tab} />
        <span class="spacer" />
        <button type="button" data-testid="terminal-copy" title="Ctrl+Shift+C" onClick={copy}>
          {t('ssh.copy')}
        </button>
        <button type="button" data-testid="terminal-paste" title="Ctrl+Shift+V" onClick={paste}>
          {t('ssh.paste')}
        </button>
        <button type="button" data-testid="terminal-find" title="Ctrl+Shift+F" onClick={find}>
          {t('ssh.find')}
        </button>
      </div>
      {notice !== null ? (
        <p class="hint error-text" role="alert">
          {notice}
        </p>
      ) : null}
      {searching ? (
        <div class="terminal-search">
          <input
            ref={searchBox}
            type="search"
            data-testid="terminal-search"
            aria-label={t('ssh.find')}
            placeholder={t('ssh.findHint')}
            value={query}
            spellcheck={false}
            onInput={(e) => {
              setQuery(e.currentTarget.value);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                if (e.shiftKey) term.current?.findPrevious(query);
                else term.current?.findNext(query);
              } else if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                term.current?.clearSearch();
                setSearching(false);
                term.current?.focus();
              }
            }}
          />
          <button type="button" onClick={() => term.current?.findPrevious(query)}>
            {t('ssh.findPrevious')}
          </button>
          <button type="button" onClick={() => term.current?.findNext(query)}>
            {t('ssh.findNext')}
          </button>
          <button
            type="button"
            onClick={() => {
              term.current?.clearSearch();
              setSearching(false);
            }}
          >
            {t('common.close')}
          </button>
        </div>
      ) : null}
      <div
        ref={box}
        class="terminal"
        data-testid={tab.session === null ? 'terminal-pending' : `terminal-${String(tab.session)}`}
      />
    </div>
  );
}
