import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import type { ForwardView } from '../bindings';
import { fleet } from '../state';
import { fail } from '../test/backend';
import { sampleFleet } from '../test/fixtures';
import { answerAll } from '../test/sessions';
import { Forwards, port } from './Forwards';

const invokeMock = vi.mocked(invoke);
const HOSTILE = '<img src=x onerror=alert(1)>';

function argsOf(name: string): unknown[] {
  return invokeMock.mock.calls.filter(([cmd]) => cmd === name).map(([, args]) => args);
}

function type(testId: string, value: string) {
  fireEvent.input(screen.getByTestId(testId), { target: { value } });
}

const GW: ForwardView = {
  id: 1,
  endpoint: 'acme-gw',
  local_port: 40022,
  remote_host: '192.168.1.1',
  remote_port: 443,
  served: 0,
  running: true,
  connections: 2,
  error: `accept failed ${HOSTILE}`,
};

beforeEach(() => {
  invokeMock.mockReset();
  fleet.value = sampleFleet();
});

describe('port', () => {
  it.each([
    ['0', 0, 0],
    ['0', 1, null],
    ['8080', 1, 8080],
    ['65536', 0, null],
    ['1.5', 0, null],
    ['', 0, null],
  ])('%s (min %i) → %s', (text, min, expected) => {
    expect(port(text, min)).toBe(expected);
  });
});

describe('port forwards', () => {
  it('lists forwards on 127.0.0.1, opens one and closes one', async () => {
    answerAll(invokeMock, {
      forwards: () => [GW],
      open_forward: () => ({
        ...GW,
        id: 2,
        local_port: 41234,
        remote_host: '10.0.0.5',
        remote_port: 3306,
        connections: 0,
        error: null,
      }),
      close_forward: () => [],
    });
    render(<Forwards />);
    const row = await screen.findByTestId('forward-1');
    expect(within(row).getByTestId('forward-local-1').textContent).toBe('127.0.0.1:40022');
    expect(row.textContent).toContain('192.168.1.1:443');
    expect(row.textContent).toContain(`accept failed ${HOSTILE}`);
    expect(row.querySelector('img')).toBeNull();

    type('forward-endpoint', 'acme-web1');
    type('forward-remote-host', '10.0.0.5');
    type('forward-remote-port', '3306');
    await act(() => {
      fireEvent.click(screen.getByTestId('forward-open'));
    });
    expect(await screen.findByTestId('forward-local-2')).toHaveProperty('textContent', '127.0.0.1:41234');
    expect(argsOf('open_forward')).toEqual([
      { endpoint: 'acme-web1', localPort: 0, remoteHost: '10.0.0.5', remotePort: 3306 },
    ]);

    await act(() => {
      fireEvent.click(screen.getByTestId('forward-close-1'));
    });
    await waitFor(() => {
      expect(screen.queryByTestId('forward-1')).toBeNull();
    });
    expect(argsOf('close_forward')).toEqual([{ id: 1 }]);
  });

  it('checks the fields and shows why a forward did not open', async () => {
    answerAll(invokeMock, {
      forwards: () => [],
      open_forward: () => fail({ kind: 'Invalid', message: 'port 22 is in use', issues: [] }),
    });
    render(<Forwards />);
    type('forward-local-port', '70000');
    await act(() => {
      fireEvent.click(screen.getByTestId('forward-open'));
    });
    const errors = screen.getByTestId('forward-error').textContent;
    expect(errors).toContain('Enter the endpoint.');
    expect(errors).toContain('from 0 to 65535');
    expect(errors).toContain('from 1 to 65535');
    expect(argsOf('open_forward')).toHaveLength(0);

    type('forward-endpoint', 'acme-gw');
    type('forward-local-port', '22');
    type('forward-remote-port', '22');
    await act(() => {
      fireEvent.click(screen.getByTestId('forward-open'));
    });
    await waitFor(() => {
      expect(screen.getByTestId('forward-error').textContent).toContain('port 22 is in use');
    });
  });
});
