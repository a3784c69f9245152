// The one place that touches xterm.js: a terminal in a container, behind a small handle.
// Components use only `createTerminal`, so tests (jsdom has no canvas or layout) mock this
// module and nothing else.
//
// Security: what a server prints must not act on the console. So no clipboard addon (OSC 52
// would let output write the clipboard), `windowOptions` left at xterm's default (every
// title/size report and window manipulation off, so output cannot read the title back as
// input), no title listener, and OSC 8 hyperlinks do nothing when clicked (xterm's default
// would offer to open them). The clipboard is read and written only on the technician's
// Ctrl+Shift+C / Ctrl+Shift+V or the tab's buttons.
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';

export type TermSize = { cols: number; rows: number };
export type Shortcut = 'copy' | 'paste' | 'find';

export type TermHooks = {
  /** What the technician typed or pasted, as xterm encodes it. */
  onData: (data: string) => void;
  onShortcut: (shortcut: Shortcut) => void;
};

export type TermHandle = {
  write: (bytes: Uint8Array) => void;
  /** Fits the terminal to its container; `null` while the container is hidden. */
  fit: () => TermSize | null;
  focus: () => void;
  selection: () => string;
  paste: (text: string) => void;
  findNext: (query: string) => boolean;
  findPrevious: (query: string) => boolean;
  clearSearch: () => void;
  dispose: () => void;
};

export const SCROLLBACK = 10000;

const SHORTCUTS: Record<string, Shortcut> = { KeyC: 'copy', KeyV: 'paste', KeyF: 'find' };

export function createTerminal(container: HTMLElement, hooks: TermHooks): TermHandle {
  const term = new Terminal({
    scrollback: SCROLLBACK,
    cursorBlink: true,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono CJK KR", monospace',
    fontSize: 13,
    // Hyperlinks in output (OSC 8) are not followed; see the module comment.
    linkHandler: { activate: () => undefined, allowNonHttpProtocols: false },
  });
  const fit = new FitAddon();
  const search = new SearchAddon();
  term.loadAddon(fit);
  term.loadAddon(search);
  term.open(container);

  term.attachCustomKeyEventHandler((e) => {
    // e.code, so a Korean IME (jamo in e.key) does not break the shortcuts.
    const shortcut = e.ctrlKey && e.shiftKey && !e.altKey ? SHORTCUTS[e.code] : undefined;
    if (!shortcut) return true;
    if (e.type === 'keydown') {
      e.preventDefault();
      hooks.onShortcut(shortcut);
    }
    return false;
  });
  const data = term.onData(hooks.onData);

  return {
    write: (bytes) => {
      term.write(bytes);
    },
    fit: () => {
      if (container.clientWidth === 0 || container.clientHeight === 0) return null;
      fit.fit();
      return { cols: term.cols, rows: term.rows };
    },
    focus: () => {
      term.focus();
    },
    selection: () => term.getSelection(),
    paste: (text) => {
      term.paste(text);
    },
    findNext: (query) => search.findNext(query),
    findPrevious: (query) => search.findPrevious(query),
    clearSearch: () => {
      search.clearDecorations();
    },
    dispose: () => {
      data.dispose();
      term.dispose();
    },
  };
}
