// The one door to the Rust side. Components call `call` and `onEvent` only, so every
// failure reaches them as an `IpcError` they can branch on by `kind`.
import { signal } from '@preact/signals';
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { Commands, Events, IpcError } from './bindings';
import { t } from './i18n';

export type NewerDatabaseError = Extract<IpcError, { kind: 'NewerDatabase' }>;

/** Set once any call reports a database from a newer Fieldline; the app then shows only that. */
export const newerDatabase = signal<NewerDatabaseError | null>(null);

// A record, not a list: a kind added on the Rust side fails the type check until named here.
const KIND_NAMES: Record<IpcError['kind'], true> = {
  Invalid: true,
  NotFound: true,
  AlreadyExists: true,
  BadFile: true,
  NewerDatabase: true,
  Store: true,
  DiskFull: true,
  Keychain: true,
  Unreachable: true,
  Remote: true,
  NotApproved: true,
};
const KINDS: ReadonlySet<string> = new Set(Object.keys(KIND_NAMES));

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Whether a thrown value already has the shape of an `IpcError`. */
export function isIpcError(e: unknown): e is IpcError {
  return isRecord(e) && typeof e.kind === 'string' && KINDS.has(e.kind) && typeof e.message === 'string';
}

/** Turns whatever `invoke` threw into an `IpcError`; anything else becomes `Store`. */
export function toIpcError(e: unknown): IpcError {
  if (!isIpcError(e)) return { kind: 'Store', message: String(e) };
  // A malformed issue list must not break the form that renders it.
  if (e.kind === 'Invalid' && !Array.isArray((e as { issues?: unknown }).issues)) {
    return { kind: 'Invalid', message: e.message, issues: [] };
  }
  return e;
}

/** Invokes a command; rejects with an `IpcError` only. */
export async function call<K extends keyof Commands>(
  name: K,
  args: Commands[K]['args'],
): Promise<Commands[K]['result']> {
  try {
    return await invoke<Commands[K]['result']>(name, args);
  } catch (e) {
    let err = toIpcError(e);
    if (err.kind === 'NewerDatabase') newerDatabase.value = err;
    // A full disk is said in the technician's language, wherever the message is shown.
    if (err.kind === 'DiskFull') err = { kind: 'DiskFull', message: t('error.diskFull') };
    // The contract: callers catch the plain `IpcError` object, as Rust sent it.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw err;
  }
}

/** Subscribes to a shell event; resolves to the function that unsubscribes. */
export function onEvent<K extends keyof Events>(
  name: K,
  handler: (payload: Events[K]) => void,
): Promise<UnlistenFn> {
  return listen<Events[K]>(name, (event) => {
    handler(event.payload);
  });
}

/** The error's text for people: every issue of an `Invalid`, otherwise the message. */
export function errorLines(err: IpcError): string[] {
  if (err.kind === 'Invalid' && err.issues.length > 0) {
    return err.issues.map((i) => `${i.field}: ${i.message}`);
  }
  return [err.message];
}
