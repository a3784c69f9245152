import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { call, errorLines, newerDatabase, onEvent, toIpcError } from './api';
import { applyLanguage } from './i18n';
import { en } from './i18n/en';
import { ko } from './i18n/ko';

const invokeMock = vi.mocked(invoke);

beforeEach(() => {
  invokeMock.mockReset();
});

describe('toIpcError', () => {
  it('keeps an IpcError as it is', () => {
    const e = { kind: 'NotFound', message: 'no customer "x"' };
    expect(toIpcError(e)).toBe(e);
  });

  it('keeps a Keychain error (the sync settings show its message)', () => {
    const e = { kind: 'Keychain', message: 'the keychain is locked: unlock it and try again' };
    expect(toIpcError(e)).toBe(e);
  });

  it.each([
    ['a string', 'boom', 'boom'],
    ['an Error', new Error('broken pipe'), 'Error: broken pipe'],
    ['an unknown kind', { kind: 'Weird', message: 'm' }, '[object Object]'],
    ['null', null, 'null'],
  ])('turns %s into a Store error', (_name, thrown, message) => {
    expect(toIpcError(thrown)).toEqual({ kind: 'Store', message });
  });

  it('gives an Invalid error without issues an empty list', () => {
    expect(toIpcError({ kind: 'Invalid', message: 'bad' })).toEqual({
      kind: 'Invalid',
      message: 'bad',
      issues: [],
    });
  });
});

describe('call', () => {
  it('passes the command name and arguments through', async () => {
    invokeMock.mockResolvedValue({ language: 'ko' });
    await expect(call('set_language', { language: 'ko' })).resolves.toEqual({ language: 'ko' });
    expect(invokeMock).toHaveBeenCalledWith('set_language', { language: 'ko' });
  });

  it('rejects with a normalised error', async () => {
    invokeMock.mockRejectedValue('window closed');
    await expect(call('fleet_snapshot', {})).rejects.toEqual({ kind: 'Store', message: 'window closed' });
  });

  it('says a full disk in the chosen language', async () => {
    invokeMock.mockRejectedValue({ kind: 'DiskFull', message: 'the disk holding ... is full' });
    applyLanguage('ko');
    await expect(call('fleet_snapshot', {})).rejects.toEqual({ kind: 'DiskFull', message: ko['error.diskFull'] });
    applyLanguage('en');
    await expect(call('fleet_snapshot', {})).rejects.toEqual({ kind: 'DiskFull', message: en['error.diskFull'] });
  });

  it('raises the newer-database flag', async () => {
    const e = { kind: 'NewerDatabase', message: 'schema 9 > 1', found: 9, supported: 1 };
    invokeMock.mockRejectedValue(e);
    await expect(call('fleet_snapshot', {})).rejects.toEqual(e);
    expect(newerDatabase.value).toEqual(e);
  });
});

describe('onEvent', () => {
  it('hands the payload to the handler', async () => {
    const stop = vi.fn();
    vi.mocked(listen).mockImplementation((_name, handler) => {
      handler({ event: 'fleet-changed', id: 1, payload: { revision: 7 } });
      return Promise.resolve(stop);
    });
    const seen: number[] = [];
    const unlisten = await onEvent('fleet-changed', (p) => seen.push(p.revision));
    expect(seen).toEqual([7]);
    expect(unlisten).toBe(stop);
  });
});

describe('errorLines', () => {
  it('lists every issue of an Invalid error as field: message', () => {
    expect(
      errorLines({
        kind: 'Invalid',
        message: 'the change was not saved',
        issues: [
          { file: null, line: null, field: 'endpoints.web1.host', message: 'host is empty' },
          { file: null, line: null, field: 'endpoints.web1.parent', message: 'unknown parent endpoint "gw"' },
        ],
      }),
    ).toEqual(['endpoints.web1.host: host is empty', 'endpoints.web1.parent: unknown parent endpoint "gw"']);
  });

  it('uses the message otherwise', () => {
    expect(
      errorLines({ kind: 'AlreadyExists', message: 'a customer with id "acme" already exists' }),
    ).toEqual(['a customer with id "acme" already exists']);
  });
});
