// Health in the detail pane. For an endpoint: each check's state, message, latency, how
// long the state has held, notes (flapping, alerts held, an unconfirmed result, stale),
// charts of one check over 24 hours and uptime over 24 h / 7 d / 30 d. For a customer or a
// site: the worst state, endpoints per state and uptime. Messages and reasons come from
// endpoints and the Rust side: rendered as text only. A check that is not OK can be
// acknowledged (one check or all of them); the endpoint's acknowledgements are listed.
// What the Prometheus source says of the endpoint is listed under "From Prometheus".
import { useState } from 'preact/hooks';
import type { CheckStatus, Endpoint, SourceResult } from '../bindings';
import { t } from '../i18n';
import {
  ageText,
  countParts,
  latencyText,
  sourceResultName,
  stateLabel,
  statusTime,
  uptimePercent,
} from '../status/format';
import { compareProblems, countedState, sourceStale } from '../status/rollup';
import { chartCheck, health, sourceView, statusNow } from '../status/store';
import { uptimes, useUptimes, WINDOWS, type UptimeWindow } from '../status/uptime';
import { descendants } from '../fleet/tree';
import { fleet } from '../state';
import { AckDialog, ackActive, AckList, useAcknowledgements } from './Acknowledge';
import { StatusBadge } from './StatusBadge';
import { StatusCharts } from './StatusCharts';

type Scope = 'endpoints' | 'sites' | 'customers';

const WINDOW_LABEL = {
  24: 'status.window.24',
  168: 'status.window.168',
  720: 'status.window.720',
} as const satisfies Record<UptimeWindow, string>;

