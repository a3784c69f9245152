import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));
vi.mock('../sessions/term', async () => {
  const fake = await import('../test/sessions');
  return { createTerminal: fake.fakeCreateTerminal, SCROLLBACK: 10000 };
});

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { SessionEvent } from '../bindings';
import { decodeBase64, openSshSession, routeTo, tabs } from '../sessions/store';
import { section } from '../state';
import { fleet } from '../state';
import { sampleFleet, endpoint } from '../test/fixtures';
import { answerAll, eventHub, fakeTerms, type SessionHandlers } from '../test/sessions';
import { SessionsSection } from './SessionsSection';

const invokeMock = vi.mocked(invoke);
const HOSTILE = '<img src=x onerror=alert(1)>';
const FINGERPRINT = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';
let hub: ReturnType<typeof eventHub>;

function b64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function argsOf(name: string): unknown[] {
  return invokeMock.mock.calls.filter(([cmd]) => cmd === name).map(([, args]) => args);
}

function handlers(extra: SessionHandlers = {}): SessionHandlers {
  return {
    open_session: ({ endpoint: e }) => ({ id: 7, endpoint: e, title: e, recording: '/rec/7.cast' }),
    session_write: () => null,
    session_resize: () => null,
    close_session: () => null,
    answer_host_key: () => null,
    answer_secret: () => null,
    ...extra,
  };
}

function emit(id: number, event: SessionEvent) {
  void act(() => {
    hub.emit('session-event', { id, event });
  });
}

async function opened(endpointId = 'acme-web1') {
  fireEvent.input(screen.getByTestId('session-host-filter'), { target: { value: endpointId } });
  fireEvent.click(screen.getByTestId(`session-host-${endpointId}`));
  await screen.findByTestId('terminal-7');
}

beforeEach(() => {
  invokeMock.mockReset();
  hub = eventHub(vi.mocked(listen));
  fakeTerms.length = 0;
  fleet.value = sampleFleet();
});

describe('decodeBase64', () => {
  it('turns the shell’s base64 into the bytes it stands for', () => {
    expect([...decodeBase64('AAEC/w==')]).toEqual([0, 1, 2, 255]);
    expect(new TextDecoder().decode(decodeBase64(b64('안녕 \x1b[1mbold\r\n')))).toBe('안녕 \x1b[1mbold\r\n');
    expect(decodeBase64('')).toHaveLength(0);
  });

  it('gives no bytes for malformed input instead of throwing', () => {
    expect(decodeBase64('not base64!!')).toHaveLength(0);
  });
});

describe('routeTo', () => {
  it('lists the jump hosts from the fleet, outermost first, and stops at a loop', () => {
    const f = sampleFleet();
    f.endpoints.push(
      endpoint('a', 'acme-hq', { ssh: { user: null, port: null, jump: 'b', credential: null } }),
      endpoint('b', 'acme-hq', { ssh: { user: null, port: null, jump: 'acme-gw', credential: null } }),
      endpoint('loop', 'acme-hq', { ssh: { user: null, port: null, jump: 'loop', credential: null } }),
    );
    expect(routeTo(f, 'a')).toEqual(['acme-gw', 'b', 'a']);
    expect(routeTo(f, 'loop')).toEqual(['loop']);
    expect(routeTo(null, 'x')).toEqual(['x']);
  });
});

