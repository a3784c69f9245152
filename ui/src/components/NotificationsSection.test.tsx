import { fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import type { CentreEntry, NotifySettings } from '../bindings';
import { fleet, openTicket, section, slaFilter } from '../state';
import { answer, fail, type Handlers } from '../test/backend';
import { sampleFleet } from '../test/fixtures';
import { NotificationsSection } from './NotificationsSection';

const invokeMock = vi.mocked(invoke);

const DEFAULTS: NotifySettings = {
  enabled: true,
  do_not_disturb: false,
  quiet_from: null,
  quiet_to: null,
  timezone: null,
  repeat_minutes: 60,
  muted_customers: [],
  warnings_in_service_hours_only: false,
};

function entry(id: number, at: string, extra: Partial<CentreEntry> = {}): CentreEntry {
  return {
    id,
    at,
    group: 'acme',
    summary: `Entry ${String(id)}`,
    body: '',
    urgency: 'normal',
    open: null,
    shown: true,
    held: '',
    ...extra,
  };
}

function show(handlers: Handlers) {
  answer(invokeMock, {
    notification_centre: () => [],
    get_notify_settings: () => DEFAULTS,
    ...handlers,
  });
  fleet.value = sampleFleet();
  render(<NotificationsSection />);
}

beforeEach(() => {
  invokeMock.mockReset();
});

describe('the centre', () => {
  it('lists entries newest first, bodies as text with their line breaks, and why one was held', async () => {
    show({
      notification_centre: () => [
        entry(1, '2026-11-24T00:30:00Z', { summary: 'ACME: #3 at 50%' }),
        entry(2, '2026-11-24T01:00:00Z', {
          summary: 'ACME: 2 tickets <b>breached</b>',
          body: '#3 Mail <img src=x onerror=alert(1)>\n#4 VPN',
          urgency: 'critical',
          shown: false,
          held: 'quiet_hours',
        }),
        entry(3, '2026-11-24T00:45:00Z', { shown: false, held: 'org.freedesktop.DBus.Error.ServiceUnknown' }),
      ],
    });
    const centre = await screen.findByTestId('notification-centre');
    await waitFor(() => {
      expect(centre.querySelectorAll('li')).toHaveLength(3);
    });
    expect([...centre.querySelectorAll('li')].map((li) => li.getAttribute('data-testid'))).toEqual([
      'notification-entry-2',
      'notification-entry-3',
      'notification-entry-1',
    ]);
    const held = screen.getByTestId('notification-entry-2');
    expect(held.textContent).toContain('held: quiet hours');
    expect(held.textContent).toContain('ACME: 2 tickets <b>breached</b>');
    expect(held.querySelector('.centre-body')?.textContent).toBe(
      '#3 Mail <img src=x onerror=alert(1)>\n#4 VPN',
    );
    expect(held.querySelector('img, b')).toBeNull();
    const failed = screen.getByTestId('notification-entry-3');
    expect(failed.querySelector('.badge')?.textContent).toBe('held: not delivered');
    expect(failed.querySelector('.centre-failure')?.textContent).toBe(
      'org.freedesktop.DBus.Error.ServiceUnknown',
    );
    expect(screen.getByTestId('notification-entry-1').textContent).toContain('shown');
  });

  it('opens what an entry points at', async () => {
    show({
      notification_centre: () => [
        entry(1, '2026-11-24T00:30:00Z', { open: 'ticket:12' }),
        entry(2, '2026-11-24T00:20:00Z', { open: 'sla:hanbit' }),
      ],
    });
    fireEvent.click(await screen.findByTestId('notification-entry-1'));
    expect(section.value).toBe('sla');
    expect(openTicket.value).toBe(12);
    fireEvent.click(within(screen.getByTestId('notification-entry-2')).getByRole('button'));
    expect(openTicket.value).toBeNull();
    expect(slaFilter.value.customer).toBe('hanbit');
  });

  it('says when there is nothing yet', async () => {
    show({});
    expect((await screen.findByTestId('notification-none')).textContent).toBe('No notifications yet.');
  });
});

describe('the settings', () => {
  it('saves every field', async () => {
    show({ set_notify_settings: ({ settings }) => settings });
    await screen.findByTestId('notify-settings-enabled');
    fireEvent.click(screen.getByTestId('notify-settings-dnd'));
    fireEvent.input(screen.getByTestId('notify-settings-quiet-from'), { target: { value: '22:00' } });
    fireEvent.input(screen.getByTestId('notify-settings-quiet-to'), { target: { value: '07:30' } });
    fireEvent.input(screen.getByTestId('notify-settings-timezone'), { target: { value: 'Asia/Seoul' } });
    fireEvent.input(screen.getByTestId('notify-settings-repeat'), { target: { value: '0' } });
    const muted = screen.getByTestId<HTMLSelectElement>('notify-settings-muted');
    const hanbit = [...muted.options].find((o) => o.value === 'hanbit');
    if (!hanbit) throw new Error('no hanbit option');
    hanbit.selected = true;
    fireEvent.change(muted);
    fireEvent.click(screen.getByTestId('notify-settings-service-hours'));
    fireEvent.click(screen.getByTestId('notify-save'));

    expect((await screen.findByTestId('notify-saved')).textContent).toBe('Saved.');
    expect(invokeMock).toHaveBeenCalledWith('set_notify_settings', {
      settings: {
        enabled: true,
        do_not_disturb: true,
        quiet_from: '22:00',
        quiet_to: '07:30',
        timezone: 'Asia/Seoul',
        repeat_minutes: 0,
        muted_customers: ['hanbit'],
        warnings_in_service_hours_only: true,
      },
    });
  });

  it('shows what the Rust side refused, as text', async () => {
    show({
      get_notify_settings: () => ({ ...DEFAULTS, muted_customers: ['gone'] }),
      set_notify_settings: () =>
        fail({ kind: 'BadFile', message: 'quiet hours need both a start and an end' }),
    });
    await screen.findByTestId('notify-settings-enabled');
    // A muted customer no longer in the fleet stays listed (and muted).
    const muted = screen.getByTestId<HTMLSelectElement>('notify-settings-muted');
    expect([...muted.selectedOptions].map((o) => o.value)).toEqual(['gone']);
    fireEvent.input(screen.getByTestId('notify-settings-quiet-from'), { target: { value: '22:00' } });
    fireEvent.click(screen.getByTestId('notify-save'));
    expect((await screen.findByTestId('notify-error')).textContent).toContain(
      'quiet hours need both a start and an end',
    );
    expect(invokeMock).toHaveBeenCalledWith('set_notify_settings', {
      settings: expect.objectContaining({
        quiet_from: '22:00',
        quiet_to: null,
        muted_customers: ['gone'],
      }) as unknown,
    });
  });

  it('asks for whole minutes before sending', async () => {
    show({});
    await screen.findByTestId('notify-settings-enabled');
    fireEvent.input(screen.getByTestId('notify-settings-repeat'), { target: { value: '1.5' } });
    fireEvent.click(screen.getByTestId('notify-save'));
    expect((await screen.findByTestId('notify-error')).textContent).toContain('a whole number of minutes');
    expect(invokeMock).not.toHaveBeenCalledWith('set_notify_settings', expect.anything());
  });
});