function Uptime({ scope, id }: { scope: Scope; id: string }) {
  useUptimes();
  const read = uptimes.value;
  return (
    <dl class="uptime" data-testid="status-uptime">
      {WINDOWS.map((w) => {
        const percent = uptimePercent(read[w]?.data?.[scope][id]);
        return (
          <div key={w} class="uptime-item">
            <dt>{t(WINDOW_LABEL[w])}</dt>
            <dd data-testid={`status-uptime-${String(w)}`}>
              {percent ?? <span class="muted">{t('status.noData')}</span>}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function Notes({ status, now }: { status: CheckStatus; now: number }) {
  const notes: string[] = [];
  if (status.state === 'STALE') {
    notes.push(
      status.last_seen === null
        ? t('status.staleNever', { state: stateLabel(status.hard) })
        : t('status.stale', { state: stateLabel(status.hard), time: statusTime(status.last_seen, now) }),
    );
  } else if (status.last !== status.hard) {
    notes.push(t('status.soft', { state: stateLabel(status.last) }));
  }
  if (status.flapping) notes.push(t('status.flapping'));
  if (status.quiet !== null && status.quiet.trim() !== '')
    notes.push(t('status.quiet', { reason: status.quiet }));
  if (notes.length === 0) return null;
  return (
    <ul class="check-notes">
      {notes.map((n) => (
        <li key={n}>{n}</li>
      ))}
    </ul>
  );
}

/** The check the charts show: the one chosen, else the worst (longest-standing) one. */
function chartedCheck(endpoint: Endpoint, statuses: (CheckStatus | undefined)[]): number {
  const chosen = chartCheck.value;
  if (chosen?.endpoint === endpoint.id && chosen.check < endpoint.checks.length) return chosen.check;
  const known = statuses.filter((s): s is CheckStatus => s !== undefined).sort(compareProblems);
  return known[0]?.check ?? 0;
}

/** Whether a check has a problem worth acknowledging (a stale check that was OK has not). */
function needsAck(s: CheckStatus | undefined): s is CheckStatus {
  return s !== undefined && s.hard !== 'OK';
}

export function EndpointStatus({ endpoint }: { endpoint: Endpoint }) {
  const results = health.value.endpoints.get(endpoint.id)?.source ?? [];
  if (endpoint.checks.length === 0) {
    if (results.length === 0) return null;
    return (
      <section class="status-detail" aria-label={t('status.health')}>
        <SourceResults id={endpoint.id} results={results} />
      </section>
    );
  }
  return <EndpointHealth endpoint={endpoint} results={results} />;
}

/** The endpoint's results from the Prometheus source; silenced ones marked, not counted. */
function SourceResults({ id, results }: { id: string; results: readonly SourceResult[] }) {
  const now = statusNow.value;
  const view = sourceView.value;
  const stale = sourceStale(view);
  return (
    <div class="source-results" data-testid={`source-results-${id}`}>
      <h3>{t('source.title')}</h3>
      {stale && view?.error ? (
        <p class="warning" data-testid={`source-stale-${id}`}>
          {view.read_at === null
            ? t('source.staleNever', { error: view.error })
            : t('source.staleNote', { error: view.error, time: statusTime(view.read_at, now) })}
        </p>
      ) : null}
      <ul class="check-states">
        {results.map((r, i) => {
          const counted = countedState(r, stale);
          return (
            <li
              key={r.key === '' ? i : r.key}
              class="check-state"
              data-testid={`source-result-${id}-${String(i)}`}
              data-state={counted ?? r.state}
              data-silenced={r.silenced ? 'true' : undefined}
            >
              <div class="check-line">
                <StatusBadge state={counted ?? r.state} />
                <span class="check-kind">{sourceResultName(r)}</span>
                {counted !== null && counted !== r.state ? (
                  <span class="muted">{t('source.lastState', { state: stateLabel(r.state) })}</span>
                ) : null}
                {r.silenced ? (
                  <span class="chip muted" title={t('source.silencedTitle')}>
                    {t('source.silenced')}
                  </span>
                ) : null}
                {r.since !== null ? (
                  <span class="check-age" title={t('status.since', { time: statusTime(r.since, now) })}>
                    {ageText(r.since, now)}
                  </span>
                ) : null}
              </div>
              {r.message !== '' ? <p class="check-message">{r.message}</p> : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function EndpointHealth({ endpoint, results }: { endpoint: Endpoint; results: readonly SourceResult[] }) {
  const now = statusNow.value;
  const statuses = health.value.endpoints.get(endpoint.id)?.checks ?? [];
  const charted = chartedCheck(endpoint, statuses);
  const id = endpoint.id;
  // Read again whenever a check's state changes: the app forgets an acknowledgement once
  // its check is OK again.
  const acks = useAcknowledgements(`${id}|${statuses.map((s) => s?.hard ?? '-').join(',')}`);
  const [acking, setAcking] = useState<{ check: number | null } | null>(null);
  const mine = (acks.list ?? []).filter((a) => a.endpoint === id && ackActive(a, now / 1000));
  const anyProblem = statuses.some(needsAck);
  return (
    <section class="status-detail" aria-label={t('status.health')}>
      <div class="health-head">
        <h3>{t('status.health')}</h3>
        {anyProblem ? (
          <button
            type="button"
            data-testid={`ack-all-${id}`}
            onClick={() => {
              setAcking({ check: null });
            }}
          >
            {t('ack.all')}
          </button>
        ) : null}
      </div>
      <ul class="check-states">
        {endpoint.checks.map((check, i) => {
          const s = statuses[i];
          return (
            <li
              key={i}
              class={`check-state${i === charted ? ' charted' : ''}`}
              data-testid={`status-check-${id}-${String(i)}`}
              data-state={s?.state ?? 'NONE'}
            >
              <div class="check-line">
                {s ? <StatusBadge state={s.state} /> : <span class="muted">{t('status.notChecked')}</span>}
                <code class="check-kind">{check.kind}</code>
                <span class="muted">{t('status.check', { n: i + 1 })}</span>
                {s ? (
                  <>
                    <span class="check-latency">{latencyText(s.latency_ms)}</span>
                    <span class="check-age" title={t('status.since', { time: statusTime(s.since, now) })}>
                      {ageText(s.since, now)}
                      <span class="muted"> · {t('status.since', { time: statusTime(s.since, now) })}</span>
                    </span>
                  </>
                ) : null}
              </div>
              {s ? (
                <p class="check-message" data-testid={`status-message-${id}-${String(i)}`}>
                  {s.message}
                </p>
              ) : null}
              {s ? <Notes status={s} now={now} /> : null}
              {needsAck(s) ? (
                <div class="check-actions">
                  <button
                    type="button"
                    data-testid={`ack-${id}-${String(i)}`}
                    onClick={() => {
                      setAcking({ check: i });
                    }}
                  >
                    {t('ack.button')}
                  </button>
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
      {results.length > 0 ? <SourceResults id={id} results={results} /> : null}
      <AckList endpoint={endpoint} acks={mine} error={acks.error} nowMs={now} onChanged={acks.reload} />
      {acking ? (
        <AckDialog
          endpoint={endpoint}
          check={acking.check}
          onClose={() => {
            setAcking(null);
          }}
          onSaved={acks.reload}
        />
      ) : null}
      <div class="charts-head">
        <h3>{t('status.last24h')}</h3>
        {endpoint.checks.length > 1 ? (
          <select
            data-testid="status-chart-check"
            aria-label={t('status.chartCheck')}
            value={String(charted)}
            onChange={(e) => {
              chartCheck.value = { endpoint: id, check: Number(e.currentTarget.value) };
            }}
          >
            {endpoint.checks.map((c, i) => (
              <option key={i} value={String(i)}>
                {`${t('status.check', { n: i + 1 })}: ${c.kind}`}
              </option>
            ))}
          </select>
        ) : null}
      </div>
      <StatusCharts endpoint={id} check={charted} />
      <h3>{t('status.uptime')}</h3>
      <Uptime scope="endpoints" id={id} />
    </section>
  );
}

/** A customer's or site's health: worst state, endpoints per state, uptime. */
export function GroupStatus({ kind, id }: { kind: 'customer' | 'site'; id: string }) {
  const group = (kind === 'customer' ? health.value.customers : health.value.sites).get(id);
  const current = fleet.value;
  const total = current ? descendants(current, { kind, id }).endpoints : 0;
  return (
    <section class="status-detail" aria-label={t('status.health')}>
      <h3>{t('status.health')}</h3>
      <div class="group-state" data-testid={`status-group-${id}`} data-state={group?.state ?? 'NONE'}>
        {group?.state ? (
          <StatusBadge state={group.state} />
        ) : (
          <span class="muted">{t('status.notMonitored')}</span>
        )}
        {group
          ? countParts(group.counts).map((p) => (
              <span key={p.state} class="tile-count" data-state={p.state}>
                {p.text}
              </span>
            ))
          : null}
        <span class="muted">{t('status.endpointsChecked', { n: group?.monitored ?? 0, total })}</span>
      </div>
      <h3>{t('status.uptime')}</h3>
      <Uptime scope={kind === 'customer' ? 'customers' : 'sites'} id={id} />
    </section>
  );
}
