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
import type { Fleet } from '../bindings';
import { answer, fail, type Handlers } from '../test/backend';
import { answerAll } from '../test/sessions';
import { clock, customer, sampleFleet, slaBoard, slaRow, ticket } from '../test/fixtures';
import { App } from './App';

const invokeMock = vi.mocked(invoke);
let fleetChanged: (() => void) | null = null;
let openItemEvent: ((target: string) => void) | null = null;
let appFailed: ((what: string, logDir: string | null) => void) | null = null;

const EMPTY: Fleet = { customers: [], sites: [], endpoints: [] };
const APP_INFO = {
  version: '0.1.0',
  data_dir: '/data',
  database: '/data/fieldline.db',
  schema_version: 1,
  restored: null,
};

function start(handlers: Handlers) {
  answer(invokeMock, {
    get_settings: () => ({ language: 'en' }),
    connections: () => [],
    sync_conflicts: () => [],
    ...handlers,
  });
  render(<App />);
}

beforeEach(() => {
  invokeMock.mockReset();
  fleetChanged = null;
  openItemEvent = null;
  appFailed = null;
  vi.mocked(listen).mockImplementation((event, handler) => {
    if (event === 'fleet-changed') {
      fleetChanged = () => {
        handler({ event: 'fleet-changed', id: 1, payload: { revision: 2 } });
      };
    }
    if (event === 'open-item') {
      openItemEvent = (target) => {
        handler({ event: 'open-item', id: 2, payload: { target } });
      };
    }
    if (event === 'app-failed') {
      appFailed = (what, logDir) => {
        handler({ event: 'app-failed', id: 3, payload: { what, log_dir: logDir } });
      };
    }
    return Promise.resolve(() => undefined);
  });
});

describe('first run', () => {
  it('offers the demo fleet and shows it, labelled, once loaded', async () => {
    const demo = sampleFleet();
    demo.customers = demo.customers.map((c) => ({ ...c, demo: true }));
    start({ fleet_snapshot: () => EMPTY, load_demo_fleet: () => demo });

    const empty = await screen.findByTestId('empty-fleet');
    expect(within(empty).getByTestId('empty-add-customer')).toBeTruthy();
    expect(screen.queryByTestId('demo-badge')).toBeNull();
    fireEvent.click(within(empty).getByTestId('load-demo'));

    expect(await screen.findByTestId('tree-customer-acme')).toBeTruthy();
    expect(screen.getByTestId('demo-badge').textContent).toBe('Demo data');
    expect(screen.queryByTestId('empty-fleet')).toBeNull();
    expect(invokeMock).toHaveBeenCalledWith('load_demo_fleet', {});
  });

  it('opens the customer form from the empty state', async () => {
    start({ fleet_snapshot: () => EMPTY });
    fireEvent.click(await screen.findByTestId('empty-add-customer'));
    expect(screen.getByTestId('entity-form')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByTestId('field-id'));
  });
});

