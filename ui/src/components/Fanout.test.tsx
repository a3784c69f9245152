import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { HostResult, FanoutView } from '../bindings';
import { fleet } from '../state';
import { sampleFleet } from '../test/fixtures';
import { answerAll, eventHub, type SessionHandlers } from '../test/sessions';
import { boundedOutput, Fanout, OUTPUT_LIMIT } from './Fanout';

const invokeMock = vi.mocked(invoke);
const HOSTILE = '<img src=x onerror=alert(1)>';
let hub: ReturnType<typeof eventHub>;

function argsOf(name: string): unknown[] {
  return invokeMock.mock.calls.filter(([cmd]) => cmd === name).map(([, args]) => args);
}

function host(endpoint: string, extra: Partial<HostResult> = {}): HostResult {
  return {
    endpoint,
    customer: 'acme',
    state: 'waiting',
    exit: null,
    output: '',
    error: null,
    queued_until: null,
    duration_ms: null,
    ...extra,
  };
}

function run(hosts: HostResult[]): FanoutView {
  return {
    id: 5,
    command: 'uptime',
    started: 1_795_000_000,
    hosts,
    summary: summaryOf(hosts),
    finished: false,
  };
}

function summaryOf(hosts: HostResult[]) {
  const n = (s: HostResult['state']) => hosts.filter((h) => h.state === s).length;
  return {
    hosts: hosts.length,
    ok: n('ok'),
    failed: n('failed'),
    unreachable: n('unreachable'),
    expired: n('expired'),
    cancelled: n('cancelled'),
  };
}

const PREVIEW = {
  endpoints: [
    { id: 'acme-gw', customer: 'ACME Corp', site: 'Headquarters', host: 'acme-gw.example.net' },
    { id: 'acme-web1', customer: 'ACME Corp', site: 'Headquarters', host: 'acme-web1.example.net' },
    { id: 'hanbit-nas', customer: '한빛 물산', site: '서울 본사', host: '10.20.0.5' },
  ],
  customers: 2,
};

function show(extra: SessionHandlers = {}) {
  answerAll(invokeMock, {
    fanouts: () => [],
    snippets: () => [{ name: 'disk', command: 'df -h /' }],
    fanout_preview: () => PREVIEW,
    run_fanout: () => run(PREVIEW.endpoints.map((e) => host(e.id))),
    cancel_queued: () => null,
    ...extra,
  });
  render(<Fanout />);
}

beforeEach(() => {
  invokeMock.mockReset();
  hub = eventHub(vi.mocked(listen));
  fleet.value = sampleFleet();
});

describe('boundedOutput', () => {
  it('keeps the tail of a long output and says how much was cut', () => {
    expect(boundedOutput('short')).toEqual({ text: 'short', cut: 0 });
    const long = 'a'.repeat(OUTPUT_LIMIT + 5) + 'END';
    const out = boundedOutput(long);
    expect(out.cut).toBe(8);
    expect(out.text.endsWith('END')).toBe(true);
    expect(out.text).toHaveLength(OUTPUT_LIMIT);
  });
});