describe('the terminal tabs', () => {
  it('filters the host picker and opens a tab that follows the session', async () => {
    answerAll(invokeMock, handlers());
    render(<SessionsSection />);
    expect(screen.getByTestId('sessions-empty')).toBeTruthy();
    fireEvent.input(screen.getByTestId('session-host-filter'), { target: { value: '파일' } });
    expect(screen.getByTestId('session-host-hanbit-nas')).toBeTruthy();
    expect(screen.queryByTestId('session-host-acme-gw')).toBeNull();
    fireEvent.click(screen.getByTestId('session-host-hanbit-nas'));

    expect(screen.getByTestId('session-state').textContent).toBe('Connecting: hanbit-nas…');
    await screen.findByTestId('terminal-7');
    // Opened at the last known size, then fitted to the tab.
    expect(argsOf('open_session')[0]).toEqual({ endpoint: 'hanbit-nas', cols: 80, rows: 24 });
    await waitFor(() => {
      expect(argsOf('session_resize')).toEqual([{ id: 7, cols: 120, rows: 40 }]);
    });
    expect(screen.getAllByTestId('session-tab')[0]?.textContent).toContain('hanbit-nas');

    emit(7, { kind: 'connected', hops: ['hanbit-nas'], fingerprint: FINGERPRINT });
    expect(screen.getByTestId('session-state').textContent).toContain('Connected.');
    expect(screen.getByTestId('session-state').textContent).toContain('/rec/7.cast');

    emit(7, { kind: 'data', bytes: b64(`welcome ${HOSTILE}\r\n`) });
    emit(7, { kind: 'data', bytes: b64('$ ') });
    const term = fakeTerms[0];
    expect(term?.text()).toBe(`welcome ${HOSTILE}\r\n$ `);
    expect(document.querySelector('img')).toBeNull();

    term?.hooks.onData('ls\r');
    await waitFor(() => {
      expect(argsOf('session_write')).toEqual([{ id: 7, data: 'ls\r' }]);
    });

    emit(7, { kind: 'exit', status: 3 });
    emit(7, { kind: 'closed', reason: 'channel closed' });
    expect(screen.getByTestId('session-state').textContent).toContain('exit status 3');
    term?.hooks.onData('x');
    expect(argsOf('session_write')).toHaveLength(1);
  });

  it('sends typed keys in order: one write at a time, what comes meanwhile next as one', async () => {
    const done: Array<() => void> = [];
    answerAll(
      invokeMock,
      handlers({
        session_write: () =>
          new Promise<null>((resolve) => {
            done.push(() => {
              resolve(null);
            });
          }),
      }),
    );
    render(<SessionsSection />);
    await opened();
    emit(7, { kind: 'connected', hops: ['acme-web1'], fingerprint: FINGERPRINT });
    const term = fakeTerms[0];
    term?.hooks.onData('e');
    term?.hooks.onData('ch');
    term?.hooks.onData('o\r');
    await waitFor(() => {
      expect(argsOf('session_write')).toEqual([{ id: 7, data: 'e' }]);
    });
    await act(() => {
      done.shift()?.();
    });
    await waitFor(() => {
      expect(argsOf('session_write')).toEqual([
        { id: 7, data: 'e' },
        { id: 7, data: 'cho\r' },
      ]);
    });
    await act(() => {
      done.shift()?.();
    });
    term?.hooks.onData('!');
    await waitFor(() => {
      expect(argsOf('session_write')).toHaveLength(3);
    });
  });

  it('keeps events that come before open_session answers', async () => {
    let release: () => void = () => undefined;
    answerAll(
      invokeMock,
      handlers({
        open_session: async () => {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { id: 7, endpoint: 'acme-web1', title: 'acme-web1', recording: null };
        },
      }),
    );
    render(<SessionsSection />);
    fireEvent.click(screen.getByTestId('session-host-acme-web1'));
    await waitFor(() => {
      expect(argsOf('open_session')).toHaveLength(1);
    });
    expect(screen.getByTestId('session-state').textContent).toBe('Connecting: acme-web1…');
    emit(7, { kind: 'data', bytes: b64('early bytes') });
    emit(7, { kind: 'connected', hops: ['acme-gw', 'acme-web1'], fingerprint: FINGERPRINT });
    await act(async () => {
      release();
      await Promise.resolve();
    });
    await screen.findByTestId('terminal-7');
    expect(screen.getByTestId('session-state').textContent).toContain('Connected via acme-gw → acme-web1.');
    expect(fakeTerms[0]?.text()).toBe('early bytes');
  });

  it('shows an error loudly, as text, and reconnects in the same tab', async () => {
    let next = 7;
    answerAll(
      invokeMock,
      handlers({
        open_session: ({ endpoint: e }) => ({ id: next++, endpoint: e, title: e, recording: null }),
      }),
    );
    render(<SessionsSection />);
    await opened();
    emit(7, {
      kind: 'error',
      message: `The host key of acme-web1 CHANGED. ${HOSTILE} Nothing was sent.`,
    });
    const state = screen.getByTestId('session-state');
    expect(state.getAttribute('role')).toBe('alert');
    expect(state.textContent).toContain(`CHANGED. ${HOSTILE} Nothing was sent.`);
    expect(state.querySelector('img')).toBeNull();

    fireEvent.click(within(state).getByTestId('session-reconnect'));
    await screen.findByTestId('terminal-8');
    expect(argsOf('open_session')).toHaveLength(2);
    expect(screen.getAllByTestId('session-tab')).toHaveLength(1);
    expect(fakeTerms).toHaveLength(1);
  });

  it('shows why a connection was lost and says so when open_session fails', async () => {
    answerAll(
      invokeMock,
      handlers({
        open_session: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw { kind: 'Unreachable', message: 'acme-web1: connection refused' };
        },
      }),
    );
    render(<SessionsSection />);
    fireEvent.click(screen.getByTestId('session-host-acme-web1'));
    await waitFor(() => {
      expect(screen.getByTestId('session-state').textContent).toContain('connection refused');
    });
    expect(screen.getByTestId('session-state').getAttribute('role')).toBe('alert');
  });

  it('closes the session with its tab', async () => {
    answerAll(invokeMock, handlers());
    render(<SessionsSection />);
    await opened();
    emit(7, { kind: 'closed', reason: 'network is unreachable' });
    expect(screen.getByTestId('session-state').textContent).toBe(
      'The connection closed: network is unreachable Reconnect',
    );
    fireEvent.click(screen.getByTestId('session-tab-close'));
    expect(screen.queryByTestId('session-tab')).toBeNull();
    await waitFor(() => {
      expect(argsOf('close_session')).toEqual([{ id: 7 }]);
    });
  });

  it('is opened from elsewhere by openSshSession', async () => {
    answerAll(invokeMock, handlers());
    void act(() => {
      openSshSession('acme-gw');
    });
    expect(section.value).toBe('sessions');
    expect(tabs.value.map((t) => t.endpoint)).toEqual(['acme-gw']);
    render(<SessionsSection />);
    await screen.findByTestId('terminal-7');
  });
});