describe('language', () => {
  it('uses the stored language', async () => {
    start({ get_settings: () => ({ language: 'ko' }), fleet_snapshot: () => EMPTY });
    await waitFor(() => {
      expect(screen.getByTestId('nav-fleet').textContent).toBe('자산');
    });
    expect(
      ['nav-sessions', 'nav-sla', 'nav-notifications', 'nav-settings'].map(
        (id) => screen.getByTestId(id).textContent,
      ),
    ).toEqual(['세션', 'SLA', '알림', '설정']);
    expect(document.documentElement.lang).toBe('ko');
  });

  it('follows a Korean system when nothing is stored, and changes from Settings', async () => {
    const spy = vi.spyOn(navigator, 'language', 'get').mockReturnValue('ko-KR');
    start({
      get_settings: () => ({ language: null }),
      fleet_snapshot: () => EMPTY,
      set_language: ({ language }) => ({ language }),
      app_info: () => ({
        version: '0.1.0',
        data_dir: '/home/tech/.local/share/fieldline',
        database: 'fieldline.db',
        schema_version: 1,
        restored: null,
      }),
    });
    await waitFor(() => {
      expect(screen.getByTestId('nav-settings').textContent).toBe('설정');
    });
    spy.mockRestore();

    fireEvent.click(screen.getByTestId('nav-settings'));
    expect((await screen.findByTestId('app-info')).textContent).toContain(
      '/home/tech/.local/share/fieldline',
    );
    fireEvent.change(screen.getByTestId('language-select'), { target: { value: 'en' } });
    await waitFor(() => {
      expect(screen.getByTestId('nav-settings').textContent).toBe('Settings');
    });
    expect(invokeMock).toHaveBeenCalledWith('set_language', { language: 'en' });
  });

  it('backs up through the system picker and says where it went', async () => {
    start({
      fleet_snapshot: () => EMPTY,
      app_info: () => ({
        version: '0.1.0',
        data_dir: '/home/tech/.local/share/fieldline',
        database: 'fieldline.db',
        schema_version: 1,
        restored: null,
      }),
      backup_store: () => ({ path: '/media/usb/fieldline-backup-20261207T1800Z' }),
    });
    fireEvent.click(await screen.findByTestId('nav-settings'));
    fireEvent.click(await screen.findByTestId('settings-backup'));
    expect((await screen.findByTestId('settings-backup-saved')).textContent).toContain(
      '/media/usb/fieldline-backup-20261207T1800Z',
    );
    // The page names no folder: the picker is Rust's.
    expect(invokeMock).toHaveBeenCalledWith('backup_store', {});
  });

  it('says when something failed inside the app, and where its log is', async () => {
    start({ fleet_snapshot: () => EMPTY, app_info: () => APP_INFO });
    await screen.findByTestId('empty-fleet');
    await act(() => {
      appFailed?.('fieldline-monitor stopped after a failure and was started again', '/logs');
    });
    const shown = (await screen.findByTestId('error-banner')).textContent;
    expect(shown).toContain('fieldline-monitor stopped after a failure');
    expect(shown).toContain('the log in /logs says more');
  });

  it('copies the diagnostics and shows them', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    start({
      fleet_snapshot: () => EMPTY,
      app_info: () => APP_INFO,
      diagnostics: () => 'Fieldline 0.1.0 on linux x86_64\nthe end of the log:\nstarted\n',
    });
    fireEvent.click(await screen.findByTestId('nav-settings'));
    fireEvent.click(await screen.findByTestId('copy-diagnostics'));
    expect((await screen.findByTestId('diagnostics-text')).textContent).toContain('the end of the log:');
    expect(writeText).toHaveBeenCalledWith('Fieldline 0.1.0 on linux x86_64\nthe end of the log:\nstarted\n');
    expect(screen.getByText(/Copied/)).toBeTruthy();
  });

  it('says what a restore at start did and which secrets to enter again', async () => {
    start({
      fleet_snapshot: () => EMPTY,
      app_info: () => ({
        version: '0.1.0',
        data_dir: '/data',
        database: '/data/fieldline.db',
        schema_version: 1,
        restored: {
          backup: '/media/usb/fieldline-backup-20261201T0900Z',
          error: null,
          set_aside: ['/data/fieldline.db.before-restore-20261208T0100Z'],
          profiles_without_secret: ['acme-ops'],
          connections_without_secret: ['rt'],
        },
      }),
    });
    const notice = await screen.findByTestId('restore-notice');
    expect(notice.textContent).toContain('Restored from /media/usb/fieldline-backup-20261201T0900Z');
    expect(notice.textContent).toContain('fieldline.db.before-restore-20261208T0100Z');
    expect(screen.getByTestId('restore-secrets').textContent).toContain(
      'credential profile acme-ops, helpdesk connection rt',
    );
    fireEvent.click(within(notice).getByRole('button'));
    expect(screen.queryByTestId('restore-notice')).toBeNull();
  });

  it('asks Rust to restore, naming no folder, and shows a refusal', async () => {
    start({
      fleet_snapshot: () => EMPTY,
      restore_store: () =>
        fail({ kind: 'NotApproved', message: 'no backup folder was chosen; nothing was restored' }),
    });
    fireEvent.click(await screen.findByTestId('nav-settings'));
    fireEvent.click(await screen.findByTestId('settings-restore'));
    expect((await screen.findByTestId('settings-restore-error')).textContent).toContain(
      'nothing was restored',
    );
    expect(invokeMock).toHaveBeenCalledWith('restore_store', {});
  });
});

