// The dashboard's reminder of what is due: the three most urgent SLA clocks, live, each
// a way into its ticket. Nothing is shown while there is no SLA board to speak of.
import { t } from '../i18n';
import { board, useBoard } from '../sla/board';
import { mostUrgent } from '../sla/clock';
import { fleet, openTicket, section, slaView } from '../state';
import { customerName } from './SlaBoardTable';
import { SlaClock } from './SlaClock';

const SHOWN = 3;

function goToSla(ticket: number | null): void {
  section.value = 'sla';
  slaView.value = 'board';
  openTicket.value = ticket;
}

export function UrgentStrip() {
  useBoard();
  const current = board.value;
  if (!current?.configured) return null;
  const urgent = mostUrgent(current.rows, SHOWN);
  if (urgent.length === 0) return null;
  return (
    <div class="urgent-strip" data-testid="urgent-strip" role="region" aria-label={t('urgent.label')}>
      <span class="urgent-title">{t('urgent.title')}</span>
      {urgent.map(({ row, clock }) => (
        <button
          key={`${String(row.ticket.id)}-${clock.kind}`}
          type="button"
          class="urgent-item"
          data-testid={`urgent-${String(row.ticket.id)}-${clock.kind}`}
          onClick={() => {
            goToSla(row.ticket.id);
          }}
        >
          <SlaClock clock={clock} readAt={current.now_ms} compact />
          <span class="urgent-ticket">
            #{row.ticket.id} {row.ticket.title}
          </span>
          <span class="muted">{customerName(fleet.value, row.ticket.customer)}</span>
        </button>
      ))}
      <span class="spacer" />
      <button
        type="button"
        class="link"
        data-testid="urgent-strip-all"
        onClick={() => {
          goToSla(null);
        }}
      >
        {t('urgent.all', { total: current.total })}
      </button>
    </div>
  );
}
