// Test doubles for the Sessions section: its commands answered like `answer` does for the
// generated ones, its events pushed by hand, and a fake terminal that records what it got.
import type { Mock } from 'vitest';
import type { Commands, Events } from '../bindings';
import type { TermHandle, TermHooks } from '../sessions/term';
import { fail } from './backend';

type All = Commands;

export type SessionHandlers = {
  [K in keyof All]?: (args: All[K]['args']) => All[K]['result'] | Promise<All[K]['result']>;
};

export function answerAll(invoke: Mock, handlers: SessionHandlers): void {
  invoke.mockImplementation(async (cmd: string, args: unknown) => {
    const handler = handlers[cmd as keyof All] as ((a: unknown) => unknown) | undefined;
    if (!handler) fail({ kind: 'Store', message: `test has no answer for ${cmd}` });
    return await handler(args);
  });
}

type Listener = (event: { event: string; id: number; payload: unknown }) => void;

/** Captures `listen` subscriptions; `emit` delivers a payload to each. */
export function eventHub(listen: Mock) {
  const listeners = new Map<string, Listener[]>();
  listen.mockImplementation((name: string, handler: Listener) => {
    listeners.set(name, [...(listeners.get(name) ?? []), handler]);
    return Promise.resolve(() => {
      listeners.set(
        name,
        (listeners.get(name) ?? []).filter((h) => h !== handler),
      );
    });
  });
  return {
    emit<K extends keyof Events>(name: K, payload: Events[K]): void {
      for (const h of listeners.get(name) ?? []) h({ event: name, id: 0, payload });
    },
    count: (name: string) => (listeners.get(name) ?? []).length,
  };
}

/** A terminal that keeps what was written to it, as text, and its hooks to type with. */
export type FakeTerm = TermHandle & { written: Uint8Array[]; text: () => string; hooks: TermHooks };

export const fakeTerms: FakeTerm[] = [];

export function fakeCreateTerminal(_container: HTMLElement, hooks: TermHooks): TermHandle {
  const written: Uint8Array[] = [];
  const term: FakeTerm = {
    written,
    hooks,
    text: () => new TextDecoder().decode(concat(written)),
    write: (bytes) => {
      written.push(bytes);
    },
    fit: () => ({ cols: 120, rows: 40 }),
    focus: () => undefined,
    selection: () => '',
    paste: (text) => {
      hooks.onData(text);
    },
    findNext: () => true,
    findPrevious: () => true,
    clearSearch: () => undefined,
    dispose: () => undefined,
  };
  fakeTerms.push(term);
  return term;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
