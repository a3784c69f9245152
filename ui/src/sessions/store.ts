// The terminal tabs the window holds: one per SSH session, its state, and the question the
// session is waiting on (a host key to accept, a secret to type). Session events arrive on
// `session-event` and are routed here by session id; bytes go to the tab's terminal (kept
// until it is mounted). What a tab shows comes from servers: components render it as text.
import { signal } from '@preact/signals';
import type { UnlistenFn } from '@tauri-apps/api/event';
import { errorLines } from '../api';
import type { Fleet, IpcError } from '../bindings';
import { fleet, section } from '../state';
import * as api from './api';
import type { SessionEvent, SessionEventPayload } from '../bindings';
import type { TermSize } from './term';

export type SessionsView = 'terminals' | 'credentials' | 'fanout' | 'forwards' | 'sftp' | 'recordings';
export const SESSIONS_VIEWS: SessionsView[] = [
  'terminals',
  'credentials',
  'fanout',
  'forwards',
  'sftp',
  'recordings',
];

export type HostKeyPrompt = Extract<SessionEvent, { kind: 'host_key' }>;
export type SecretPrompt = Extract<SessionEvent, { kind: 'secret' }>;
export type Prompt = HostKeyPrompt | SecretPrompt;

export type TabState =
  | { kind: 'connecting' }
  | { kind: 'asking' }
  | { kind: 'connected'; hops: string[]; fingerprint: string }
  | { kind: 'exited'; status: number }
  | { kind: 'closed'; reason: string }
  | { kind: 'error'; message: string };

export type Tab = {
  /** Local and stable across reconnects (a reconnect is a new session id). */
  key: number;
  endpoint: string;
  /** The session id while one is open or being opened; `null` before `open_session` answers. */
  session: number | null;
  /** The hops the fleet says the connection takes: jump hosts first, the endpoint last. */
  route: string[];
  state: TabState;
  prompt: Prompt | null;
  recording: string | null;
};

export const tabs = signal<Tab[]>([]);
export const activeTab = signal<number | null>(null);
export const sessionsView = signal<SessionsView>('terminals');

const DEFAULT_SIZE: TermSize = { cols: 80, rows: 24 };
/** At most this many events are kept for a session id not yet known (they come before `open_session` answers). */
const EARLY_LIMIT = 2000;

let nextKey = 1;
let lastSize: TermSize = DEFAULT_SIZE;
const sizes = new Map<number, TermSize>();
const sinks = new Map<number, (bytes: Uint8Array) => void>();
const pending = new Map<number, Uint8Array[]>();
const early = new Map<number, SessionEvent[]>();
/** Sessions whose tab was closed: their late events are dropped, not kept. */
const closed = new Set<number>();
let listening: Promise<UnlistenFn | undefined> | null = null;

