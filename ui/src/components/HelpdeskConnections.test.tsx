import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import type { ConnectionConfig, ConnectionTest } from '../bindings';
import { applyLanguage } from '../i18n';
import { fleet, focusTarget, section } from '../state';
import { answer, fail, type Handlers } from '../test/backend';
import {
  connectionConfig,
  connectionTemplate,
  connectionView,
  sampleFleet,
  syncReport,
} from '../test/fixtures';
import { HelpdeskConnections } from './HelpdeskConnections';

const invokeMock = vi.mocked(invoke);
const NOW = new Date(2026, 10, 24, 10, 0).getTime();
const at = (h: number, m: number) => new Date(2026, 10, 24, h, m).toISOString();

function show(handlers: Handlers) {
  answer(invokeMock, { sync_conflicts: () => [], ...handlers });
  fleet.value = sampleFleet();
  return render(<HelpdeskConnections />);
}

function calls(name: string): unknown[][] {
  return invokeMock.mock.calls.filter(([cmd]) => cmd === name);
}

function lastArgs(name: string): unknown {
  const all = calls(name);
  return all[all.length - 1]?.[1];
}

beforeEach(() => {
  invokeMock.mockReset();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});

afterEach(() => {
  vi.useRealTimers();
});

// Preact runs effects up to 35 ms after a render; let the last ones run before jsdom is
// torn down (else they fail on a missing cancelAnimationFrame).
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
});

describe('the list', () => {
  it('shows each connection with its status line, and the last error as an error', async () => {
    show({
      connections: () => [
        connectionView({ last_success: at(9, 14), waiting: 3, conflicts: 1, tickets: 42 }),
        connectionView(
          {
            last_attempt: at(9, 20),
            last_success: null,
            last_error: 'rt2.example.com: 401 <b>Unauthorized</b>',
          },
          { config: connectionConfig({ name: 'rt2', url: 'https://rt2.example.com' }), has_secret: false },
        ),
      ],
    });
    const status = await screen.findByTestId('connection-status-rt');
    expect(status.textContent).toContain('Last synced 09:14 · 3 changes waiting · 1 conflict · 42 tickets');
    expect(screen.getByTestId('connection-rt').textContent).toContain('https://rt.example.com');
    expect(screen.queryByTestId('connection-error-rt')).toBeNull();

    expect(screen.getByTestId('connection-status-rt2').textContent).toBe('Never synced · 0 tickets');
    const error = screen.getByTestId('connection-error-rt2');
    expect(error.className).toContain('form-errors');
    expect(error.textContent).toBe('Last sync failed (09:20): rt2.example.com: 401 <b>Unauthorized</b>');
    expect(error.querySelector('b')).toBeNull();
    expect(screen.getByTestId('connection-no-secret-rt2').textContent).toContain('No token stored');
  });

  it('says when there are none, and when they cannot be read', async () => {
    show({ connections: () => [] });
    expect((await screen.findByTestId('connections-none')).textContent).toBe('No helpdesk connections yet.');
  });

  it('shows why the list could not be read', async () => {
    show({ connections: () => fail({ kind: 'Store', message: 'database is locked' }) });
    expect((await screen.findByTestId('connections-error')).textContent).toBe(
      'Could not read the helpdesk connections: database is locked',
    );
  });

  it('is brought into view when the status indicator asks', async () => {
    focusTarget.value = 'connections';
    show({ connections: () => [] });
    await screen.findByTestId('connections-none');
    expect(document.activeElement?.textContent).toBe('Helpdesk connections');
    expect(focusTarget.value).toBeNull();
  });

  it('syncs one connection now and says what happened', async () => {
    let synced = false;
    show({
      connections: () => [connectionView(synced ? { last_success: at(10, 0) } : {})],
      sync_now: () => {
        synced = true;
        return [syncReport({ pulled_new: 3, pulled_updated: 2, pushed: 1 })];
      },
    });
    fireEvent.click(await screen.findByTestId('connection-sync-rt'));
    const result = await screen.findByText('Synced: 3 new, 2 updated, 1 sent.');
    expect(result.getAttribute('role')).toBe('status');
    expect(result.className).toContain('ok');
    expect(lastArgs('sync_now')).toEqual({ name: 'rt' });
    await waitFor(() => {
      expect(screen.getByTestId('connection-status-rt').textContent).toContain('Last synced 10:00');
    });
  });

  it('tests a saved connection with the stored token and shows the answer with ok/fail styling', async () => {
    let answerTest: (r: ConnectionTest) => void = () => undefined;
    show({
      connections: () => [connectionView()],
      test_connection: () =>
        new Promise<ConnectionTest>((resolve) => {
          answerTest = resolve;
        }),
    });
    const button = await screen.findByTestId<HTMLButtonElement>('connection-test-rt');
    fireEvent.click(button);
    await waitFor(() => {
      expect(button.disabled).toBe(true);
    });
    expect(button.textContent).toBe('Testing…');
    const result = screen.getByTestId('connection-result-rt');
    expect(result.getAttribute('role')).toBe('status');
    expect(result.getAttribute('aria-busy')).toBe('true');
    expect(lastArgs('test_connection')).toEqual({ config: connectionConfig(), secret: null });

    answerTest({
      ok: false,
      message: 'The helpdesk refused the token <img src=x onerror=alert(1)>: create a new one in RT.',
      server: null,
      tickets: null,
    });
    await waitFor(() => {
      expect(button.disabled).toBe(false);
    });
    expect(result.getAttribute('data-ok')).toBe('false');
    expect(result.className).toContain('bad');
    expect(result.textContent).toBe(
      'Connection failed. The helpdesk refused the token <img src=x onerror=alert(1)>: create a new one in RT.',
    );
    expect(result.querySelector('img')).toBeNull();
  });

  it('asks before deleting, and shows why the backend refused', async () => {
    show({
      connections: () => [connectionView({ waiting: 2 })],
      delete_connection: () =>
        fail({
          kind: 'Invalid',
          message: 'rt has 2 changes waiting: sync or resolve them first',
          issues: [],
        }),
    });
    fireEvent.click(await screen.findByTestId('connection-delete-rt'));
    const dialog = screen.getByTestId('connection-delete-dialog');
    expect(dialog.textContent).toContain('Delete the helpdesk connection rt?');
    expect(calls('delete_connection')).toHaveLength(0);
    fireEvent.click(within(dialog).getByTestId('connection-delete-confirm'));
    expect((await screen.findByTestId('connection-delete-error')).textContent).toBe(
      'rt has 2 changes waiting: sync or resolve them first',
    );
    expect(lastArgs('delete_connection')).toEqual({ name: 'rt' });
  });
});