describe('errors', () => {
  it('shows only the newer-database message when the store is from a newer Fieldline', async () => {
    start({
      fleet_snapshot: () =>
        fail({ kind: 'NewerDatabase', message: 'schema 7 is newer than 1', found: 7, supported: 1 }),
    });
    const fatal = await screen.findByTestId('newer-database');
    expect(fatal.textContent).toContain('Nothing was changed');
    expect(fatal.textContent).toContain('Update Fieldline');
    expect(screen.queryByTestId('nav-fleet')).toBeNull();
  });

  it('shows other load errors in a banner', async () => {
    start({
      fleet_snapshot: () => fail({ kind: 'Store', message: 'database is locked' }),
    });
    expect((await screen.findByTestId('error-banner')).textContent).toContain('database is locked');
  });
});

describe('fleet', () => {
  it('selects a row, shows its details and asks before deleting with what goes with it', async () => {
    const after = sampleFleet();
    after.customers = after.customers.filter((c) => c.id !== 'acme');
    start({ fleet_snapshot: () => sampleFleet(), apply_fleet_change: () => after });

    fireEvent.click(await screen.findByTestId('tree-customer-acme'));
    expect(screen.getByTestId('tree-customer-acme').getAttribute('aria-selected')).toBe('true');
    expect(screen.getByTestId('detail-title').textContent).toBe('ACME Corp');

    fireEvent.click(screen.getByTestId('delete'));
    expect(screen.getByTestId('delete-dialog').textContent).toContain(
      'Delete ACME Corp with its 2 sites and 14 endpoints?',
    );
    fireEvent.click(screen.getByTestId('confirm-delete'));
    await waitFor(() => {
      expect(screen.queryByTestId('tree-customer-acme')).toBeNull();
    });
    expect(invokeMock).toHaveBeenCalledWith('apply_fleet_change', {
      change: { kind: 'DeleteCustomer', id: 'acme' },
    });
  });

  it('enables Add site and Add endpoint from the selection, with the parent preselected', async () => {
    start({ fleet_snapshot: () => sampleFleet() });
    const addSite = await screen.findByTestId<HTMLButtonElement>('add-site');
    const addEndpoint = screen.getByTestId<HTMLButtonElement>('add-endpoint');
    expect([addSite.disabled, addEndpoint.disabled]).toEqual([true, true]);

    fireEvent.click(screen.getByTestId('tree-endpoint-hanbit-nas'));
    expect(screen.getByTestId('detail-host').textContent).toBe('10.20.0.5');
    expect(screen.getByTestId('detail').textContent).toContain('port=445');
    expect([addSite.disabled, addEndpoint.disabled]).toEqual([false, false]);

    fireEvent.click(addSite);
    expect(screen.getByTestId<HTMLSelectElement>('field-customer').value).toBe('hanbit');
    expect(screen.getByTestId<HTMLInputElement>('field-timezone').value).toBe('Asia/Seoul');
    fireEvent.click(screen.getByTestId('form-cancel'));

    fireEvent.click(addEndpoint);
    expect(screen.getByTestId<HTMLSelectElement>('field-site').value).toBe('hanbit-seoul');
  });

  it('narrows the tree by search and tag', async () => {
    start({ fleet_snapshot: () => sampleFleet() });
    await screen.findByTestId('tree-customer-acme');
    fireEvent.input(screen.getByTestId('fleet-search'), { target: { value: '파일' } });
    await waitFor(() => {
      expect(screen.queryByTestId('tree-customer-acme')).toBeNull();
    });
    expect(screen.getByTestId('tree-endpoint-hanbit-nas')).toBeTruthy();

    fireEvent.input(screen.getByTestId('fleet-search'), { target: { value: '' } });
    const tag = screen.getByTestId<HTMLSelectElement>('filter-tag');
    expect(tag.options[0]?.value).toBe('');
    fireEvent.change(tag, { target: { value: 'pos' } });
    await waitFor(() => {
      expect(screen.queryByTestId('tree-site-acme-hq')).toBeNull();
    });
    expect(screen.getByTestId('tree-endpoint-acme-pos1')).toBeTruthy();
  });

  it('reloads when the CLI changed the store', async () => {
    let current = sampleFleet();
    start({ fleet_snapshot: () => current });
    await screen.findByTestId('tree-customer-acme');
    current = { ...current, customers: [...current.customers, customer('nova', 'Nova Clinic')] };
    fleetChanged?.();
    expect(await screen.findByTestId('tree-customer-nova')).toBeTruthy();
  });
});

