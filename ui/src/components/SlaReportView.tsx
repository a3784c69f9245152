// The monthly SLA report of one customer: compliance per priority and every ticket of the
// month, on screen, or saved as CSV or a printable HTML page (the shell says where).
import { useState } from 'preact/hooks';
import { call, errorLines } from '../api';
import type { Fleet, IpcError, SlaReport } from '../bindings';
import { customerOptions } from '../fleet/options';
import { t } from '../i18n';
import { board } from '../sla/board';
import { isMonth, monthOf } from '../sla/clock';
import { durationText, fullTime, outcomeLabel, stateLabel } from '../sla/format';
import { slaFilter } from '../state';
import { Options } from './Fields';

function mean(secs: number | null): string {
  return secs === null ? '—' : durationText(secs);
}

function ReportTables({ report }: { report: SlaReport }) {
  return (
    <div class="report" data-testid="report">
      <h3>
        {t('report.heading', { customer: report.customer_name, month: report.month })}{' '}
        <span class="muted">{t('report.zone', { zone: report.timezone })}</span>
      </h3>
      {report.uptime_percent !== null ? (
        <p>{t('report.uptime', { percent: report.uptime_percent.toFixed(2) })}</p>
      ) : null}
      <table class="grid-table report-table" data-testid="report-table">
        <caption>{t('report.compliance')}</caption>
        <thead>
          <tr>
            <th scope="col" rowSpan={2}>
              {t('sla.col.priority')}
            </th>
            <th scope="col" rowSpan={2}>
              {t('report.tickets')}
            </th>
            <th scope="colgroup" colSpan={4}>
              {t('clock.first_response')}
            </th>
            <th scope="colgroup" colSpan={4}>
              {t('clock.resolution')}
            </th>
          </tr>
          <tr>
            {[0, 1].map((i) => [
              <th key={`met${String(i)}`} scope="col">
                {t('outcome.met')}
              </th>,
              <th key={`breached${String(i)}`} scope="col">
                {t('outcome.breached')}
              </th>,
              <th key={`open${String(i)}`} scope="col">
                {t('outcome.open')}
              </th>,
              <th key={`mean${String(i)}`} scope="col">
                {t('report.mean')}
              </th>,
            ])}
          </tr>
        </thead>
        <tbody>
          {report.priorities.length === 0 ? (
            <tr>
              <td colSpan={10} class="muted">
                {t('report.noTickets')}
              </td>
            </tr>
          ) : (
            report.priorities.map((p) => (
              <tr key={p.priority} data-testid={`report-priority-${p.priority}`}>
                <th scope="row">{p.priority}</th>
                <td class="num">{p.tickets}</td>
                <td class="num">{p.response_met}</td>
                <td class={p.response_breached > 0 ? 'num bad' : 'num'}>{p.response_breached}</td>
                <td class="num">{p.response_open}</td>
                <td class="num">{mean(p.mean_response_secs)}</td>
                <td class="num">{p.resolution_met}</td>
                <td class={p.resolution_breached > 0 ? 'num bad' : 'num'}>{p.resolution_breached}</td>
                <td class="num">{p.resolution_open}</td>
                <td class="num">{mean(p.mean_resolution_secs)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {report.tickets.length > 0 ? (
        <table class="grid-table report-tickets" data-testid="report-tickets">
          <caption>{t('report.ticketList')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('sla.col.ticket')}</th>
              <th scope="col">{t('sla.col.title')}</th>
              <th scope="col">{t('sla.col.priority')}</th>
              <th scope="col">{t('ticket.openedAt')}</th>
              <th scope="col">{t('sla.col.state')}</th>
              <th scope="col">{t('clock.first_response')}</th>
              <th scope="col">{t('clock.resolution')}</th>
              <th scope="col">{t('ticket.worked')}</th>
            </tr>
          </thead>
          <tbody>
            {report.tickets.map((r) => (
              <tr key={r.id}>
                <td class="num">#{r.id}</td>
                <td>{r.title}</td>
                <td>{r.priority}</td>
                <td>{fullTime(r.opened_at)}</td>
                <td>{stateLabel(r.state)}</td>
                <td class={r.response === 'breached' ? 'bad' : undefined}>
                  {outcomeLabel(r.response)} · {durationText(r.response_secs)}
                </td>
                <td class={r.resolution === 'breached' ? 'bad' : undefined}>
                  {outcomeLabel(r.resolution)} · {durationText(r.resolution_secs)}
                </td>
                <td class="num">{durationText(r.minutes_worked * 60)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

type Status = { kind: 'error'; lines: string[] } | { kind: 'saved'; path: string } | null;

export function SlaReportView({ fleet }: { fleet: Fleet | null }) {
  const customers = fleet ? customerOptions(fleet) : [];
  const [customer, setCustomer] = useState(() => slaFilter.value.customer || (customers[0]?.value ?? ''));
  // Until edited, the month is the backend's current one (an injected clock in tests).
  const [typedMonth, setTypedMonth] = useState<string | null>(null);
  const month = typedMonth ?? monthOf(board.value?.now_ms ?? Date.now());
  const [report, setReport] = useState<SlaReport | null>(null);
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState(false);

  const check = (): boolean => {
    const problems = [
      customer === '' ? `${t('field.customer')}: ${t('err.required')}` : null,
      isMonth(month) ? null : t('report.monthInvalid'),
    ].filter((x): x is string => x !== null);
    if (problems.length > 0) setStatus({ kind: 'error', lines: problems });
    return problems.length === 0;
  };

  const run = async (work: () => Promise<void>) => {
    if (!check()) return;
    setBusy(true);
    setStatus(null);
    try {
      await work();
    } catch (e) {
      setStatus({ kind: 'error', lines: errorLines(e as IpcError) });
    } finally {
      setBusy(false);
    }
  };

  const show = () =>
    run(async () => {
      setReport(await call('sla_report', { customer, month: month.trim() }));
    });
  const save = (format: 'csv' | 'html') =>
    run(async () => {
      const saved = await call('save_sla_report', { customer, month: month.trim(), format });
      setStatus({ kind: 'saved', path: saved.path });
    });

  return (
    <div class="report-view">
      <form
        class="report-controls"
        onSubmit={(e) => {
          e.preventDefault();
          void show();
        }}
      >
        <label class="field">
          <span class="field-label">{t('field.customer')}</span>
          <select
            data-testid="report-customer"
            value={customer}
            onChange={(e) => {
              setCustomer(e.currentTarget.value);
              setReport(null);
            }}
          >
            <option value="">{t('form.choose')}</option>
            <Options options={customers} />
          </select>
        </label>
        <label class="field">
          <span class="field-label">{t('report.month')}</span>
          <input
            type="text"
            data-testid="report-month"
            value={month}
            placeholder="2026-11"
            inputMode="numeric"
            autoComplete="off"
            spellcheck={false}
            size={9}
            aria-invalid={isMonth(month) ? undefined : 'true'}
            onInput={(e) => {
              setTypedMonth(e.currentTarget.value);
              setReport(null);
            }}
          />
        </label>
        <button type="submit" class="primary" data-testid="report-show" disabled={busy}>
          {t('report.show')}
        </button>
        <button
          type="button"
          data-testid="report-save-csv"
          disabled={busy}
          onClick={() => {
            void save('csv');
          }}
        >
          {t('report.saveCsv')}
        </button>
        <button
          type="button"
          data-testid="report-save-html"
          disabled={busy}
          onClick={() => {
            void save('html');
          }}
        >
          {t('report.saveHtml')}
        </button>
      </form>
      {status?.kind === 'error' ? (
        <div class="form-errors" role="alert" data-testid="report-error">
          {status.lines.map((line, i) => (
            <p key={i}>{line}</p>
          ))}
        </div>
      ) : null}
      {status?.kind === 'saved' ? (
        <p class="result ok" role="status" data-testid="report-saved">
          {t('report.saved')} <code>{status.path}</code>
        </p>
      ) : null}
      {report ? <ReportTables report={report} /> : <p class="muted">{t('report.hint')}</p>}
    </div>
  );
}
