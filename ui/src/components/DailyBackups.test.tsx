import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));

import { invoke } from '@tauri-apps/api/core';
import type { AutoBackup } from '../bindings';
import { applyLanguage } from '../i18n';
import { answer, fail } from '../test/backend';
import { DailyBackups } from './DailyBackups';

const invokeMock = vi.mocked(invoke);
const OFF: AutoBackup = { folder: null, keep: 7, newest: null, error: null };
const ON: AutoBackup = {
  folder: '/media/usb/backups',
  keep: 7,
  newest: '2026-12-08T01:00:00Z',
  error: null,
};

beforeEach(() => {
  invokeMock.mockReset();
  applyLanguage('en');
});

describe('daily backups', () => {
  it('turns on through the system picker (the page names no folder) and off again', async () => {
    answer(invokeMock, {
      auto_backup: () => OFF,
      choose_auto_backup_folder: () => ON,
      stop_auto_backup: () => OFF,
    });
    render(<DailyBackups />);
    await waitFor(() => {
      expect(screen.getByTestId('daily-backups-state').textContent).toContain('Off');
    });
    fireEvent.click(screen.getByTestId('daily-backups-choose'));
    await waitFor(() => {
      expect(screen.getByTestId('daily-backups-state').textContent).toContain(
        'Every day into /media/usb/backups; the newest 7 are kept there.',
      );
    });
    expect(invokeMock).toHaveBeenCalledWith('choose_auto_backup_folder', {});
    expect(screen.getByTestId('daily-backups-choose').textContent).toBe('Change folder…');
    fireEvent.click(screen.getByTestId('daily-backups-stop'));
    await waitFor(() => {
      expect(screen.getByTestId('daily-backups-state').textContent).toContain('Off');
    });
    expect(screen.queryByTestId('daily-backups-stop')).toBeNull();
  });

  it('says why the last one failed, in Korean too, and shows a cancelled picker', async () => {
    applyLanguage('ko');
    answer(invokeMock, {
      auto_backup: () => ({ ...ON, error: 'cannot create /media/usb/backups: No such device' }),
      choose_auto_backup_folder: () => fail({ kind: 'NotApproved', message: '폴더를 고르지 않았습니다' }),
    });
    render(<DailyBackups />);
    expect((await screen.findByTestId('daily-backups-failed')).textContent).toContain(
      '마지막 매일 백업이 실패했습니다: cannot create /media/usb/backups: No such device',
    );
    fireEvent.click(screen.getByTestId('daily-backups-choose'));
    expect((await screen.findByTestId('daily-backups-error')).textContent).toContain(
      '폴더를 고르지 않았습니다',
    );
  });
});
