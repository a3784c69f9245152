// The detail's two small charts over the last 24 hours of one check, in plain SVG: the
// latency line (with the peaks faint behind it) and a strip of its states. The history is
// read with `status_history` when the check changes and once a minute while shown.
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api';
import type { HistoryPoint, IpcError } from '../bindings';
import { t } from '../i18n';
import { latencyPath, latencyTop, stateSegments, upShare, type Span } from '../status/chart';
import { stateLabel, statusTime, uptimePercent } from '../status/format';

const DAY_S = 24 * 3600;
const HISTORY_REFRESH_MS = 60_000;
const W = 300;
const LATENCY_H = 60;
const STRIP_H = 12;

type History = { points: HistoryPoint[]; span: Span; error: IpcError | null };

function useHistory(endpoint: string, check: number): History | null {
  const [history, setHistory] = useState<History | null>(null);
  useEffect(() => {
    let live = true;
    setHistory(null);
    const read = () => {
      const toS = Math.floor(Date.now() / 1000);
      const span = { fromS: toS - DAY_S, toS };
      call('status_history', { endpoint, check, fromS: span.fromS, toS: span.toS }).then(
        (points) => {
          if (live) setHistory({ points, span, error: null });
        },
        (e: unknown) => {
          if (live) setHistory((last) => ({ points: last?.points ?? [], span, error: e as IpcError }));
        },
      );
    };
    read();
    const timer = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') read();
    }, HISTORY_REFRESH_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [endpoint, check]);
  return history;
}

function LatencyChart({ points, span }: { points: HistoryPoint[]; span: Span }) {
  const top = latencyTop(points);
  const line = latencyPath(points, span, W, LATENCY_H, top);
  const peaks = latencyPath(points, span, W, LATENCY_H, top, (p) => p.latency_max_ms);
  const label = line === '' ? t('status.latencyNone') : t('status.latencyChart', { top });
  return (
    <figure class="chart">
      <figcaption class="chart-head">
        <span>{t('status.latencyChart', { top })}</span>
      </figcaption>
      <svg
        class="chart-latency"
        data-testid="status-chart-latency"
        role="img"
        aria-label={label}
        viewBox={`0 0 ${String(W)} ${String(LATENCY_H)}`}
        preserveAspectRatio="none"
      >
        <line class="grid" x1="0" y1={LATENCY_H / 2} x2={W} y2={LATENCY_H / 2} />
        {peaks !== '' ? <path class="peaks" d={peaks} vector-effect="non-scaling-stroke" /> : null}
        {line !== '' ? <path class="line" d={line} vector-effect="non-scaling-stroke" /> : null}
      </svg>
      {line === '' ? <p class="muted chart-note">{t('status.latencyNone')}</p> : null}
    </figure>
  );
}

function StateStrip({ points, span }: { points: HistoryPoint[]; span: Span }) {
  const segments = stateSegments(points, span, W);
  const percent = uptimePercent(upShare(points));
  const label = percent === null ? t('status.stateChart') : t('status.stateChartUp', { percent });
  const now = span.toS * 1000;
  return (
    <figure class="chart">
      <figcaption class="chart-head">
        <span>{label}</span>
      </figcaption>
      <svg
        class="chart-strip"
        data-testid="status-chart-uptime"
        role="img"
        aria-label={label}
        viewBox={`0 0 ${String(W)} ${String(STRIP_H)}`}
        preserveAspectRatio="none"
      >
        <rect class="strip-bg" x="0" y="0" width={W} height={STRIP_H} />
        {segments.map((s) => (
          <rect key={s.at} class="seg" data-state={s.state} x={s.x} y="0" width={s.w} height={STRIP_H}>
            <title>{`${stateLabel(s.state)} ${statusTime(s.at, now)}–${statusTime(s.until, now)}`}</title>
          </rect>
        ))}
      </svg>
      <div class="chart-axis muted" aria-hidden="true">
        <span>{t('status.axisAgo')}</span>
        <span>{t('status.axisNow')}</span>
      </div>
      {segments.length === 0 ? <p class="muted chart-note">{t('status.historyNone')}</p> : null}
    </figure>
  );
}

export function StatusCharts({ endpoint, check }: { endpoint: string; check: number }) {
  const history = useHistory(endpoint, check);
  if (!history) return <p class="muted">{t('app.loading')}</p>;
  return (
    <div class="charts">
      {history.error ? (
        <p class="form-errors" role="alert" data-testid="status-history-error">
          {t('status.historyFailed', { message: history.error.message })}
        </p>
      ) : null}
      <LatencyChart points={history.points} span={history.span} />
      <StateStrip points={history.points} span={history.span} />
    </div>
  );
}
