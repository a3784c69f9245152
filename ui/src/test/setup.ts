import { cleanup } from '@testing-library/preact';
import { afterEach } from 'vitest';

// Vitest runs without globals, so Testing Library cannot register its own cleanup.
// The app modules are imported late, so a test file's vi.mock of Tauri applies to them.
afterEach(async () => {
  cleanup();
  const [
    { resetState },
    { newerDatabase },
    { applyLanguage },
    { resetBoard },
    { resetSync },
    { resetStatus },
    { resetUptimes },
    { resetSessions },
  ] = await Promise.all([
    import('../state'),
    import('../api'),
    import('../i18n'),
    import('../sla/board'),
    import('../sync/status'),
    import('../status/store'),
    import('../status/uptime'),
    import('../sessions/store'),
  ]);
  resetState();
  resetStatus();
  resetUptimes();
  resetBoard();
  resetSync();
  resetSessions();
  newerDatabase.value = null;
  applyLanguage('en');
});
