import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import type { PromSettings, PromSource, SourceReport, SourceView } from '../bindings';
import { applyLanguage } from '../i18n';
import { sourceView } from '../status/store';
import { answer, fail, type Handlers } from '../test/backend';
import { PrometheusSource } from './PrometheusSource';

const invokeMock = vi.mocked(invoke);
const HOSTILE = '<img src=x onerror=alert(1)>';

function template(): PromSource {
  return {
    prometheus_url: '',
    alertmanager_url: null,
    auth: { kind: 'none' },
    match_label: 'instance',
    endpoint_label: 'fieldline_endpoint',
    timeout: '15s',
    max_response_bytes: 33554432,
    max_unmatched: 20,
    info_alerts: 'note',
  };
}

function settings(source: PromSource | null, extra: Partial<PromSettings> = {}): PromSettings {
  return { source, template: template(), has_secret: false, secret_error: null, ...extra };
}

function report(extra: Partial<SourceReport> = {}): SourceReport {
  return {
    took_ms: 120,
    alerts_from: 'alertmanager',
    endpoints: Array.from({ length: 12 }, (_, i) => ({
      endpoint: `e${String(i)}`,
      state: 'OK' as const,
      results: [],
    })),
    unmatched_count: 3,
    unmatched: [
      { kind: 'up', name: 'node', series: '10.9.9.9:9100', reason: 'no endpoint has host 10.9.9.9' },
    ],
    unseen: [],
    warnings: [`Alertmanager answered 503; ${HOSTILE}`],
    ...extra,
  };
}

function show(handlers: Handlers) {
  answer(invokeMock, handlers);
  return render(<PrometheusSource />);
}

function lastArgs(name: string): unknown {
  const all = invokeMock.mock.calls.filter(([cmd]) => cmd === name);
  return all[all.length - 1]?.[1];
}

function inputValue(testId: string): string {
  return screen.getByTestId<HTMLInputElement>(testId).value;
}

function type(testId: string, value: string) {
  fireEvent.input(screen.getByTestId(testId), { target: { value } });
}

beforeEach(() => {
  invokeMock.mockReset();
});

afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
});

