// The window: header, the five sections, the error banner and the command palette.
import { useEffect, useState } from 'preact/hooks';
import { call, newerDatabase, onEvent } from '../api';
import type { IpcError } from '../bindings';
import { applyLanguage, systemLanguage, t, type MessageKey } from '../i18n';
import { banner, fleet, openItem, reloadFleet, restored, section, SECTIONS, type Section } from '../state';
import { loadStatus, startStatus } from '../status/store';
import { refreshSync, syncEnded, syncStarted } from '../sync/status';
import { tabs, waitingTabs } from '../sessions/store';
import { FleetSection } from './FleetSection';
import { NewerDatabase } from './NewerDatabase';
import { NotificationsSection } from './NotificationsSection';
import { RestoreNotice } from './RestoreNotice';
import { Palette } from './Palette';
import { SessionsSection } from './SessionsSection';
import { SettingsSection } from './SettingsSection';
import { SlaSection } from './SlaSection';
import { SyncIndicator } from './SyncIndicator';

const NAV_LABEL: Record<Section, MessageKey> = {
  fleet: 'nav.fleet',
  sessions: 'nav.sessions',
  sla: 'nav.sla',
  notifications: 'nav.notifications',
  settings: 'nav.settings',
};

export async function start(): Promise<void> {
  try {
    const settings = await call('get_settings', {});
    applyLanguage(settings.language ?? systemLanguage(navigator.language));
  } catch (e) {
    banner.value = e as IpcError;
  }
  await reloadFleet();
  // A restore staged before the restart: how it went.
  try {
    restored.value = (await call('app_info', {})).restored;
  } catch {
    // The store's own error is the banner's already.
  }
  // Sync status is the header's, not a reason for the banner: a failed read shows in Settings.
  await refreshSync();
}

function Banner({ error }: { error: IpcError }) {
  return (
    <div class="banner" role="alert" data-testid="error-banner">
      <span>{t('banner.error', { message: error.message })}</span>
      <button
        type="button"
        onClick={() => {
          banner.value = null;
          void start();
        }}
      >
        {t('banner.retry')}
      </button>
      <button
        type="button"
        onClick={() => {
          banner.value = null;
        }}
      >
        {t('banner.dismiss')}
      </button>
    </div>
  );
}

function Content({ current }: { current: Section }) {
  switch (current) {
    case 'fleet':
      return <FleetSection />;
    case 'sla':
      return <SlaSection />;
    case 'notifications':
      return <NotificationsSection />;
    case 'settings':
      return <SettingsSection />;
    case 'sessions':
      // Rendered by App itself, so open terminals outlive a visit to another section.
      return null;
  }
}

export function App() {
  const [paletteOpen, setPaletteOpen] = useState(false);

  useEffect(() => {
    void start();
    // Fleet health: read once, then merged with each batch the monitor sends.
    const stopStatus = startStatus();
    // The CLI or another window changed the store: show what is there now.
    const unlisten = onEvent('fleet-changed', () => {
      void reloadFleet();
      // Endpoints or checks may have gone or moved: read their statuses again.
      void loadStatus();
    }).catch((e: unknown) => {
      banner.value = e as IpcError;
      return undefined;
    });
    // A notification was clicked: show its ticket, or its customer's clocks.
    const unlistenOpen = onEvent('open-item', ({ target }) => {
      openItem(target);
    }).catch((e: unknown) => {
      banner.value = e as IpcError;
      return undefined;
    });
    // A sync ran (on its schedule or asked for): status, conflicts, board and tickets change.
    const unlistenSync = onEvent('sync-changed', (report) => {
      syncEnded(report.connection);
    }).catch((e: unknown) => {
      banner.value = e as IpcError;
      return undefined;
    });
    const unlistenStart = onEvent('sync-started', ({ connection }) => {
      syncStarted(connection);
    }).catch((e: unknown) => {
      banner.value = e as IpcError;
      return undefined;
    });
    // Something failed inside the app (a panic, a worker started again): said, with the log.
    const unlistenFailed = onEvent('app-failed', ({ what, log_dir }) => {
      banner.value = {
        kind: 'Remote',
        message: log_dir ? t('app.failed', { what, dir: log_dir }) : t('app.failedNoLog', { what }),
      };
    }).catch((e: unknown) => {
      banner.value = e as IpcError;
      return undefined;
    });
    const onKey = (e: KeyboardEvent) => {
      // e.code too: with a Korean IME on, Ctrl+K can arrive with a jamo as e.key.
      if ((e.ctrlKey || e.metaKey) && (e.key.toLowerCase() === 'k' || e.code === 'KeyK')) {
        e.preventDefault();
        setPaletteOpen((open) => !open);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      void unlisten.then((stop) => stop?.());
      void unlistenOpen.then((stop) => stop?.());
      void unlistenSync.then((stop) => stop?.());
      void unlistenStart.then((stop) => stop?.());
      void unlistenFailed.then((stop) => stop?.());
      void stopStatus.then((stop) => {
        stop();
      });
    };
  }, []);

  const fatal = newerDatabase.value;
  if (fatal) return <NewerDatabase error={fatal} />;

  const demo = fleet.value?.customers.some((c) => c.demo) ?? false;
  return (
    <div class="app">
      <header class="app-header">
        <span class="brand">{t('app.name')}</span>
        {demo ? (
          <span class="badge demo" data-testid="demo-badge" title={t('app.demoBadgeTitle')}>
            {t('app.demoBadge')}
          </span>
        ) : null}
        <span class="spacer" />
        <SyncIndicator />
        <kbd class="hint">{t('app.paletteHint')}</kbd>
      </header>
      <nav class="app-nav" aria-label={t('nav.label')}>
        {SECTIONS.map((s) => (
          <button
            key={s}
            type="button"
            data-testid={`nav-${s}`}
            aria-current={section.value === s ? 'page' : undefined}
            onClick={() => {
              section.value = s;
            }}
          >
            {t(NAV_LABEL[s])}
            {s === 'sessions' && waitingTabs() > 0 ? (
              <span class="badge waiting" data-testid="sessions-waiting" title={t('ssh.waitingBadge')}>
                {waitingTabs()}
              </span>
            ) : null}
          </button>
        ))}
      </nav>
      <main class="app-main">
        {banner.value ? <Banner error={banner.value} /> : null}
        {restored.value ? <RestoreNotice outcome={restored.value} /> : null}
        <Content current={section.value} />
        {section.value === 'sessions' || tabs.value.length > 0 ? (
          <SessionsSection hidden={section.value !== 'sessions'} />
        ) : null}
      </main>
      {paletteOpen ? (
        <Palette
          onClose={() => {
            setPaletteOpen(false);
          }}
        />
      ) : null}
    </div>
  );
}
