// The Sessions section's door to the Rust side: one typed function per command of
// `contract.ts`, each rejecting with an `IpcError` only (the same conversion as `../api`).
// Transitional, like the contract: when the generated bindings carry these commands, these
// become plain `call(...)`s.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { toIpcError } from '../api';
import type {
  CredentialProfile,
  Selector,
  SessionCommands,
  SessionEvents,
  Snippet,
  TransferDirection,
} from './contract';

async function run<K extends keyof SessionCommands>(
  name: K,
  args: SessionCommands[K]['args'],
): Promise<SessionCommands[K]['result']> {
  try {
    return await invoke<SessionCommands[K]['result']>(name, args);
  } catch (e) {
    // The contract: callers catch the plain `IpcError` object, as Rust sent it.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw toIpcError(e);
  }
}

/** Subscribes to one of the section's events; resolves to the function that unsubscribes. */
export async function onSessionsEvent<K extends keyof SessionEvents>(
  name: K,
  handler: (payload: SessionEvents[K]) => void,
): Promise<UnlistenFn> {
  try {
    return await listen<SessionEvents[K]>(name, (event) => {
      handler(event.payload);
    });
  } catch (e) {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw toIpcError(e);
  }
}

export const sshProfiles = () => run('ssh_profiles', {});
export const saveSshProfile = (
  profile: CredentialProfile,
  secret: string | null,
  passphrase: string | null,
) => run('save_ssh_profile', { profile, secret, passphrase });
export const removeSshProfile = (name: string) => run('remove_ssh_profile', { name });

export const knownHosts = () => run('known_hosts', {});
export const removeKnownHost = (host: string, port: number) => run('remove_known_host', { host, port });
export const importKnownHosts = () => run('import_known_hosts', {});

export const openSession = (endpoint: string, cols: number, rows: number) =>
  run('open_session', { endpoint, cols, rows });
export const sessionWrite = (id: number, data: string) => run('session_write', { id, data });
export const sessionResize = (id: number, cols: number, rows: number) =>
  run('session_resize', { id, cols, rows });
export const closeSession = (id: number) => run('close_session', { id });
export const answerHostKey = (id: number, accept: boolean) => run('answer_host_key', { id, accept });
export const answerSecret = (id: number, secret: string | null) => run('answer_secret', { id, secret });

export const forwards = () => run('forwards', {});
export const openForward = (endpoint: string, localPort: number, remoteHost: string, remotePort: number) =>
  run('open_forward', { endpoint, localPort, remoteHost, remotePort });
export const closeForward = (id: number) => run('close_forward', { id });

export const sftpList = (endpoint: string, path: string) => run('sftp_list', { endpoint, path });
export const sftpTransfer = (endpoint: string, direction: TransferDirection, remote: string, local: string) =>
  run('sftp_transfer', { endpoint, direction, remote, local });
export const transfers = () => run('transfers', {});
export const cancelTransfer = (id: number) => run('cancel_transfer', { id });

export const fanoutPreview = (selector: Selector) => run('fanout_preview', { selector });
export const runFanout = (
  selector: Selector,
  command: string,
  concurrency: number,
  queueUnreachable: boolean,
) => run('run_fanout', { selector, command, concurrency, queueUnreachable });
export const fanouts = () => run('fanouts', {});
export const cancelQueued = (id: number, endpoint: string) => run('cancel_queued', { id, endpoint });
export const snippets = () => run('snippets', {});
export const saveSnippet = (snippet: Snippet) => run('save_snippet', { snippet });
export const removeSnippet = (name: string) => run('remove_snippet', { name });

export const recordings = (customer: string | null) => run('recordings', { customer });
export const exportSessionAudit = (customer: string) => run('export_session_audit', { customer });
