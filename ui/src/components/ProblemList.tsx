// Every check that is not OK, worst first and, within a state, the longest-standing first,
// narrowed by state, tag, customer (a tile) and text; the Prometheus source's results that
// count and are not OK among them. Virtualized: 10,000 problems put a few dozen rows in the
// DOM. Messages come from endpoints and Prometheus: rendered as text only.
import type { CheckStatus } from '../bindings';
import { allTags, endpointLabel } from '../fleet/tree';
import { t } from '../i18n';
import { ageText, sourceResultName, stateLabel } from '../status/format';
import {
  isSourceProblem,
  isStatusFiltered,
  NO_STATUS_FILTER,
  problemKey,
  STATES_BY_SEVERITY,
  type Problem,
  type SourceProblem,
} from '../status/rollup';
import {
  chartCheck,
  chooseCheck,
  fleetIndex,
  problemList,
  shownProblems,
  statusFilter,
  statusNow,
} from '../status/store';
import { fleet, reveal, selection } from '../state';
import { StatusBadge } from './StatusBadge';
import { VirtualList } from './VirtualList';

/** Two lines: state, endpoint, customer, age; then the check and its message. */
export const PROBLEM_ROW_HEIGHT = 44;

function Filters() {
  const f = statusFilter.value;
  const current = fleet.value;
  const customer = f.customer === '' ? undefined : current?.customers.find((c) => c.id === f.customer);
  return (
    <div class="problems-filters">
      <select
        data-testid="status-filter-state"
        aria-label={t('status.filterState')}
        value={f.state}
        onChange={(e) => {
          const value = e.currentTarget.value;
          statusFilter.value = {
            ...statusFilter.value,
            state: STATES_BY_SEVERITY.find((s) => s === value) ?? '',
          };
        }}
      >
        <option value="">{t('status.allProblems')}</option>
        {STATES_BY_SEVERITY.map((s) => (
          <option key={s} value={s}>
            {stateLabel(s)}
          </option>
        ))}
      </select>
      <select
        data-testid="status-filter-tag"
        aria-label={t('status.filterTag')}
        value={f.tag}
        onChange={(e) => {
          statusFilter.value = { ...statusFilter.value, tag: e.currentTarget.value };
        }}
      >
        <option value="">{t('toolbar.allTags')}</option>
        {(current ? allTags(current) : []).map((tag) => (
          <option key={tag} value={tag}>
            {tag}
          </option>
        ))}
      </select>
      <input
        type="search"
        class="problems-search"
        data-testid="status-filter-text"
        placeholder={t('status.filterText')}
        aria-label={t('status.filterText')}
        value={f.query}
        spellcheck={false}
        autoComplete="off"
        onInput={(e) => {
          statusFilter.value = { ...statusFilter.value, query: e.currentTarget.value };
        }}
      />
      {f.customer !== '' ? (
        <span class="chip" data-testid="status-filter-customer">
          {t('status.customerChip', { name: customer?.name ?? f.customer })}
          <button
            type="button"
            class="chip-clear"
            aria-label={t('status.clearCustomer')}
            title={t('status.clearCustomer')}
            onClick={() => {
              statusFilter.value = { ...statusFilter.value, customer: '' };
            }}
          >
            ×
          </button>
        </span>
      ) : null}
    </div>
  );
}

function Row({ check, now }: { check: CheckStatus; now: number }) {
  const placed = fleetIndex.value.get(check.endpoint);
  const label = placed ? endpointLabel(placed.endpoint) : check.endpoint;
  return (
    <>
      <span class="p-line">
        <StatusBadge state={check.state} compact />
        <span class="p-endpoint">{label}</span>
        <span class="p-customer muted">{placed?.customer?.name ?? ''}</span>
        <span class="p-age muted">{ageText(check.since, now)}</span>
      </span>
      <span class="p-line">
        <code class="p-check">{check.kind}</code>
        {check.flapping ? (
          <span class="p-flag" title={t('status.flapping')}>
            ↯
          </span>
        ) : null}
        <span class="p-message">{check.message}</span>
      </span>
    </>
  );
}

/** A source result: state, endpoint, customer, age; then "Prometheus: name" and its message. */
function SourceRow({ problem, now }: { problem: SourceProblem; now: number }) {
  const placed = fleetIndex.value.get(problem.endpoint);
  const label = placed ? endpointLabel(placed.endpoint) : problem.endpoint;
  const { result } = problem;
  return (
    <>
      <span class="p-line">
        <StatusBadge state={problem.state} compact />
        <span class="p-endpoint">{label}</span>
        <span class="p-customer muted">{placed?.customer?.name ?? ''}</span>
        <span class="p-age muted">{problem.since === null ? '' : ageText(problem.since, now)}</span>
      </span>
      <span class="p-line">
        <span class="p-check p-source">{t('source.problemName', { name: sourceResultName(result) })}</span>
        {problem.state !== result.state ? (
          <span class="muted">{t('source.lastState', { state: stateLabel(result.state) })}</span>
        ) : null}
        <span class="p-message">{result.message}</span>
      </span>
    </>
  );
}

function rowTestId(p: Problem): string {
  return isSourceProblem(p)
    ? `status-source-${p.endpoint}-${String(p.index)}`
    : `status-problem-${p.endpoint}-${String(p.check)}`;
}

function Empty() {
  const f = statusFilter.value;
  if (isStatusFiltered(f)) {
    return (
      <p class="muted no-match" data-testid="status-problems-none">
        {t('status.noMatch')}{' '}
        <button
          type="button"
          class="link"
          onClick={() => {
            statusFilter.value = NO_STATUS_FILTER;
          }}
        >
          {t('status.clearFilters')}
        </button>
      </p>
    );
  }
  return (
    <p class="muted no-match ok-note" data-testid="status-problems-none">
      {t('status.noProblems')}
    </p>
  );
}

export function ProblemList() {
  const shown = shownProblems.value;
  const total = statusFilter.value.state === 'OK' ? shown.length : problemList.value.length;
  const now = statusNow.value;
  const sel = selection.value;
  const chosen = chartCheck.value;
  const selectedIndex =
    sel?.kind === 'endpoint' && chosen?.endpoint === sel.id
      ? shown.findIndex(
          (c) => !isSourceProblem(c) && c.endpoint === chosen.endpoint && c.check === chosen.check,
        )
      : -1;
  const heading = statusFilter.value.state === 'OK' ? t('status.healthy') : t('status.problems');
  return (
    <div class="problems">
      <div class="problems-head">
        <h2>
          {heading}{' '}
          <span class="count" data-testid="status-problems-count">
            {shown.length === total ? String(total) : t('status.shown', { shown: shown.length, total })}
          </span>
        </h2>
        <Filters />
      </div>
      {shown.length === 0 ? <Empty /> : null}
      <VirtualList
        items={shown}
        rowHeight={PROBLEM_ROW_HEIGHT}
        rowKey={problemKey}
        rowInfo={(c) => ({ testId: rowTestId(c), state: c.state })}
        renderRow={(c) =>
          isSourceProblem(c) ? <SourceRow problem={c} now={now} /> : <Row check={c} now={now} />
        }
        selectedIndex={selectedIndex}
        onChoose={(i) => {
          const c = shown[i];
          if (!c) return;
          if (isSourceProblem(c)) {
            chartCheck.value = null;
            reveal({ kind: 'endpoint', id: c.endpoint });
          } else {
            chooseCheck(c.endpoint, c.check);
          }
        }}
        label={t('status.problemsLabel')}
        testId="status-problems"
        idPrefix="problem"
      />
    </div>
  );
}