describe('the Prometheus source form', () => {
  it('starts from the template and tests what was typed, with the secret', async () => {
    show({ prometheus_source: () => settings(null), test_prometheus_source: () => report() });
    await screen.findByTestId('prom-url');
    expect(screen.queryByTestId('prom-status')).toBeNull();
    expect(screen.queryByTestId('prom-remove')).toBeNull();
    expect(screen.queryByTestId('prom-secret')).toBeNull();

    type('prom-url', ' https://prom.example.net/ ');
    type('prom-am-url', 'https://am.example.net/');
    fireEvent.change(screen.getByTestId('prom-auth'), { target: { value: 'basic' } });
    type('prom-username', 'fieldline');
    type('prom-secret', 's3cret');
    expect(screen.getByTestId('prom-secret').getAttribute('type')).toBe('password');
    expect(screen.getByTestId('prom-secret-state').textContent).toContain('holds none yet');
    await act(() => {
      fireEvent.click(screen.getByTestId('prom-test'));
    });
    const result = await screen.findByText(/endpoints matched/);
    expect(lastArgs('test_prometheus_source')).toEqual({
      source: {
        ...template(),
        prometheus_url: 'https://prom.example.net/',
        alertmanager_url: 'https://am.example.net/',
        auth: { kind: 'basic', username: 'fieldline' },
      },
      secret: 's3cret',
    });
    const box = screen.getByTestId('prom-test-result');
    expect(result.textContent).toBe('12 endpoints matched, 3 series unmatched, alerts from Alertmanager');
    expect(box.textContent).toContain('node (10.9.9.9:9100) — no endpoint has host 10.9.9.9');
    expect(box.textContent).toContain(HOSTILE);
    expect(box.querySelector('img')).toBeNull();
  });

  it('says what went wrong and keeps the input', async () => {
    show({
      prometheus_source: () => settings(null),
      test_prometheus_source: () =>
        fail({ kind: 'Unreachable', message: 'prom.example.net: connection refused' }),
      save_prometheus_source: () => fail({ kind: 'Keychain', message: 'the keychain is locked' }),
    });
    await screen.findByTestId('prom-url');
    await act(() => {
      fireEvent.click(screen.getByTestId('prom-test'));
    });
    expect(screen.getByTestId('prom-error').textContent).toContain('Enter the Prometheus address.');
    expect(lastArgs('test_prometheus_source')).toBeUndefined();

    type('prom-url', 'https://prom.example.net/');
    fireEvent.change(screen.getByTestId('prom-auth'), { target: { value: 'bearer' } });
    type('prom-secret', 'tok');
    await act(() => {
      fireEvent.click(screen.getByTestId('prom-test'));
    });
    await waitFor(() => {
      expect(screen.getByTestId('prom-error').textContent).toContain('connection refused');
    });
    await act(() => {
      fireEvent.click(screen.getByTestId('prom-save'));
    });
    await waitFor(() => {
      expect(screen.getByTestId('prom-error').textContent).toContain('the keychain is locked');
    });
    expect(inputValue('prom-url')).toBe('https://prom.example.net/');
    expect(inputValue('prom-secret')).toBe('tok');
  });

  it('saves, keeps the keychain’s secret when the field is empty, and shows how reads stand', async () => {
    const saved: PromSource = {
      ...template(),
      prometheus_url: 'https://prom.example.net/',
      auth: { kind: 'bearer' },
    };
    show({
      prometheus_source: () => settings(null),
      save_prometheus_source: ({ source }) => settings(source, { has_secret: true }),
    });
    await screen.findByTestId('prom-url');
    type('prom-url', 'https://prom.example.net/');
    fireEvent.change(screen.getByTestId('prom-auth'), { target: { value: 'bearer' } });
    await act(() => {
      fireEvent.click(screen.getByTestId('prom-save'));
    });
    await screen.findByTestId('prom-status');
    expect(lastArgs('save_prometheus_source')).toEqual({ source: saved, secret: null });
    expect(screen.getByTestId('prom-status').textContent).toBe('Not read yet.');
    expect(screen.getByTestId('prom-secret-state').textContent).toContain('The keychain holds one');

    const read = Math.floor(new Date(2026, 10, 24, 14, 2).getTime() / 1000);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(2026, 10, 24, 14, 5));
    const live: SourceView = {
      prometheus_url: saved.prometheus_url,
      alertmanager_url: null,
      read_at: read,
      report: report(),
      tried_at: read,
      error: null,
    };
    await act(() => {
      sourceView.value = live;
    });
    expect(screen.getByTestId('prom-status').textContent).toBe('Last read 14:02 · 12 endpoints');
    await act(() => {
      sourceView.value = { ...live, tried_at: read + 240, error: `timed out ${HOSTILE}` };
    });
    expect(screen.getByTestId('prom-status').textContent).toBe(
      `Cannot read Prometheus: timed out ${HOSTILE} (last good read 14:02)`,
    );
    vi.useRealTimers();
  });

  it('removes the source after asking', async () => {
    const saved: PromSource = { ...template(), prometheus_url: 'https://prom.example.net/' };
    show({
      prometheus_source: () => settings(saved),
      save_prometheus_source: () => settings(null),
    });
    expect((await screen.findByTestId<HTMLInputElement>('prom-url')).value).toBe('https://prom.example.net/');
    fireEvent.click(screen.getByTestId('prom-remove'));
    const dialog = screen.getByTestId('prom-remove-dialog');
    expect(within(dialog).getByText(/stops reading https:\/\/prom\.example\.net\//)).toBeTruthy();
    expect(lastArgs('save_prometheus_source')).toBeUndefined();
    await act(() => {
      fireEvent.click(screen.getByTestId('prom-remove-confirm'));
    });
    await waitFor(() => {
      expect(screen.queryByTestId('prom-remove')).toBeNull();
    });
    expect(lastArgs('save_prometheus_source')).toEqual({ source: null, secret: null });
    expect(inputValue('prom-url')).toBe('');
    expect(screen.queryByTestId('prom-status')).toBeNull();
  });

  it('speaks Korean', async () => {
    applyLanguage('ko');
    show({ prometheus_source: () => settings(null), test_prometheus_source: () => report() });
    await screen.findByTestId('prom-url');
    expect(screen.getByText('Prometheus 소스')).toBeTruthy();
    type('prom-url', 'https://prom.example.net/');
    await act(() => {
      fireEvent.click(screen.getByTestId('prom-test'));
    });
    await waitFor(() => {
      expect(screen.getByTestId('prom-test-result').textContent).toContain('엔드포인트 12개 일치');
    });
  });
});
