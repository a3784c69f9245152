// The SLA section: the board of open tickets with live countdowns, importing SLA
// policies, opening tickets, a ticket's detail, and the monthly report.
import { useState } from 'preact/hooks';
import { errorLines } from '../api';
import { customerOptions } from '../fleet/options';
import { t } from '../i18n';
import { board, boardError, useBoard } from '../sla/board';
import { PRIORITIES } from '../sla/format';
import { fleet as fleetSignal, NO_SLA_FILTER, openTicket, slaFilter, slaView } from '../state';
import { Options } from './Fields';
import { matches, SlaBoardTable } from './SlaBoardTable';
import { SlaImportDialog } from './SlaImportDialog';
import { SlaReportView } from './SlaReportView';
import { SyncConflicts } from './SyncConflicts';
import { TicketDetail } from './TicketDetail';
import { TicketForm } from './TicketForm';

type Open = 'import' | 'new' | null;

function Filters() {
  const fleet = fleetSignal.value;
  const f = slaFilter.value;
  // A customer named by a notification may not be in the fleet (any more): keep it choosable.
  const known = fleet ? customerOptions(fleet) : [];
  const options =
    f.customer !== '' && !known.some((o) => o.value === f.customer)
      ? [...known, { value: f.customer, label: f.customer }]
      : known;
  return (
    <>
      <select
        data-testid="sla-filter-customer"
        aria-label={t('toolbar.customerFilter')}
        value={f.customer}
        onChange={(e) => {
          slaFilter.value = { ...slaFilter.value, customer: e.currentTarget.value };
        }}
      >
        <option value="">{t('toolbar.allCustomers')}</option>
        <Options options={options} />
      </select>
      <select
        data-testid="sla-filter-priority"
        aria-label={t('sla.priorityFilter')}
        value={f.priority}
        onChange={(e) => {
          const value = e.currentTarget.value;
          slaFilter.value = { ...slaFilter.value, priority: PRIORITIES.find((p) => p === value) ?? '' };
        }}
      >
        <option value="">{t('sla.allPriorities')}</option>
        {PRIORITIES.map((p) => (
          <option key={p} value={p}>
            {t(`priority.${p}`)}
          </option>
        ))}
      </select>
    </>
  );
}

function Board({ onImport }: { onImport: () => void }) {
  const current = board.value;
  const error = boardError.value;
  const fleet = fleetSignal.value;
  if (!current) {
    return error ? (
      <p class="form-errors" role="alert" data-testid="sla-error">
        {errorLines(error).join('\n')}
      </p>
    ) : (
      <p class="muted">{t('app.loading')}</p>
    );
  }
  if (!current.configured) {
    return (
      <div class="empty-state" data-testid="sla-empty">
        <h2>{t('sla.emptyTitle')}</h2>
        <p>{t('sla.emptyBody')}</p>
        <p class="muted">{t('sla.emptyHint')}</p>
        <div class="actions start">
          <button type="button" class="primary" data-testid="sla-import" onClick={onImport}>
            {t('sla.import')}
          </button>
        </div>
      </div>
    );
  }
  const filter = slaFilter.value;
  const rows = current.rows.filter((r) => matches(r, filter));
  const filtered = filter.customer !== '' || filter.priority !== '';
  return (
    <div class="sla-board-wrap" data-testid="sla-board">
      {error ? (
        <p class="form-errors" role="alert" data-testid="sla-error">
          {t('sla.stale', { message: error.message })}
        </p>
      ) : null}
      {current.total > current.rows.length ? (
        <p class="muted" data-testid="sla-total">
          {t('sla.total', { shown: current.rows.length, total: current.total })}
        </p>
      ) : null}
      {rows.length > 0 ? (
        <SlaBoardTable board={current} fleet={fleet} rows={rows} />
      ) : (
        <p class="muted no-match" data-testid="sla-none">
          {current.rows.length === 0 ? t('sla.noTickets') : t('sla.noMatch')}{' '}
          {filtered ? (
            <button
              type="button"
              class="link"
              onClick={() => {
                slaFilter.value = NO_SLA_FILTER;
              }}
            >
              {t('tree.clearFilters')}
            </button>
          ) : null}
        </p>
      )}
    </div>
  );
}

export function SlaSection() {
  useBoard();
  const [open, setOpen] = useState<Open>(null);
  const fleet = fleetSignal.value;
  const view = slaView.value;
  const configured = board.value?.configured ?? false;
  const close = () => {
    setOpen(null);
  };

  return (
    <section class="sla" aria-label={t('nav.sla')}>
      <div class="toolbar" role="toolbar" aria-label={t('sla.toolbar')}>
        <div class="segmented" role="group" aria-label={t('sla.views')}>
          <button
            type="button"
            data-testid="sla-view-board"
            aria-pressed={view === 'board'}
            onClick={() => {
              slaView.value = 'board';
            }}
          >
            {t('sla.viewBoard')}
          </button>
          <button
            type="button"
            data-testid="sla-view-report"
            aria-pressed={view === 'report'}
            onClick={() => {
              slaView.value = 'report';
            }}
          >
            {t('sla.viewReport')}
          </button>
        </div>
        {view === 'board' && configured ? <Filters /> : null}
        <span class="spacer" />
        <button
          type="button"
          data-testid="new-ticket"
          disabled={!configured || !fleet || fleet.customers.length === 0}
          title={configured ? undefined : t('sla.newTicketHint')}
          onClick={() => {
            setOpen('new');
          }}
        >
          {t('ticket.new')}
        </button>
        {configured ? (
          <button
            type="button"
            data-testid="sla-import"
            onClick={() => {
              setOpen('import');
            }}
          >
            {t('sla.import')}
          </button>
        ) : null}
      </div>
      <div class="sla-content">
        {view === 'board' ? <SyncConflicts /> : null}
        {view === 'board' ? (
          <Board
            onImport={() => {
              setOpen('import');
            }}
          />
        ) : (
          <SlaReportView fleet={fleet} />
        )}
      </div>
      {open === 'import' ? <SlaImportDialog onClose={close} /> : null}
      {open === 'new' && fleet ? (
        <TicketForm
          fleet={fleet}
          customer={slaFilter.value.customer}
          onClose={close}
          onOpened={(id) => {
            setOpen(null);
            openTicket.value = id;
          }}
        />
      ) : null}
      {openTicket.value !== null ? (
        <TicketDetail
          key={openTicket.value}
          id={openTicket.value}
          fleet={fleet}
          onClose={() => {
            openTicket.value = null;
          }}
        />
      ) : null}
    </section>
  );
}
