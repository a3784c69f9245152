// Client-side checks for the entity forms, run before anything is sent. They catch what
// a person mistypes; the Rust side still validates the whole fleet and has the last word.
import type { Check, Customer, Endpoint, Site } from '../bindings';
import type { MessageKey } from '../i18n/en';

export const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export type FormField =
  | 'id'
  | 'name'
  | 'notes'
  | 'customer'
  | 'timezone'
  | 'site'
  | 'host'
  | 'tags'
  | 'parent'
  | 'sshUser'
  | 'sshPort'
  | 'sshJump'
  | 'sshCredential';

export type FieldError = { field: FormField; message: MessageKey };
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export type CustomerDraft = { id: string; name: string; notes: string; demo: boolean };
export type SiteDraft = { id: string; customer: string; name: string; timezone: string; notes: string };
export type EndpointDraft = {
  id: string;
  site: string;
  name: string;
  host: string;
  tags: string;
  notes: string;
  parent: string;
  sshUser: string;
  sshPort: string;
  sshJump: string;
  sshCredential: string;
  /** Kept as they are: the form does not edit checks. */
  checks: Check[];
};

/** Tags as typed: split on spaces and commas, blanks and repeats dropped. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((tag) => tag !== ''))];
}

function result<T>(errors: FieldError[], value: T): Validated<T> {
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

function required(errors: FieldError[], field: FormField, value: string): void {
  if (value.trim() === '') errors.push({ field, message: 'err.required' });
}

function idField(errors: FieldError[], value: string): void {
  if (value.trim() === '') errors.push({ field: 'id', message: 'err.required' });
  else if (!ID_PATTERN.test(value.trim())) errors.push({ field: 'id', message: 'err.idPattern' });
}

export function validateCustomer(d: CustomerDraft): Validated<Customer> {
  const errors: FieldError[] = [];
  idField(errors, d.id);
  required(errors, 'name', d.name);
  return result(errors, { id: d.id.trim(), name: d.name.trim(), notes: d.notes, demo: d.demo });
}

export function validateSite(d: SiteDraft): Validated<Site> {
  const errors: FieldError[] = [];
  idField(errors, d.id);
  required(errors, 'customer', d.customer);
  required(errors, 'name', d.name);
  required(errors, 'timezone', d.timezone);
  return result(errors, {
    id: d.id.trim(),
    customer: d.customer,
    name: d.name.trim(),
    timezone: d.timezone.trim(),
    notes: d.notes,
  });
}

function optional(value: string): string | null {
  const v = value.trim();
  return v === '' ? null : v;
}

export function parsePort(text: string): number | null | 'invalid' {
  const v = text.trim();
  if (v === '') return null;
  if (!/^\d{1,5}$/.test(v)) return 'invalid';
  const port = Number(v);
  return port >= 1 && port <= 65535 ? port : 'invalid';
}

export function validateEndpoint(d: EndpointDraft): Validated<Endpoint> {
  const errors: FieldError[] = [];
  const id = d.id.trim();
  idField(errors, d.id);
  required(errors, 'site', d.site);
  required(errors, 'host', d.host);
  if (/\s/.test(d.host.trim())) errors.push({ field: 'host', message: 'err.noSpaces' });
  if (d.parent !== '' && d.parent === id) errors.push({ field: 'parent', message: 'err.self' });
  if (/\s/.test(d.sshUser.trim())) errors.push({ field: 'sshUser', message: 'err.noSpaces' });
  const port = parsePort(d.sshPort);
  if (port === 'invalid') errors.push({ field: 'sshPort', message: 'err.port' });
  if (d.sshJump !== '' && d.sshJump === id) errors.push({ field: 'sshJump', message: 'err.self' });
  const credential = optional(d.sshCredential);
  if (credential !== null && !ID_PATTERN.test(credential)) {
    errors.push({ field: 'sshCredential', message: 'err.idPattern' });
  }
  return result(errors, {
    id,
    site: d.site,
    name: d.name.trim(),
    host: d.host.trim(),
    tags: parseTags(d.tags),
    notes: d.notes,
    parent: optional(d.parent),
    ssh: {
      user: optional(d.sshUser),
      port: port === 'invalid' ? null : port,
      jump: optional(d.sshJump),
      credential,
    },
    checks: d.checks,
  });
}

export function customerDraft(c?: Customer): CustomerDraft {
  return { id: c?.id ?? '', name: c?.name ?? '', notes: c?.notes ?? '', demo: c?.demo ?? false };
}

export function siteDraft(s: Site | undefined, customer: string): SiteDraft {
  return {
    id: s?.id ?? '',
    customer: s?.customer ?? customer,
    name: s?.name ?? '',
    timezone: s?.timezone ?? 'Asia/Seoul',
    notes: s?.notes ?? '',
  };
}

export function endpointDraft(e: Endpoint | undefined, site: string): EndpointDraft {
  return {
    id: e?.id ?? '',
    site: e?.site ?? site,
    name: e?.name ?? '',
    host: e?.host ?? '',
    tags: e?.tags.join(' ') ?? '',
    notes: e?.notes ?? '',
    parent: e?.parent ?? '',
    sshUser: e?.ssh.user ?? '',
    sshPort: e?.ssh.port?.toString() ?? '',
    sshJump: e?.ssh.jump ?? '',
    sshCredential: e?.ssh.credential ?? '',
    checks: e?.checks ?? [],
  };
}