describe('the host key question', () => {
  it('shows the key as text and accepts it', async () => {
    answerAll(invokeMock, handlers());
    render(<SessionsSection />);
    await opened();
    emit(7, {
      kind: 'host_key',
      hop: 0,
      label: `acme-gw ${HOSTILE}`,
      host: '10.0.0.1',
      port: 22,
      key_type: 'ssh-ed25519',
      fingerprint: `${FINGERPRINT}${HOSTILE}`,
    });
    const dialog = screen.getByTestId('host-key-dialog');
    expect(screen.getByTestId('session-state').textContent).toBe('Waiting for your answer…');
    expect(screen.getByTestId('host-key-fingerprint').textContent).toBe(`${FINGERPRINT}${HOSTILE}`);
    expect(screen.getByTestId('host-key-fingerprint').tagName).toBe('CODE');
    expect(dialog.textContent).toContain('10.0.0.1:22');
    expect(dialog.textContent).toContain('ssh-ed25519');
    expect(dialog.textContent).toContain(`acme-gw ${HOSTILE}`);
    expect(dialog.querySelector('img')).toBeNull();

    fireEvent.click(screen.getByTestId('host-key-accept'));
    expect(screen.queryByTestId('host-key-dialog')).toBeNull();
    await waitFor(() => {
      expect(argsOf('answer_host_key')).toEqual([{ id: 7, accept: true }]);
    });
  });

  it('cancels with the button or Escape', async () => {
    answerAll(invokeMock, handlers());
    render(<SessionsSection />);
    await opened();
    const key: SessionEvent = {
      kind: 'host_key',
      hop: 1,
      label: 'acme-web1',
      host: 'acme-web1.example.net',
      port: 22,
      key_type: 'ssh-ed25519',
      fingerprint: FINGERPRINT,
    };
    emit(7, key);
    fireEvent.click(screen.getByTestId('host-key-cancel'));
    emit(7, { ...key, fingerprint: 'SHA256:other' });
    fireEvent.keyDown(screen.getByTestId('host-key-dialog'), { key: 'Escape' });
    expect(screen.queryByTestId('host-key-dialog')).toBeNull();
    await waitFor(() => {
      expect(argsOf('answer_host_key')).toEqual([
        { id: 7, accept: false },
        { id: 7, accept: false },
      ]);
    });
  });
});

describe('the secret question', () => {
  it('asks with the server’s prompt as text, hides the input and clears it after OK', async () => {
    answerAll(invokeMock, handlers());
    render(<SessionsSection />);
    await opened();
    emit(7, {
      kind: 'secret',
      label: 'acme-web1',
      user: 'ops',
      secret: 'password',
      prompt: `Password: ${HOSTILE}`,
      echo: false,
    });
    const dialog = screen.getByTestId('secret-dialog');
    expect(screen.getByTestId('secret-prompt').textContent).toBe(`Password: ${HOSTILE}`);
    expect(dialog.querySelector('img')).toBeNull();
    const input = screen.getByTestId<HTMLInputElement>('secret-input');
    expect(input.type).toBe('password');
    fireEvent.input(input, { target: { value: 'hunter2' } });
    fireEvent.click(screen.getByTestId('secret-ok'));
    expect(screen.queryByTestId('secret-dialog')).toBeNull();
    await waitFor(() => {
      expect(argsOf('answer_secret')).toEqual([{ id: 7, secret: 'hunter2' }]);
    });

    emit(7, {
      kind: 'secret',
      label: 'acme-web1',
      user: 'ops',
      secret: 'prompt',
      prompt: 'Verification code: ',
      echo: true,
    });
    const again = screen.getByTestId<HTMLInputElement>('secret-input');
    expect(again.type).toBe('text');
    expect(again.value).toBe('');
    fireEvent.click(screen.getByTestId('secret-cancel'));
    await waitFor(() => {
      expect(argsOf('answer_secret')).toEqual([
        { id: 7, secret: 'hunter2' },
        { id: 7, secret: null },
      ]);
    });
  });
});
