import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import type { SshProfileView } from '../bindings';
import { fail } from '../test/backend';
import { answerAll, type SessionHandlers } from '../test/sessions';
import { fleet } from '../state';
import { sampleFleet } from '../test/fixtures';
import { Credentials } from './Credentials';

const invokeMock = vi.mocked(invoke);
const HOSTILE = '<img src=x onerror=alert(1)>';

function argsOf(name: string): unknown[] {
  return invokeMock.mock.calls.filter(([cmd]) => cmd === name).map(([, args]) => args);
}

function type(testId: string, value: string) {
  fireEvent.input(screen.getByTestId(testId), { target: { value } });
}

function value(testId: string): string {
  return screen.getByTestId<HTMLInputElement>(testId).value;
}

const ADMIN: SshProfileView = {
  profile: { name: 'hanbit-admin', user: 'admin', method: { kind: 'key', key_file: '~/.ssh/hanbit' } },
  has_secret: false,
  has_passphrase: true,
};

function show(extra: SessionHandlers = {}) {
  answerAll(invokeMock, {
    ssh_profiles: () => [ADMIN],
    known_hosts: () => [
      {
        line: 1,
        hosts: 'acme-gw.example.net',
        marker: null,
        key_type: 'ssh-ed25519',
        fingerprint: `SHA256:abc${HOSTILE}`,
      },
    ],
    ...extra,
  });
  render(<Credentials />);
}

beforeEach(() => {
  invokeMock.mockReset();
});

describe('credential profiles', () => {
  it('lists profiles with what the keychain holds', async () => {
    show();
    const row = await screen.findByTestId('ssh-profile-hanbit-admin');
    expect(row.textContent).toContain('admin');
    expect(row.textContent).toContain('Private key (~/.ssh/hanbit)');
    expect(within(row).getByTestId('ssh-profile-secret').textContent).toBe(
      'nothing stored · passphrase in the keychain',
    );
  });

  it('saves a pasted key and its passphrase to the keychain, then clears them from the form', async () => {
    const saved: SshProfileView = {
      profile: { name: 'acme-root', user: null, method: { kind: 'key', key_file: null } },
      has_secret: true,
      has_passphrase: true,
    };
    show({
      save_ssh_profile: () => fail({ kind: 'Keychain', message: 'the keychain is locked' }),
    });
    fireEvent.click(await screen.findByTestId('ssh-profile-add'));
    type('ssh-profile-name', ' acme-root ');
    type('ssh-profile-key-text', '-----BEGIN TEST BLOCK-----\nb3Blbn\n');
    type('ssh-profile-passphrase', 'pass phrase');
    expect(screen.getByTestId('ssh-profile-passphrase').getAttribute('type')).toBe('password');
    await act(() => {
      fireEvent.click(screen.getByTestId('ssh-profile-save'));
    });
    await waitFor(() => {
      expect(screen.getByTestId('ssh-profile-error').textContent).toContain('the keychain is locked');
    });
    expect(argsOf('save_ssh_profile')).toEqual([
      {
        profile: { name: 'acme-root', user: null, method: { kind: 'key', key_file: null } },
        secret: '-----BEGIN TEST BLOCK-----\nb3Blbn\n',
        passphrase: 'pass phrase',
      },
    ]);
    expect(value('ssh-profile-key-text')).toBe('');
    expect(value('ssh-profile-passphrase')).toBe('');
    expect(value('ssh-profile-name')).toBe(' acme-root ');

    answerAll(invokeMock, { save_ssh_profile: () => [ADMIN, saved] });
    type('ssh-profile-key-text', 'KEY');
    await act(() => {
      fireEvent.click(screen.getByTestId('ssh-profile-save'));
    });
    await screen.findByTestId('ssh-profile-acme-root');
    expect(screen.queryByTestId('ssh-profile-form')).toBeNull();
    expect(screen.getByTestId('ssh-profile-acme-root').textContent).toContain('in the keychain');
  });

  it('asks for a key, and saves a password profile with the password as its secret', async () => {
    show({ save_ssh_profile: () => [ADMIN] });
    fireEvent.click(await screen.findByTestId('ssh-profile-add'));
    await act(() => {
      fireEvent.click(screen.getByTestId('ssh-profile-save'));
    });
    const errors = screen.getByTestId('ssh-profile-error').textContent;
    expect(errors).toContain('Enter a name for the profile.');
    expect(errors).toContain('Give a key file or paste a private key.');
    expect(argsOf('save_ssh_profile')).toHaveLength(0);

    type('ssh-profile-name', 'pos');
    type('ssh-profile-user', 'pos');
    fireEvent.change(screen.getByTestId('ssh-profile-method'), { target: { value: 'password' } });
    expect(screen.queryByTestId('ssh-profile-key-text')).toBeNull();
    type('ssh-profile-password', 'hunter2');
    await act(() => {
      fireEvent.click(screen.getByTestId('ssh-profile-save'));
    });
    await waitFor(() => {
      expect(argsOf('save_ssh_profile')).toEqual([
        {
          profile: { name: 'pos', user: 'pos', method: { kind: 'password' } },
          secret: 'hunter2',
          passphrase: null,
        },
      ]);
    });
  });

  it('edits a profile keeping the keychain’s secrets when the fields are empty', async () => {
    show({ save_ssh_profile: () => [ADMIN] });
    fireEvent.click(await screen.findByTestId('ssh-profile-edit-hanbit-admin'));
    expect(screen.getByTestId<HTMLInputElement>('ssh-profile-name').readOnly).toBe(true);
    expect(value('ssh-profile-key-file')).toBe('~/.ssh/hanbit');
    expect(screen.getByTestId('ssh-profile-form').textContent).toContain(
      'The keychain holds one: leave empty to keep it.',
    );
    await act(() => {
      fireEvent.click(screen.getByTestId('ssh-profile-save'));
    });
    await waitFor(() => {
      expect(argsOf('save_ssh_profile')).toEqual([
        { profile: ADMIN.profile, secret: null, passphrase: null },
      ]);
    });
  });

  it('removes a profile after asking', async () => {
    show({ remove_ssh_profile: () => [] });
    fireEvent.click(await screen.findByTestId('ssh-profile-remove-hanbit-admin'));
    await act(() => {
      fireEvent.click(screen.getByTestId('ssh-profile-remove-dialog-confirm'));
    });
    await waitFor(() => {
      expect(screen.queryByTestId('ssh-profile-hanbit-admin')).toBeNull();
    });
    expect(argsOf('remove_ssh_profile')).toEqual([{ name: 'hanbit-admin' }]);
  });
});