describe('the form', () => {
  it('starts from the template, never shows a token, and sends null to keep the stored one', async () => {
    const saved: { config: ConnectionConfig; secret: string | null }[] = [];
    show({
      connections: () => [],
      connection_template: ({ kind }) => ({ ...connectionTemplate(), kind }),
      save_connection: (args) => {
        saved.push(args);
        return connectionView({}, { config: args.config });
      },
    });
    fireEvent.click(await screen.findByTestId('connections-add'));
    const form = await screen.findByTestId('connection-form');
    expect(lastArgs('connection_template')).toEqual({ kind: 'request_tracker' });
    // Defaults come from the template, not from the UI.
    expect(screen.getByTestId<HTMLInputElement>('connection-interval').value).toBe('5');
    expect(screen.getByTestId<HTMLInputElement>('connection-p1').value).toBe('90');
    expect(screen.getByTestId<HTMLInputElement>('connection-states-key-2').value).toBe('stalled');
    expect(screen.getByTestId<HTMLSelectElement>('connection-states-value-2').value).toBe(
      'waiting_on_customer',
    );
    expect(screen.getByTestId<HTMLInputElement>('connection-statuses-in_progress').value).toBe('open');
    const secret = screen.getByTestId<HTMLInputElement>('connection-secret');
    expect(secret.type).toBe('password');
    expect(secret.value).toBe('');

    // Fields are reachable by their labels (a label's hint is part of its text).
    fireEvent.input(within(form).getByLabelText(/^Name/), { target: { value: 'rt' } });
    fireEvent.input(within(form).getByLabelText(/^Helpdesk address \(URL\)/), {
      target: { value: 'https://rt.example.com' },
    });
    fireEvent.input(within(form).getByLabelText(/^Account/), { target: { value: 'fieldline' } });
    fireEvent.input(within(form).getByLabelText(/^Queues/), { target: { value: 'General, Hanbit' } });
    fireEvent.click(screen.getByTestId('connection-customers-add'));
    fireEvent.input(screen.getByTestId('connection-customers-key-0'), { target: { value: 'General' } });
    fireEvent.input(screen.getByTestId('connection-customers-value-0'), { target: { value: 'acme' } });
    fireEvent.click(screen.getByTestId('connection-customers-add'));
    fireEvent.input(screen.getByTestId('connection-customers-key-1'), { target: { value: 'Hanbit' } });
    fireEvent.input(screen.getByTestId('connection-customers-value-1'), { target: { value: 'hanbit' } });
    fireEvent.click(screen.getByTestId('connection-save'));

    await waitFor(() => {
      expect(screen.queryByTestId('connection-form')).toBeNull();
    });
    expect(saved).toEqual([{ config: connectionConfig(), secret: null }]);
  });

  it('edits a connection: name fixed, keychain placeholder, a typed token is sent', async () => {
    show({
      connections: () => [connectionView({}, { has_secret: true })],
      save_connection: ({ config }) => connectionView({}, { config }),
    });
    fireEvent.click(await screen.findByTestId('connection-edit-rt'));
    await screen.findByTestId('connection-form');
    expect(screen.getByTestId<HTMLInputElement>('connection-name').readOnly).toBe(true);
    const secret = screen.getByTestId<HTMLInputElement>('connection-secret');
    expect(secret.value).toBe('');
    expect(secret.placeholder).toBe('stored in the keychain');
    fireEvent.input(secret, { target: { value: 'new-token' } });
    fireEvent.input(screen.getByTestId('connection-interval'), { target: { value: '15' } });
    fireEvent.click(screen.getByTestId('connection-save'));
    await waitFor(() => {
      expect(calls('save_connection')).toHaveLength(1);
    });
    expect(lastArgs('save_connection')).toEqual({
      config: connectionConfig({ interval_minutes: 15 }),
      secret: 'new-token',
    });
  });

  it('shows what the backend refused, next to the form, as text', async () => {
    show({
      connections: () => [],
      connection_template: () => connectionTemplate(),
      save_connection: () =>
        fail({ kind: 'BadFile', message: 'url: "rt.example.com" is not an http(s) address <script>' }),
    });
    fireEvent.click(await screen.findByTestId('connections-add'));
    await screen.findByTestId('connection-form');
    fireEvent.input(screen.getByTestId('connection-url'), { target: { value: 'rt.example.com' } });
    fireEvent.click(screen.getByTestId('connection-save'));
    const error = await screen.findByTestId('connection-form-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toBe('Not saved:url: "rt.example.com" is not an http(s) address <script>');
    expect(error.querySelector('script')).toBeNull();
    // The form stays open with what was typed.
    expect(screen.getByTestId<HTMLInputElement>('connection-url').value).toBe('rt.example.com');
  });

  it('shows a keychain failure on save', async () => {
    show({
      connections: () => [connectionView()],
      save_connection: () =>
        fail({ kind: 'Keychain', message: 'The keychain is locked: unlock it and save again.' }),
    });
    fireEvent.click(await screen.findByTestId('connection-edit-rt'));
    fireEvent.input(await screen.findByTestId('connection-secret'), { target: { value: 'tok' } });
    fireEvent.click(screen.getByTestId('connection-save'));
    expect((await screen.findByTestId('connection-form-error')).textContent).toBe(
      'Not saved:The keychain is locked: unlock it and save again.',
    );
  });

  it('checks numbers before sending anything', async () => {
    show({ connections: () => [], connection_template: () => connectionTemplate() });
    fireEvent.click(await screen.findByTestId('connections-add'));
    await screen.findByTestId('connection-form');
    fireEvent.input(screen.getByTestId('connection-p3'), { target: { value: 'low' } });
    fireEvent.click(screen.getByTestId('connection-save'));
    expect((await screen.findByTestId('connection-form-error')).textContent).toContain(
      'P3 from: a whole number.',
    );
    expect(calls('save_connection')).toHaveLength(0);
  });

  it('tests before saving, with the typed token, and shows the answer', async () => {
    show({
      connections: () => [],
      connection_template: () => connectionTemplate(),
      test_connection: () => ({
        ok: true,
        message: 'Signed in as fieldline; 2 queues visible.',
        server: 'RT 5.0.5',
        tickets: 42,
      }),
    });
    fireEvent.click(await screen.findByTestId('connections-add'));
    await screen.findByTestId('connection-form');
    fireEvent.input(screen.getByTestId('connection-name'), { target: { value: 'rt' } });
    fireEvent.input(screen.getByTestId('connection-secret'), { target: { value: 'tok' } });
    fireEvent.click(screen.getByTestId('connection-test'));
    const result = screen.getByTestId('connection-test-result');
    await waitFor(() => {
      expect(result.getAttribute('data-ok')).toBe('true');
    });
    expect(result.getAttribute('role')).toBe('status');
    expect(result.className).toContain('ok');
    expect(result.textContent).toBe(
      'Connection works. Signed in as fieldline; 2 queues visible.Server: RT 5.0.5 · Tickets to pull: 42',
    );
    expect(lastArgs('test_connection')).toEqual({
      config: { ...connectionTemplate(), name: 'rt' },
      secret: 'tok',
    });
    expect(calls('save_connection')).toHaveLength(0);
  });

  it('speaks Korean', async () => {
    applyLanguage('ko');
    show({ connections: () => [connectionView()] });
    expect((await screen.findByTestId('connection-sync-rt')).textContent).toBe('지금 동기화');
    expect(screen.getByTestId('connection-test-rt').textContent).toBe('연결 테스트');
    expect(screen.getByText('헬프데스크 연결')).toBeTruthy();
    expect(section.value).toBe('fleet');
  });
});
