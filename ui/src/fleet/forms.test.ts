import { describe, expect, it } from 'vitest';
import { endpoint } from '../test/fixtures';
import {
  customerDraft,
  endpointDraft,
  parsePort,
  parseTags,
  siteDraft,
  validateCustomer,
  validateEndpoint,
  validateSite,
  type FieldError,
} from './forms';

function errors(r: { ok: true } | { ok: false; errors: FieldError[] }): string[] {
  return r.ok ? [] : r.errors.map((e) => `${e.field}: ${e.message}`);
}

describe('ids', () => {
  it.each([
    ['acme', []],
    ['acme-web_1.lan', []],
    ['  acme  ', []],
    ['', ['id: err.required']],
    ['acme corp', ['id: err.idPattern']],
    ['한빛', ['id: err.idPattern']],
    ['a'.repeat(64), []],
    ['a'.repeat(65), ['id: err.idPattern']],
    ['acme/1', ['id: err.idPattern']],
  ])('%j → %j', (id, expected) => {
    expect(errors(validateCustomer({ ...customerDraft(), id, name: 'ACME' }))).toEqual(expected);
  });
});

describe('validateCustomer', () => {
  it('requires a name and trims what it sends', () => {
    expect(errors(validateCustomer({ ...customerDraft(), id: 'acme', name: '  ' }))).toEqual([
      'name: err.required',
    ]);
    const r = validateCustomer({ ...customerDraft(), id: ' acme ', name: ' ACME Corp ' });
    expect(r).toEqual({ ok: true, value: { id: 'acme', name: 'ACME Corp', notes: '', demo: false } });
  });
});

describe('validateSite', () => {
  it('defaults the time zone to Seoul and preselects the customer', () => {
    expect(siteDraft(undefined, 'acme')).toMatchObject({ customer: 'acme', timezone: 'Asia/Seoul' });
  });

  it('requires customer, name and time zone', () => {
    const d = { ...siteDraft(undefined, ''), id: 'hq', timezone: '' };
    expect(errors(validateSite(d))).toEqual([
      'customer: err.required',
      'name: err.required',
      'timezone: err.required',
    ]);
  });
});

describe('parseTags', () => {
  it.each([
    ['web linux', ['web', 'linux']],
    ['web,linux', ['web', 'linux']],
    [' web ,  linux,,db  ', ['web', 'linux', 'db']],
    ['백업\t서버', ['백업', '서버']],
    ['web web', ['web']],
    ['', []],
  ])('%j → %j', (text, expected) => {
    expect(parseTags(text)).toEqual(expected);
  });
});

describe('parsePort', () => {
  it.each([
    ['', null],
    ['22', 22],
    [' 2222 ', 2222],
    ['1', 1],
    ['65535', 65535],
    ['0', 'invalid'],
    ['65536', 'invalid'],
    ['22.5', 'invalid'],
    ['-1', 'invalid'],
    ['ssh', 'invalid'],
    ['999999', 'invalid'],
  ] as const)('%j → %j', (text, expected) => {
    expect(parsePort(text)).toBe(expected);
  });
});

describe('validateEndpoint', () => {
  const base = () => ({ ...endpointDraft(undefined, 'hq'), id: 'web1', host: 'web1.lan' });

  it('turns blanks into nulls and keeps checks it does not edit', () => {
    const existing = endpoint('web1', 'hq', { checks: [{ kind: 'ping', params: {} }], tags: ['a', 'b'] });
    const r = validateEndpoint(endpointDraft(existing, ''));
    expect(r.ok && r.value).toEqual(existing);
  });

  it('builds the endpoint from the form', () => {
    const r = validateEndpoint({
      ...base(),
      tags: 'web, linux',
      sshPort: '2222',
      sshUser: ' admin ',
      parent: 'gw',
    });
    expect(r.ok && r.value).toMatchObject({
      tags: ['web', 'linux'],
      parent: 'gw',
      ssh: { user: 'admin', port: 2222, jump: null, credential: null },
    });
  });

  it('reports every problem at once', () => {
    const r = validateEndpoint({
      ...base(),
      site: '',
      host: '',
      parent: 'web1',
      sshJump: 'web1',
      sshPort: '70000',
      sshUser: 'a b',
      sshCredential: 'my secret',
    });
    expect(errors(r)).toEqual([
      'site: err.required',
      'host: err.required',
      'parent: err.self',
      'sshUser: err.noSpaces',
      'sshPort: err.port',
      'sshJump: err.self',
      'sshCredential: err.idPattern',
    ]);
  });
});