describe('run on many', () => {
  it('states how many hosts of how many customers before anything runs, then runs what was previewed', async () => {
    show();
    fireEvent.change(screen.getByTestId('fanout-tag'), { target: { value: 'web' } });
    fireEvent.input(screen.getByTestId('fanout-command'), { target: { value: 'uptime' } });
    await act(() => {
      fireEvent.click(screen.getByTestId('fanout-preview'));
    });
    const dialog = await screen.findByTestId('fanout-confirm');
    expect(within(dialog).getByTestId('fanout-confirm-count').textContent).toBe(
      'This runs on 3 hosts of 2 customers.',
    );
    expect(dialog.textContent).toContain('uptime');
    expect(within(dialog).getByTestId('fanout-target-hanbit-nas').textContent).toContain('10.20.0.5');
    expect(within(dialog).getByTestId('fanout-run').textContent).toBe('Run on 3 hosts');
    expect(argsOf('fanout_preview')).toEqual([
      { selector: { customer: null, site: null, tag: 'web', endpoints: [] } },
    ]);
    expect(argsOf('run_fanout')).toHaveLength(0);

    await act(() => {
      fireEvent.click(within(dialog).getByTestId('fanout-run'));
    });
    await waitFor(() => {
      expect(screen.queryByTestId('fanout-confirm')).toBeNull();
    });
    expect(argsOf('run_fanout')).toEqual([
      {
        selector: { customer: null, site: null, tag: 'web', endpoints: [] },
        command: 'uptime',
        concurrency: 10,
        queueUnreachable: false,
      },
    ]);
    expect(screen.getByTestId('fanout-summary').textContent).toBe(
      '0 ok · 0 failed · 0 unreachable · 0 queued · 3 waiting',
    );
  });

  it('refuses to preview without a command or a selection, or with a bad concurrency', async () => {
    show();
    await act(() => {
      fireEvent.click(screen.getByTestId('fanout-preview'));
    });
    const errors = screen.getByTestId('fanout-error').textContent;
    expect(errors).toContain('Enter the command to run.');
    expect(errors).toContain('Choose a customer, site or tag');
    fireEvent.input(screen.getByTestId('fanout-concurrency'), { target: { value: '0' } });
    await act(() => {
      fireEvent.click(screen.getByTestId('fanout-preview'));
    });
    expect(screen.getByTestId('fanout-error').textContent).toContain('from 1 to 256');
    expect(argsOf('fanout_preview')).toHaveLength(0);
  });

  it('runs on ticked endpoints, with a snippet, concurrency and the queue', async () => {
    show();
    await waitFor(() => {
      expect(screen.getByTestId('fanout-snippet').textContent).toContain('disk');
    });
    fireEvent.change(screen.getByTestId('fanout-snippet'), { target: { value: 'disk' } });
    expect(screen.getByTestId<HTMLTextAreaElement>('fanout-command').value).toBe('df -h /');
    fireEvent.click(screen.getByTestId('fanout-mode-chosen'));
    fireEvent.click(screen.getByTestId('fanout-endpoint-acme-gw'));
    fireEvent.click(screen.getByTestId('fanout-endpoint-hanbit-nas'));
    fireEvent.input(screen.getByTestId('fanout-concurrency'), { target: { value: '4' } });
    fireEvent.click(screen.getByTestId('fanout-queue'));
    await act(() => {
      fireEvent.click(screen.getByTestId('fanout-preview'));
    });
    const runButton = await screen.findByTestId('fanout-run');
    await act(() => {
      fireEvent.click(runButton);
    });
    await waitFor(() => {
      expect(argsOf('run_fanout')).toEqual([
        {
          selector: { customer: null, site: null, tag: null, endpoints: ['acme-gw', 'hanbit-nas'] },
          command: 'df -h /',
          concurrency: 4,
          queueUnreachable: true,
        },
      ]);
    });
  });

  it('shows each host live, output as text, and cancels a queued host', async () => {
    show({ fanouts: () => [run([host('acme-gw', { state: 'running' })])] });
    await screen.findByTestId('fanout-host-acme-gw');
    void act(() => {
      hub.emit(
        'fanout-changed',
        run([
          host('acme-gw', { state: 'ok', exit: 0, output: `up 3 days ${HOSTILE}\n` }),
          host('acme-web1', { state: 'failed', exit: 2, error: `bash: ${HOSTILE}` }),
          host('acme-pos1', { state: 'unreachable', error: 'connection timed out' }),
          host('hanbit-nas', { state: 'queued', queued_until: 1_795_003_600 }),
        ]),
      );
    });
    expect(screen.getByTestId('fanout-summary').textContent).toBe(
      '1 ok · 1 failed · 1 unreachable · 1 queued',
    );
    const ok = screen.getByTestId('fanout-host-acme-gw');
    expect(within(ok).getByTestId('fanout-host-output').textContent).toBe(`up 3 days ${HOSTILE}\n`);
    expect(within(ok).getByTestId('fanout-host-output').tagName).toBe('PRE');
    expect(screen.getByTestId('fanout-host-acme-web1').textContent).toContain(`bash: ${HOSTILE}`);
    expect(document.querySelector('img')).toBeNull();
    expect(screen.queryByTestId('fanout-cancel-acme-gw')).toBeNull();

    await act(() => {
      fireEvent.click(screen.getByTestId('fanout-cancel-hanbit-nas'));
    });
    await waitFor(() => {
      expect(argsOf('cancel_queued')).toEqual([{ id: 5, endpoint: 'hanbit-nas' }]);
    });
  });
});
