import { act, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import type { RecordingInfo } from '../bindings';
import { fleet } from '../state';
import { sampleFleet } from '../test/fixtures';
import { answerAll } from '../test/sessions';
import { Recordings } from './Recordings';

const invokeMock = vi.mocked(invoke);
const HOSTILE = '<img src=x onerror=alert(1)>';

function argsOf(name: string): unknown[] {
  return invokeMock.mock.calls.filter(([cmd]) => cmd === name).map(([, args]) => args);
}

const ALL: RecordingInfo[] = [
  {
    path: '/rec/acme/1.cast',
    customer_dir: 'acme',
    customer: 'acme',
    endpoint: 'acme-gw',
    user: 'ops',
    title: null,
    started_unix: 1_795_000_000,
    size_bytes: 2048,
  },
  {
    path: `/rec/hanbit/${HOSTILE}.cast`,
    customer_dir: 'hanbit',
    customer: 'hanbit',
    endpoint: 'hanbit-nas',
    user: null,
    title: null,
    started_unix: 1_795_000_100,
    size_bytes: 10,
  },
];

beforeEach(() => {
  invokeMock.mockReset();
  fleet.value = sampleFleet();
});

describe('recordings', () => {
  it('lists recordings per customer and exports a customer’s audit', async () => {
    answerAll(invokeMock, {
      recordings: ({ customer }) => ALL.filter((r) => customer === null || r.customer === customer),
      export_session_audit: ({ customer }) => ({ path: `/home/me/${customer}-audit.jsonl` }),
    });
    render(<Recordings />);
    await waitFor(() => {
      expect(screen.getAllByTestId('recording-row')).toHaveLength(2);
    });
    expect(screen.getByTestId('recordings').textContent).toContain(`/rec/hanbit/${HOSTILE}.cast`);
    expect(document.querySelector('img')).toBeNull();
    expect(screen.getByTestId<HTMLButtonElement>('recordings-export').disabled).toBe(true);

    fireEvent.change(screen.getByTestId('recordings-customer'), { target: { value: 'hanbit' } });
    await waitFor(() => {
      expect(screen.getAllByTestId('recording-row')).toHaveLength(1);
    });
    expect(screen.getByTestId('recording-row').textContent).toContain('한빛 물산');
    expect(argsOf('recordings')).toEqual([{ customer: null }, { customer: 'hanbit' }]);

    await act(() => {
      fireEvent.click(screen.getByTestId('recordings-export'));
    });
    expect(await screen.findByTestId('recordings-export-result')).toHaveProperty(
      'textContent',
      'Audit saved to /home/me/hanbit-audit.jsonl',
    );
    expect(argsOf('export_session_audit')).toEqual([{ customer: 'hanbit' }]);
  });
});