/** Base64 (as the shell sends terminal bytes) to bytes; malformed input gives no bytes. */
export function decodeBase64(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return new Uint8Array(0);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The jump hosts to `endpoint` from the fleet, outermost first, then the endpoint. */
export function routeTo(current: Fleet | null, endpoint: string): string[] {
  const route = [endpoint];
  const seen = new Set(route);
  let at = current?.endpoints.find((e) => e.id === endpoint);
  while (at?.ssh.jump != null && !seen.has(at.ssh.jump)) {
    const jump: string = at.ssh.jump;
    route.unshift(jump);
    seen.add(jump);
    at = current?.endpoints.find((e) => e.id === jump);
  }
  return route;
}

function update(key: number, change: (tab: Tab) => Tab): void {
  tabs.value = tabs.value.map((tab) => (tab.key === key ? change(tab) : tab));
}

function tabOf(session: number): Tab | undefined {
  return tabs.value.find((tab) => tab.session === session);
}

function errorText(e: unknown): string {
  return errorLines(e as IpcError).join('; ');
}

function deliver(key: number, bytes: Uint8Array): void {
  if (bytes.length === 0) return;
  const sink = sinks.get(key);
  if (sink) {
    sink(bytes);
  } else {
    const queue = pending.get(key) ?? [];
    queue.push(bytes);
    pending.set(key, queue);
  }
}

const ENDED = new Set<TabState['kind']>(['exited', 'closed', 'error']);

function apply(tab: Tab, event: SessionEvent): void {
  switch (event.kind) {
    case 'host_key':
    case 'secret':
      update(tab.key, (t) => ({ ...t, state: { kind: 'asking' }, prompt: event }));
      return;
    case 'connected':
      update(tab.key, (t) => ({
        ...t,
        state: { kind: 'connected', hops: event.hops, fingerprint: event.fingerprint },
        prompt: null,
      }));
      return;
    case 'data':
      deliver(tab.key, decodeBase64(event.bytes));
      return;
    case 'exit':
      update(tab.key, (t) => ({ ...t, state: { kind: 'exited', status: event.status }, prompt: null }));
      return;
    case 'closed':
      // An exit status or an error already says more than "closed".
      update(tab.key, (t) =>
        ENDED.has(t.state.kind) ? t : { ...t, state: { kind: 'closed', reason: event.reason }, prompt: null },
      );
      return;
    case 'error':
      update(tab.key, (t) => ({ ...t, state: { kind: 'error', message: event.message }, prompt: null }));
      return;
  }
}

/** Routes one `session-event`; events for an id not yet known wait for `open_session`'s answer. */
export function handleSessionEvent({ id, event }: SessionEventPayload): void {
  const tab = tabOf(id);
  if (tab) {
    apply(tab, event);
    return;
  }
  if (closed.has(id)) return;
  const waiting = early.get(id) ?? [];
  if (waiting.length < EARLY_LIMIT) waiting.push(event);
  early.set(id, waiting);
}

/** Subscribes to `session-event` once for the window. */
export function listenSessions(): Promise<UnlistenFn | undefined> {
  listening ??= api.onSessionsEvent('session-event', handleSessionEvent).catch(() => undefined);
  return listening;
}

async function connect(key: number, endpoint: string): Promise<void> {
  await listenSessions();
  const size = sizes.get(key) ?? lastSize;
  try {
    const info = await api.openSession(endpoint, size.cols, size.rows);
    const tab = tabs.value.find((t) => t.key === key);
    if (!tab) {
      // Closed while opening.
      closed.add(info.id);
      early.delete(info.id);
      void api.closeSession(info.id).catch(() => undefined);
      return;
    }
    update(key, (t) => ({ ...t, session: info.id, recording: info.recording }));
    const waiting = early.get(info.id) ?? [];
    early.delete(info.id);
    for (const event of waiting) {
      const now = tabs.value.find((t) => t.key === key);
      if (now) apply(now, event);
    }
    const fitted = sizes.get(key);
    if (fitted && (fitted.cols !== size.cols || fitted.rows !== size.rows)) {
      void api.sessionResize(info.id, fitted.cols, fitted.rows).catch(() => undefined);
    }
  } catch (e) {
    update(key, (t) => ({ ...t, state: { kind: 'error', message: errorText(e) }, prompt: null }));
  }
}

/** Shows the Sessions section and opens a terminal tab to `endpointId`. */
export function openSshSession(endpointId: string): number {
  section.value = 'sessions';
  sessionsView.value = 'terminals';
  const key = nextKey++;
  tabs.value = [
    ...tabs.value,
    {
      key,
      endpoint: endpointId,
      session: null,
      route: routeTo(fleet.value, endpointId),
      state: { kind: 'connecting' },
      prompt: null,
      recording: null,
    },
  ];
  activeTab.value = key;
  void connect(key, endpointId);
  return key;
}

/** Opens a new session in an ended tab; the terminal and its scrollback stay. */
export function reconnect(key: number): void {
  const tab = tabs.value.find((t) => t.key === key);
  if (!tab || !ENDED.has(tab.state.kind)) return;
  if (tab.session !== null) closed.add(tab.session);
  update(key, (t) => ({
    ...t,
    session: null,
    route: routeTo(fleet.value, t.endpoint),
    state: { kind: 'connecting' },
    prompt: null,
    recording: null,
  }));
  deliver(key, new TextEncoder().encode('\r\n'));
  void connect(key, tab.endpoint);
}

/** Closes the tab and its session. */
export function closeTab(key: number): void {
  const list = tabs.value;
  const index = list.findIndex((t) => t.key === key);
  const tab = list[index];
  if (!tab) return;
  if (tab.session !== null) {
    closed.add(tab.session);
    void api.closeSession(tab.session).catch(() => undefined);
  }
  const rest = list.filter((t) => t.key !== key);
  tabs.value = rest;
  sinks.delete(key);
  pending.delete(key);
  sizes.delete(key);
  if (activeTab.value === key) activeTab.value = (rest[index] ?? rest[index - 1] ?? null)?.key ?? null;
}

/** The tab's terminal is mounted: bytes go to it, those that came before first. */
export function attachTerminal(key: number, sink: (bytes: Uint8Array) => void): () => void {
  sinks.set(key, sink);
  for (const bytes of pending.get(key) ?? []) sink(bytes);
  pending.delete(key);
  return () => {
    if (sinks.get(key) === sink) sinks.delete(key);
  };
}

/** Typed input per tab: one write in flight at a time, the rest waits and goes next as
 * one, so keystrokes reach the host in the order they were typed (two IPC calls may
 * otherwise overtake each other on the Rust side). */
const typing = new Map<number, { busy: boolean; queued: string }>();

/** What the technician typed: sent only while the session is connected, in order. */
export function sendInput(key: number, data: string): void {
  const tab = tabs.value.find((t) => t.key === key);
  if (!tab || tab.session === null || tab.state.kind !== 'connected') return;
  const session = tab.session;
  const box = typing.get(key) ?? { busy: false, queued: '' };
  typing.set(key, box);
  box.queued += data;
  if (box.busy) return;
  const next = (): void => {
    const chunk = box.queued;
    box.queued = '';
    box.busy = chunk !== '';
    if (!box.busy) return;
    api.sessionWrite(session, chunk).then(next, (e: unknown) => {
      box.busy = false;
      box.queued = '';
      update(key, (t) => ({ ...t, state: { kind: 'error', message: errorText(e) } }));
    });
  };
  next();
}

/** The tab's terminal was fitted to a new size: the remote pty follows. */
export function resized(key: number, size: TermSize): void {
  const before = sizes.get(key);
  lastSize = size;
  if (before && before.cols === size.cols && before.rows === size.rows) return;
  sizes.set(key, size);
  const tab = tabs.value.find((t) => t.key === key);
  if (tab?.session != null) void api.sessionResize(tab.session, size.cols, size.rows).catch(() => undefined);
}

function answered(key: number, answer: (session: number) => Promise<null>): void {
  const tab = tabs.value.find((t) => t.key === key);
  if (!tab || tab.session === null) return;
  update(key, (t) => ({ ...t, prompt: null, state: { kind: 'connecting' } }));
  answer(tab.session).catch((e: unknown) => {
    update(key, (t) => ({ ...t, state: { kind: 'error', message: errorText(e) } }));
  });
}

export function answerHostKey(key: number, accept: boolean): void {
  answered(key, (session) => api.answerHostKey(session, accept));
}

/** `null` cancels. The secret is passed straight on and kept nowhere. */
export function answerSecret(key: number, secret: string | null): void {
  answered(key, (session) => api.answerSecret(session, secret));
}

/** How many tabs wait for the technician's answer (a host key, a secret). */
export function waitingTabs(): number {
  return tabs.value.filter((tab) => tab.prompt !== null).length;
}

/** Back to a fresh window; for tests. */
export function resetSessions(): void {
  const stop = listening;
  listening = null;
  void stop?.then((unlisten) => unlisten?.());
  tabs.value = [];
  activeTab.value = null;
  sessionsView.value = 'terminals';
  nextKey = 1;
  lastSize = DEFAULT_SIZE;
  sizes.clear();
  sinks.clear();
  pending.clear();
  early.clear();
  typing.clear();
  closed.clear();
}
