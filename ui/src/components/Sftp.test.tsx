import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { Listing, TransferView } from '../bindings';
import { answerAll, eventHub } from '../test/sessions';
import { bytesText, joinPath, parentPath, Sftp } from './Sftp';

const invokeMock = vi.mocked(invoke);
const HOSTILE = '<img src=x onerror=alert(1)>';
let hub: ReturnType<typeof eventHub>;

function argsOf(name: string): unknown[] {
  return invokeMock.mock.calls.filter(([cmd]) => cmd === name).map(([, args]) => args);
}

function type(testId: string, value: string) {
  fireEvent.input(screen.getByTestId(testId), { target: { value } });
}

function listing(path: string): Listing {
  return path === '/srv'
    ? {
        path,
        entries: [
          { name: 'www', kind: 'dir', size: 4096, modified: 1_795_000_000 },
          { name: HOSTILE, kind: 'file', size: 1536, modified: null },
          { name: 'backup.tar', kind: 'file', size: 3_355_443, modified: 1_795_000_000 },
        ],
        truncated: false,
      }
    : { path, entries: [], truncated: false };
}

function transfer(extra: Partial<TransferView> = {}): TransferView {
  return {
    id: 9,
    endpoint: 'acme-gw',
    direction: 'download',
    remote: '/srv/backup.tar',
    local: '~/Downloads',
    done_bytes: 0,
    total_bytes: 3_355_443,
    files_done: 0,
    skipped: [],
    state: 'running',
    error: null,
    ...extra,
  };
}

beforeEach(() => {
  invokeMock.mockReset();
  hub = eventHub(vi.mocked(listen));
});

describe('paths and sizes', () => {
  it.each([
    ['/srv/www', '/srv'],
    ['/srv/www/', '/srv'],
    ['/srv', '/'],
    ['/', '/'],
    ['logs', '.'],
    ['.', '..'],
    ['..', '../..'],
  ])('the parent of %s is %s', (path, parent) => {
    expect(parentPath(path)).toBe(parent);
  });

  it('joins and formats', () => {
    expect(joinPath('/srv', 'www')).toBe('/srv/www');
    expect(joinPath('/', 'srv')).toBe('/srv');
    expect(joinPath('.', 'a')).toBe('a');
    expect(bytesText(512)).toBe('512 B');
    expect(bytesText(1536)).toBe('1.5 KB');
    expect(bytesText(3_355_443)).toBe('3.2 MB');
  });
});

describe('the SFTP panel', () => {
  it('browses, downloads and uploads without naming a local path, and follows a transfer to its end', async () => {
    answerAll(invokeMock, {
      transfers: () => [],
      sftp_list: ({ path }) => listing(path === '.' ? '/srv' : path),
      sftp_transfer: ({ direction }) => transfer({ direction, id: direction === 'download' ? 9 : 10 }),
      cancel_transfer: () => null,
    });
    render(<Sftp />);
    type('sftp-endpoint', 'acme-gw');
    await act(() => {
      fireEvent.click(screen.getByTestId('sftp-list'));
    });
    expect(await screen.findByTestId('sftp-here')).toHaveProperty('textContent', 'acme-gw:/srv');
    expect(screen.getByTestId(`sftp-entry-${HOSTILE}`).textContent).toContain(HOSTILE);
    expect(document.querySelector('img')).toBeNull();
    expect(screen.getByTestId('sftp-entry-backup.tar').textContent).toContain('3.2 MB');
    // The window has no field for a local path: Rust asks with a native picker.
    expect(document.querySelector('input[data-testid="sftp-local"]')).toBeNull();
    expect(screen.getByTestId('sftp-pick-hint').textContent).toContain('system dialog');

    await act(() => {
      fireEvent.click(screen.getByTestId('sftp-download-backup.tar'));
    });
    const row = await screen.findByTestId('sftp-transfer-9');
    expect(argsOf('sftp_transfer')).toEqual([
      { endpoint: 'acme-gw', direction: 'download', remote: '/srv/backup.tar', folder: false },
    ]);

    void act(() => {
      hub.emit('transfer-changed', transfer({ done_bytes: 1_677_721 }));
    });
    const bar = row.querySelector('progress');
    expect(bar?.getAttribute('value')).toBe('1677721');
    expect(row.textContent).toContain('1.6 MB / 3.2 MB');
    await act(() => {
      fireEvent.click(within(row).getByTestId('sftp-cancel-9'));
    });
    expect(argsOf('cancel_transfer')).toEqual([{ id: 9 }]);
    void act(() => {
      hub.emit('transfer-changed', transfer({ state: 'failed', error: `disk full ${HOSTILE}` }));
    });
    const state = within(row).getByTestId('sftp-transfer-state');
    expect(state.textContent).toContain('failed');
    expect(state.textContent).toContain(`disk full ${HOSTILE}`);
    expect(screen.queryByTestId('sftp-cancel-9')).toBeNull();

    await act(() => {
      fireEvent.click(screen.getByTestId('sftp-upload'));
    });
    await waitFor(() => {
      expect(argsOf('sftp_transfer')[1]).toEqual({
        endpoint: 'acme-gw',
        direction: 'upload',
        remote: '/srv',
        folder: false,
      });
    });
    await act(() => {
      fireEvent.click(screen.getByTestId('sftp-upload-folder'));
    });
    await waitFor(() => {
      expect(argsOf('sftp_transfer')[2]).toEqual({
        endpoint: 'acme-gw',
        direction: 'upload',
        remote: '/srv',
        folder: true,
      });
    });

    await act(() => {
      fireEvent.click(screen.getByTestId('sftp-open-www'));
    });
    expect(await screen.findByText('acme-gw:/srv/www')).toBeTruthy();
    await act(() => {
      fireEvent.click(screen.getByTestId('sftp-up'));
    });
    await waitFor(() => {
      expect(argsOf('sftp_list').map((a) => (a as { path: string }).path)).toEqual(['.', '/srv/www', '/srv']);
    });
  });
});
