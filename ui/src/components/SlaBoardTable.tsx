// The SLA board: one row per open ticket, most urgent first, with a live countdown per
// open clock. Titles and names come from tickets and files: rendered as text only.
import type { Fleet, SlaBoard, SlaRow } from '../bindings';
import { t } from '../i18n';
import { CLOCK_KINDS, stateLabel } from '../sla/format';
import { openTicket, type SlaFilter } from '../state';
import { SlaClock } from './SlaClock';
import { SourceBadge } from './SourceBadge';

export function customerName(fleet: Fleet | null, id: string): string {
  const name = fleet?.customers.find((c) => c.id === id)?.name.trim();
  return name === undefined || name === '' ? id : name;
}

export function matches(row: SlaRow, filter: SlaFilter): boolean {
  return (
    (filter.customer === '' || row.ticket.customer === filter.customer) &&
    (filter.priority === '' || row.ticket.priority === filter.priority)
  );
}

function Row({ row, fleet, readAt }: { row: SlaRow; fleet: Fleet | null; readAt: number }) {
  const { ticket } = row;
  const open = () => {
    openTicket.value = ticket.id;
  };
  return (
    <tr data-testid={`sla-row-${ticket.id}`} class="sla-row" onClick={open}>
      <td class="num">#{ticket.id}</td>
      <td class="title">
        <button
          type="button"
          class="link"
          onClick={(e) => {
            e.stopPropagation();
            open();
          }}
        >
          {ticket.title}
        </button>
        <SourceBadge
          source={ticket.source}
          externalId={ticket.external_id}
          testId={`ticket-source-${String(ticket.id)}`}
        />
      </td>
      <td>{customerName(fleet, ticket.customer)}</td>
      <td>
        <span class={`prio ${ticket.priority}`}>{ticket.priority}</span>
      </td>
      <td>{stateLabel(ticket.state)}</td>
      {row.error !== null ? (
        <td colSpan={2} class="row-error" data-testid={`sla-row-error-${ticket.id}`}>
          {row.error}
        </td>
      ) : (
        CLOCK_KINDS.map((kind) => {
          const clock = row.clocks.find((c) => c.kind === kind);
          return (
            <td key={kind}>
              {clock ? (
                <SlaClock clock={clock} readAt={readAt} testId={`sla-clock-${ticket.id}-${kind}`} />
              ) : (
                <span class="muted" title={t('sla.stoppedTitle')}>
                  {t('sla.stopped')}
                </span>
              )}
            </td>
          );
        })
      )}
    </tr>
  );
}

export function SlaBoardTable({
  board,
  fleet,
  rows,
}: {
  board: SlaBoard;
  fleet: Fleet | null;
  rows: SlaRow[];
}) {
  return (
    <table class="sla-board grid-table">
      <caption class="visually-hidden">{t('sla.boardCaption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('sla.col.ticket')}</th>
          <th scope="col">{t('sla.col.title')}</th>
          <th scope="col">{t('sla.col.customer')}</th>
          <th scope="col">{t('sla.col.priority')}</th>
          <th scope="col">{t('sla.col.state')}</th>
          <th scope="col">{t('clock.first_response')}</th>
          <th scope="col">{t('clock.resolution')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <Row key={row.ticket.id} row={row} fleet={fleet} readAt={board.now_ms} />
        ))}
      </tbody>
    </table>
  );
}