describe('keyboard and export', () => {
  it('walks the tree with the arrow keys', async () => {
    start({ fleet_snapshot: () => sampleFleet() });
    const acme = await screen.findByTestId('tree-customer-acme');
    fireEvent.click(acme);
    const tree = screen.getByRole('tree');
    fireEvent.keyDown(tree, { key: 'ArrowDown' });
    // Sites sort by name: "Gangnam store" before "Headquarters".
    expect(screen.getByTestId('tree-site-acme-store').getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(screen.getByTestId('tree-site-acme-store'));
    fireEvent.keyDown(tree, { key: 'ArrowLeft' });
    await waitFor(() => {
      expect(screen.queryByTestId('tree-endpoint-acme-pos1')).toBeNull();
    });
    fireEvent.keyDown(tree, { key: 'ArrowLeft' });
    expect(acme.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(acme);
    // Right on an open row goes to its first child; on a closed one, opens it.
    fireEvent.keyDown(tree, { key: 'ArrowRight' });
    expect(document.activeElement).toBe(screen.getByTestId('tree-site-acme-store'));
    expect(screen.getByTestId('tree-site-acme-store').getAttribute('aria-expanded')).toBe('false');
    fireEvent.keyDown(tree, { key: 'ArrowRight' });
    expect(await screen.findByTestId('tree-endpoint-acme-pos1')).toBeTruthy();
    expect(screen.getByTestId('tree-site-acme-store').getAttribute('aria-expanded')).toBe('true');
    // A click on the twisty folds a row without selecting it.
    const twisty = screen.getByTestId('tree-customer-hanbit').querySelector<HTMLElement>('.twisty');
    fireEvent.click(twisty as HTMLElement);
    expect(screen.queryByTestId('tree-site-hanbit-seoul')).toBeNull();
    expect(screen.getByTestId('tree-customer-hanbit').getAttribute('aria-selected')).toBe('false');
  });

  it('shows the exported fleet file', async () => {
    start({ fleet_snapshot: () => sampleFleet(), export_fleet: () => '[[customers]]\nid = "acme"\n' });
    fireEvent.click(await screen.findByTestId('export-fleet'));
    const text = await screen.findByTestId<HTMLTextAreaElement>('export-text');
    await waitFor(() => {
      expect(text.value).toBe('[[customers]]\nid = "acme"\n');
    });
    expect(text.readOnly).toBe(true);
    fireEvent.keyDown(text, { key: 'Escape' });
    expect(screen.queryByTestId('export-dialog')).toBeNull();
  });
});

describe('command palette', () => {
  it('opens with Ctrl+K anywhere and jumps to the chosen endpoint', async () => {
    start({ fleet_snapshot: () => sampleFleet() });
    await screen.findByTestId('tree-customer-acme');
    fireEvent.click(screen.getByTestId('nav-sessions'));
    expect(screen.getByTestId('sessions-section')).toBeTruthy();

    fireEvent.keyDown(document, { key: 'k', code: 'KeyK', ctrlKey: true });
    const input = await screen.findByTestId('palette-input');
    fireEvent.input(input, { target: { value: 'pos3' } });
    expect(screen.getByTestId('palette-item-acme-pos3')).toBeTruthy();
    fireEvent.keyDown(input, { key: 'Enter' });

    expect(await screen.findByTestId('detail-title')).toHaveProperty('textContent', 'acme-pos3');
    expect(screen.queryByTestId('palette')).toBeNull();
    expect(screen.getByTestId('tree-endpoint-acme-pos3').getAttribute('aria-selected')).toBe('true');
  });

  it('opens an SSH session from the endpoint’s details and keeps it over a section switch', async () => {
    answerAll(invokeMock, {
      get_settings: () => ({ language: 'en' }),
      connections: () => [],
      sync_conflicts: () => [],
      fleet_snapshot: () => sampleFleet(),
      open_session: ({ endpoint }) => ({ id: 3, endpoint, title: endpoint, recording: null }),
      session_resize: () => null,
    });
    render(<App />);
    fireEvent.click(await screen.findByTestId('tree-endpoint-acme-gw'));
    fireEvent.click(await screen.findByTestId('open-ssh'));
    expect(screen.getByTestId('nav-sessions').getAttribute('aria-current')).toBe('page');
    expect(await screen.findByTestId('terminal-3')).toBeTruthy();
    expect(screen.getByTestId('session-tab').textContent).toContain('acme-gw');

    fireEvent.click(screen.getByTestId('nav-fleet'));
    expect(screen.getByTestId('sessions-section').hidden).toBe(true);
    // A question asked meanwhile waits, counted on the nav, not in a hidden dialog.
    const ask = vi.mocked(listen).mock.calls.find(([name]) => name === 'session-event')?.[1];
    void act(() => {
      ask?.({
        event: 'session-event',
        id: 9,
        payload: { id: 3, event: { kind: 'secret', label: 'acme-gw', prompt: 'Password:', echo: false } },
      });
    });
    expect(screen.getByTestId('sessions-waiting').textContent).toBe('1');
    expect(screen.queryByTestId('secret-dialog')).toBeNull();
    fireEvent.click(screen.getByTestId('nav-sessions'));
    expect(screen.getByTestId('sessions-section').hidden).toBe(false);
    expect(screen.getByTestId('terminal-3')).toBeTruthy();
    expect(screen.getByTestId('secret-dialog')).toBeTruthy();
  });

  it('closes on Escape', async () => {
    start({ fleet_snapshot: () => sampleFleet() });
    await screen.findByTestId('tree-customer-acme');
    fireEvent.keyDown(document, { key: 'K', code: 'KeyK', metaKey: true });
    fireEvent.keyDown(await screen.findByTestId('palette-input'), { key: 'Escape' });
    expect(screen.queryByTestId('palette')).toBeNull();
  });
});

describe('a clicked notification', () => {
  it("opens its ticket, or its customer's clocks", async () => {
    start({
      fleet_snapshot: () => sampleFleet(),
      sla_board: () =>
        slaBoard([
          slaRow(12, [clock()], { customer: 'acme' }),
          slaRow(13, [clock()], { customer: 'hanbit' }),
        ]),
      ticket_detail: ({ id }) => ticket(id, { title: 'Backup failed' }),
    });
    await screen.findByTestId('tree-customer-acme');
    await waitFor(() => {
      expect(openItemEvent).not.toBeNull();
    });

    await act(() => {
      openItemEvent?.('ticket:12');
    });
    expect(await screen.findByTestId('ticket-detail')).toBeTruthy();
    await waitFor(() => {
      expect(screen.getByTestId('ticket-detail').textContent).toContain('#12 Backup failed');
    });
    expect(screen.getByTestId('nav-sla').getAttribute('aria-current')).toBe('page');
    fireEvent.click(screen.getByTestId('ticket-close'));

    await act(() => {
      openItemEvent?.('sla:hanbit');
    });
    await waitFor(() => {
      expect(screen.queryByTestId('sla-row-12')).toBeNull();
    });
    expect(screen.getByTestId('sla-row-13')).toBeTruthy();
    expect(screen.getByTestId<HTMLSelectElement>('sla-filter-customer').value).toBe('hanbit');
  });
});
