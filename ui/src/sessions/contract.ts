// Transitional: replaced by the generated bindings when the shell implements these commands.
//
// The IPC types and command signatures of the Sessions section (SSH terminals, credentials,
// known hosts, forwards, SFTP, fan-out, recordings), written by hand from the agreed contract
// as the Rust side will send it. Nothing here is generated; when `bindings.ts` gains these
// commands, delete this file and import from there.

export type AuthMethod =
  | { kind: 'key'; key_file: string | null }
  | { kind: 'agent' }
  | { kind: 'password' }
  | { kind: 'keyboard_interactive' };

export type CredentialProfile = { name: string; user: string | null; method: AuthMethod };

export type SshProfileView = { profile: CredentialProfile; has_secret: boolean; has_passphrase: boolean };

export type KnownHostView = { host: string; port: number; key_type: string; fingerprint: string };

export type KnownHostsImport = { added: number; skipped: number; problems: string[] };

export type SessionInfo = { id: number; endpoint: string; title: string; recording: string | null };

export type SessionEvent =
  | {
      kind: 'host_key';
      hop: number;
      label: string;
      host: string;
      port: number;
      key_type: string;
      fingerprint: string;
    }
  | { kind: 'secret'; label: string; prompt: string; echo: boolean }
  | { kind: 'connected'; hops: string[]; fingerprint: string }
  /** Base64 of the bytes the remote side wrote. */
  | { kind: 'data'; data: string }
  | { kind: 'exit'; status: number }
  | { kind: 'closed'; reason: string }
  | { kind: 'error'; message: string };

export type SessionEventPayload = { id: number; event: SessionEvent };

export type ForwardView = {
  id: number;
  endpoint: string;
  local_port: number;
  remote_host: string;
  remote_port: number;
  connections: number;
  error: string | null;
};

export type SftpEntryKind = 'file' | 'dir' | 'link' | 'other';

/** `modified` in unix seconds. */
export type SftpEntry = { name: string; kind: SftpEntryKind; size: number; modified: number | null };

export type SftpListing = { path: string; entries: SftpEntry[] };

export type TransferDirection = 'download' | 'upload';

export type TransferState = 'running' | 'done' | 'failed' | 'cancelled';

export type TransferView = {
  id: number;
  endpoint: string;
  direction: TransferDirection;
  remote: string;
  local: string;
  done_bytes: number;
  total_bytes: number | null;
  files_done: number;
  state: TransferState;
  error: string | null;
};

export type Selector = {
  customer: string | null;
  site: string | null;
  tag: string | null;
  endpoints: string[];
};

export type FanoutPreview = {
  endpoints: { id: string; customer: string; site: string; host: string }[];
  customers: number;
};

export type FanoutHostState =
  'waiting' | 'running' | 'ok' | 'failed' | 'unreachable' | 'queued' | 'expired' | 'cancelled';

export type FanoutHost = {
  endpoint: string;
  customer: string;
  state: FanoutHostState;
  exit: number | null;
  output: string;
  error: string | null;
  queued_until: number | null;
};

export type FanoutView = { id: number; command: string; started: number; hosts: FanoutHost[] };

export type Snippet = { name: string; command: string };

export type Recording = { path: string; customer: string; endpoint: string; started: number; bytes: number };

/** Every command of the section: its arguments (camelCase, as `invoke` takes them) and result. */
export type SessionCommands = {
  ssh_profiles: { args: Record<string, never>; result: SshProfileView[] };
  save_ssh_profile: {
    args: { profile: CredentialProfile; secret: string | null; passphrase: string | null };
    result: SshProfileView[];
  };
  remove_ssh_profile: { args: { name: string }; result: SshProfileView[] };

  known_hosts: { args: Record<string, never>; result: KnownHostView[] };
  remove_known_host: { args: { host: string; port: number }; result: KnownHostView[] };
  import_known_hosts: { args: Record<string, never>; result: KnownHostsImport };

  open_session: { args: { endpoint: string; cols: number; rows: number }; result: SessionInfo };
  session_write: { args: { id: number; data: string }; result: null };
  session_resize: { args: { id: number; cols: number; rows: number }; result: null };
  close_session: { args: { id: number }; result: null };
  answer_host_key: { args: { id: number; accept: boolean }; result: null };
  answer_secret: { args: { id: number; secret: string | null }; result: null };

  forwards: { args: Record<string, never>; result: ForwardView[] };
  open_forward: {
    args: { endpoint: string; localPort: number; remoteHost: string; remotePort: number };
    result: ForwardView;
  };
  close_forward: { args: { id: number }; result: ForwardView[] };

  sftp_list: { args: { endpoint: string; path: string }; result: SftpListing };
  sftp_transfer: {
    args: { endpoint: string; direction: TransferDirection; remote: string; local: string };
    result: TransferView;
  };
  transfers: { args: Record<string, never>; result: TransferView[] };
  cancel_transfer: { args: { id: number }; result: null };

  fanout_preview: { args: { selector: Selector }; result: FanoutPreview };
  run_fanout: {
    args: { selector: Selector; command: string; concurrency: number; queueUnreachable: boolean };
    result: FanoutView;
  };
  fanouts: { args: Record<string, never>; result: FanoutView[] };
  cancel_queued: { args: { id: number; endpoint: string }; result: null };
  snippets: { args: Record<string, never>; result: Snippet[] };
  save_snippet: { args: { snippet: Snippet }; result: Snippet[] };
  remove_snippet: { args: { name: string }; result: Snippet[] };

  recordings: { args: { customer: string | null }; result: Recording[] };
  export_session_audit: { args: { customer: string }; result: { path: string } };
};

/** The section's events and their payloads. */
export type SessionEvents = {
  'session-event': SessionEventPayload;
  'transfer-changed': TransferView;
  'fanout-changed': FanoutView;
};
