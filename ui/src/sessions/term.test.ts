import { beforeEach, describe, expect, it, vi } from 'vitest';

type KeyHandler = (e: KeyboardEvent) => boolean;
const made: { options: Record<string, unknown>; addons: unknown[]; keys: KeyHandler | null }[] = [];

vi.mock('@xterm/xterm', () => ({
  Terminal: class {
    cols = 80;
    rows = 24;
    record: { options: Record<string, unknown>; addons: unknown[]; keys: KeyHandler | null };
    constructor(options: Record<string, unknown>) {
      this.record = { options, addons: [], keys: null };
      made.push(this.record);
    }
    loadAddon(addon: unknown) {
      this.record.addons.push(addon);
    }
    open() {
      return undefined;
    }
    attachCustomKeyEventHandler(handler: KeyHandler) {
      this.record.keys = handler;
    }
    onData() {
      return { dispose: () => undefined };
    }
    dispose() {
      return undefined;
    }
  },
}));
vi.mock('@xterm/addon-fit', () => ({
  FitAddon: class Fit {
    fit() {
      return undefined;
    }
  },
}));
vi.mock('@xterm/addon-search', () => ({
  SearchAddon: class Search {
    clearDecorations() {
      return undefined;
    }
  },
}));

import { createTerminal, SCROLLBACK } from './term';

beforeEach(() => {
  made.length = 0;
});

function key(code: string, extra: Partial<KeyboardEventInit> = {}): KeyboardEvent {
  return new KeyboardEvent('keydown', { code, ctrlKey: true, shiftKey: true, ...extra });
}

describe('createTerminal', () => {
  it('keeps 10,000 lines, loads only fit and search, and leaves window reports off', () => {
    createTerminal(document.createElement('div'), { onData: vi.fn(), onShortcut: vi.fn() });
    const term = made[0];
    expect(term?.options.scrollback).toBe(SCROLLBACK);
    expect(SCROLLBACK).toBe(10000);
    // Not set: xterm's default turns every window report and manipulation off.
    expect(term?.options.windowOptions).toBeUndefined();
    expect(term?.options.allowProposedApi).toBeUndefined();
    expect(term?.addons.map((a) => (a as object).constructor.name)).toEqual(['Fit', 'Search']);
  });

  it('does not follow hyperlinks printed by a server', () => {
    const open = vi.spyOn(window, 'open').mockImplementation(() => null);
    createTerminal(document.createElement('div'), { onData: vi.fn(), onShortcut: vi.fn() });
    const handler = made[0]?.options.linkHandler as { activate: (e: MouseEvent, uri: string) => void };
    handler.activate(new MouseEvent('click'), 'javascript:alert(1)');
    expect(open).not.toHaveBeenCalled();
    open.mockRestore();
  });

  it('takes Ctrl+Shift+C/V/F for copy, paste and find, and passes other keys to the terminal', () => {
    const onShortcut = vi.fn();
    createTerminal(document.createElement('div'), { onData: vi.fn(), onShortcut });
    const keys = made[0]?.keys;
    expect(keys?.(key('KeyC'))).toBe(false);
    expect(keys?.(key('KeyV'))).toBe(false);
    expect(keys?.(key('KeyF'))).toBe(false);
    expect(onShortcut.mock.calls).toEqual([['copy'], ['paste'], ['find']]);
    expect(keys?.(key('KeyC', { shiftKey: false }))).toBe(true);
    expect(keys?.(key('KeyX'))).toBe(true);
    expect(onShortcut).toHaveBeenCalledTimes(3);
  });
});
