// Generated from crates/fieldline-ipc by scripts/gen-bindings.sh. Do not edit.
// A test fails when this file and the Rust declarations disagree.

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key: string]: JsonValue } | null;

export type Customer = { id: string, name: string, notes: string, 
/**
 * Part of the demo fleet: shown with a "demo" label, never mistaken for a customer.
 */
demo: boolean, };

export type Site = { id: string, customer: string, name: string, 
/**
 * IANA time zone name, e.g. `Asia/Seoul`.
 */
timezone: string, notes: string, };

export type SshSettings = { user: string | null, port: number | null, 
/**
 * Id of the endpoint to jump through.
 */
jump: string | null, 
/**
 * Name of a credential profile (the secret itself is in the OS keychain).
 */
credential: string | null, };

export type CheckKind = "http" | "tcp" | "ping" | "dns" | "tls_expiry" | "node_exporter" | "ssh_command";

export type Check = { kind: CheckKind, params: Record<string, JsonValue>, };

export type Endpoint = { id: string, site: string, 
/**
 * Display name; empty means "show the id".
 */
name: string, host: string, tags: Array<string>, notes: string, 
/**
 * The endpoint this one depends on (its router, its hypervisor).
 */
parent: string | null, ssh: SshSettings, checks: Array<Check>, };

export type Fleet = { customers: Array<Customer>, sites: Array<Site>, endpoints: Array<Endpoint>, };

export type FleetChange = { "kind": "CreateCustomer", customer: Customer, } | { "kind": "UpdateCustomer", customer: Customer, } | { "kind": "DeleteCustomer", id: string, } | { "kind": "CreateSite", site: Site, } | { "kind": "UpdateSite", site: Site, } | { "kind": "DeleteSite", id: string, } | { "kind": "CreateEndpoint", endpoint: Endpoint, } | { "kind": "UpdateEndpoint", endpoint: Endpoint, } | { "kind": "DeleteEndpoint", id: string, };

export type FleetIssue = { file: string | null, line: number | null, field: string, message: string, };

export type EndpointField = "id" | "site" | "name" | "host" | "tags" | "notes" | "parent" | "ssh_user" | "ssh_port" | "ssh_jump" | "ssh_credential";

export type CsvPreview = { headers: Array<string>, 
/**
 * A guessed field per column, `null` where no guess was made.
 */
mapping: Array<EndpointField | null>, rows: number, 
/**
 * Up to five data rows, as text.
 */
sample: Array<Array<string>>, };

export type CsvOptions = { 
/**
 * The field each column fills, by position; `null` skips the column.
 */
mapping: Array<EndpointField | null>, 
/**
 * Site for rows whose site column is missing or empty.
 */
default_site: string | null, 
/**
 * Import the good rows even when some rows are bad.
 */
allow_partial: boolean, };

export type CsvReport = { 
/**
 * Whether anything was imported.
 */
imported: boolean, created: number, updated: number, 
/**
 * Every bad row, by line number.
 */
bad_rows: Array<FleetIssue>, };

export type IpcError = { "kind": "Invalid", message: string, issues: Array<FleetIssue>, } | { "kind": "NotFound", message: string, } | { "kind": "AlreadyExists", message: string, } | { "kind": "BadFile", message: string, } | { "kind": "NewerDatabase", message: string, found: number, supported: number, } | { "kind": "Store", message: string, };

export type Language = "en" | "ko";

export type Settings = { 
/**
 * `null` until the technician picks one; the UI then follows the system language.
 */
language: Language | null, };

export type AppInfo = { version: string, data_dir: string, database: string, schema_version: number, };

export type ImportSummary = { customers: number, sites: number, endpoints: number, };

export type FleetChanged = { 
/**
 * Store revision after the change.
 */
revision: number, };

/** Every command: its arguments and its result. */
export interface Commands {
  app_info: { args: {  }; result: AppInfo };
  get_settings: { args: {  }; result: Settings };
  set_language: { args: { language: Language }; result: Settings };
  fleet_snapshot: { args: {  }; result: Fleet };
  apply_fleet_change: { args: { change: FleetChange }; result: Fleet };
  load_demo_fleet: { args: {  }; result: Fleet };
  import_fleet_file: { args: { fileName: string; text: string; replace: boolean }; result: ImportSummary };
  export_fleet: { args: {  }; result: string };
  preview_csv: { args: { fileName: string; bytes: Array<number> }; result: CsvPreview };
  import_csv: { args: { fileName: string; bytes: Array<number>; options: CsvOptions }; result: CsvReport };
}

/** Every event: its name and its payload. */
export interface Events {
  "fleet-changed": FleetChanged;
}

/** Check kinds in their canonical order. */
export const CHECK_KINDS: CheckKind[] = ["http", "tcp", "ping", "dns", "tls_expiry", "node_exporter", "ssh_command"];

/** Endpoint fields a CSV column can fill. */
export const ENDPOINT_FIELDS: EndpointField[] = ["id", "site", "name", "host", "tags", "notes", "parent", "ssh_user", "ssh_port", "ssh_jump", "ssh_credential"];
