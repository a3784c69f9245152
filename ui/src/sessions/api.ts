// The Sessions section's calls: one typed function per command (types from the generated
// bindings), each rejecting with an `IpcError` only, through `../api`.
import type { UnlistenFn } from '@tauri-apps/api/event';
import { call, onEvent, toIpcError } from '../api';
import type { CredentialProfile, Direction, Events, Selector, Snippet } from '../bindings';

/** Subscribes to one of the section's events; resolves to the function that unsubscribes. */
export async function onSessionsEvent<K extends keyof Events>(
  name: K,
  handler: (payload: Events[K]) => void,
): Promise<UnlistenFn> {
  try {
    return await onEvent(name, handler);
  } catch (e) {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw toIpcError(e);
  }
}

export const sshProfiles = () => call('ssh_profiles', {});
export const saveSshProfile = (
  profile: CredentialProfile,
  secret: string | null,
  passphrase: string | null,
) => call('save_ssh_profile', { profile, secret, passphrase });
export const removeSshProfile = (name: string) => call('remove_ssh_profile', { name });

export const knownHosts = () => call('known_hosts', {});
export const removeKnownHost = (line: number) => call('remove_known_host', { line });
export const importKnownHosts = () => call('import_known_hosts', {});
export const importSshConfig = (site: string, profile: string | null) =>
  call('import_ssh_config', { site, profile });

export const openSession = (endpoint: string, cols: number, rows: number) =>
  call('open_session', { endpoint, cols, rows });
export const sessionWrite = (id: number, data: string) => call('session_write', { id, data });
export const sessionResize = (id: number, cols: number, rows: number) =>
  call('session_resize', { id, cols, rows });
export const closeSession = (id: number) => call('close_session', { id });
export const answerHostKey = (id: number, accept: boolean) => call('answer_host_key', { id, accept });
export const answerSecret = (id: number, secret: string | null) => call('answer_secret', { id, secret });

export const forwards = () => call('forwards', {});
export const openForward = (endpoint: string, localPort: number, remoteHost: string, remotePort: number) =>
  call('open_forward', { endpoint, localPort, remoteHost, remotePort });
export const closeForward = (id: number) => call('close_forward', { id });

export const sftpList = (endpoint: string, path: string) => call('sftp_list', { endpoint, path });
/** The local side is picked by the technician in a native dialog that Rust opens. */
/** `folder`: for an upload, the native picker asks for a folder instead of a file. */
export const sftpTransfer = (
  endpoint: string,
  direction: Direction,
  remote: string,
  folder = false,
) => call('sftp_transfer', { endpoint, direction, remote, folder });
export const transfers = () => call('transfers', {});
export const cancelTransfer = (id: number) => call('cancel_transfer', { id });

export const fanoutPreview = (selector: Selector) => call('fanout_preview', { selector });
export const runFanout = (
  selector: Selector,
  command: string,
  concurrency: number,
  queueUnreachable: boolean,
) => call('run_fanout', { selector, command, concurrency, queueUnreachable });
export const fanouts = () => call('fanouts', {});
export const cancelQueued = (id: number, endpoint: string | null) => call('cancel_queued', { id, endpoint });
export const snippets = () => call('snippets', {});
export const saveSnippet = (snippet: Snippet) => call('save_snippet', { snippet });
export const removeSnippet = (name: string) => call('remove_snippet', { name });

export const recordings = (customer: string | null) => call('recordings', { customer });
export const exportSessionAudit = (customer: string) => call('export_session_audit', { customer });