describe('known hosts', () => {
  it('shows fingerprints as text, forgets a key and imports ~/.ssh/known_hosts', async () => {
    show({
      remove_known_host: () => [],
      import_known_hosts: () => ({ added: 4, skipped: 2, problems: [`line 7: hashed host ${HOSTILE}`] }),
    });
    const row = await screen.findByTestId('known-host-1');
    expect(row.textContent).toContain(`SHA256:abc${HOSTILE}`);
    expect(row.querySelector('img')).toBeNull();

    fireEvent.click(within(row).getByTestId('known-host-remove-1'));
    expect(screen.getByTestId('known-host-remove-dialog').textContent).toContain('acme-gw.example.net');
    await act(() => {
      fireEvent.click(screen.getByTestId('known-host-remove-dialog-confirm'));
    });
    await waitFor(() => {
      expect(argsOf('remove_known_host')).toEqual([{ line: 1 }]);
    });

    await act(() => {
      fireEvent.click(screen.getByTestId('known-hosts-import'));
    });
    const result = await screen.findByTestId('known-hosts-import-result');
    expect(result.textContent).toContain('Added 4, skipped 2.');
    expect(result.textContent).toContain(`line 7: hashed host ${HOSTILE}`);
    expect(result.querySelector('img')).toBeNull();
  });
});

describe('hosts from ~/.ssh/config', () => {
  it('asks for a site, imports into it and shows the notes as text', async () => {
    fleet.value = sampleFleet();
    const site = fleet.value.sites[0]?.id ?? '';
    expect(site).not.toBe('');
    show({
      import_ssh_config: () => ({
        endpoints: ['gw', 'app'],
        new_profiles: [],
        notes: [`far (config:7): ProxyJump ${HOSTILE} is not a Host in this file`],
      }),
      fleet_snapshot: () => sampleFleet(),
    });
    await screen.findByTestId('ssh-config-import');
    fireEvent.click(screen.getByTestId('ssh-import-run'));
    expect(screen.getByTestId('ssh-import-error').textContent).toContain('Choose the site');
    expect(argsOf('import_ssh_config')).toEqual([]);

    fireEvent.change(screen.getByTestId('ssh-import-site'), { target: { value: site } });
    await act(() => {
      fireEvent.click(screen.getByTestId('ssh-import-run'));
    });
    const result = await screen.findByTestId('ssh-import-result');
    expect(result.textContent).toContain('Added 2 endpoints: gw, app.');
    expect(result.textContent).toContain(HOSTILE);
    expect(result.querySelector('img')).toBeNull();
    expect(argsOf('import_ssh_config')).toEqual([{ site, profile: null }]);
  });
});
