import { memo, useMemo } from 'react';
import type uPlot from 'uplot';
import { UPlotChart, axisStyle, timeAxis, minuteWideTimeScale, SERIES_COLOURS, type ChartOptions } from '../../components/UPlotChart.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { toMs } from '../../format/time.ts';
import { useThroughput } from './useThroughput.ts';
import { useAppStore } from '../../store/appStore.ts';
import { formatInt, formatRate } from '../../format/numbers.ts';
import { formatDuration } from '../../format/time.ts';

const OPTIONS: ChartOptions = {
  legend: { show: true },
  cursor: { drag: { x: false, y: false } },
  scales: { x: minuteWideTimeScale, rps: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max)] }, tps: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max)] } },
  axes: [
    { ...axisStyle, ...timeAxis },
    { ...axisStyle, scale: 'rps', label: 'req/s', size: 56 },
    { ...axisStyle, scale: 'tps', label: 'tok/s', side: 1, size: 64, grid: { show: false } },
  ],
  series: [
    {},
    { label: 'req/s', scale: 'rps', stroke: SERIES_COLOURS[0], width: 1.5 },
    { label: 'tok/s', scale: 'tps', stroke: SERIES_COLOURS[1], width: 1.5, dash: [5, 4] },
  ],
};

export const ThroughputChart = memo(function ThroughputChart({ batchId }: { batchId: string }) {
  const { points, error } = useThroughput(batchId);
  const batch = useAppStore((s) => s.batches[batchId]);
  const data = useMemo<uPlot.AlignedData>(() => [
    points.map((p) => toMs(p.at) / 1000),
    points.map((p) => p.requestsPerSecond),
    points.map((p) => p.tokensPerSecond),
  ], [points]);
  return (
    <div>
      <ErrorMessage error={error} title="Could not load the throughput history" />
      {points.length === 0 && !error ? <ThroughputTotals batchId={batchId} finished={batch?.finishedAt != null} /> : (
        <UPlotChart options={OPTIONS} data={data} height={200} label="Throughput over time: requests per second and tokens per second" />
      )}
    </div>
  );
});

/**
 * A batch over before the first throughput sample (a 2 s batch) still has totals: requests, tokens and the
 * average rates over its run time.
 */
function ThroughputTotals({ batchId, finished }: { batchId: string; finished: boolean }) {
  const b = useAppStore((s) => s.batches[batchId]);
  if (!b || !finished || b.startedAt == null || b.finishedAt == null) return <p className="muted chart-empty">No throughput recorded yet.</p>;
  const seconds = Math.max(0.001, (toMs(b.finishedAt) - toMs(b.startedAt)) / 1000);
  const done = b.counts.completed + b.counts.failed;
  const tokens = b.usage.promptTokens + b.usage.completionTokens;
  return (
    <dl className="facts facts--inline" aria-label="Throughput totals">
      <div><dt>Requests</dt><dd className="num">{formatInt(done)}</dd></div>
      <div><dt>Tokens</dt><dd className="num">{formatInt(tokens)}</dd></div>
      <div><dt>Run time</dt><dd className="num">{seconds < 10 ? `${seconds.toFixed(1)} s` : formatDuration(seconds)}</dd></div>
      <div><dt>Average</dt><dd className="num">{formatRate(done / seconds)} req/s · {formatRate(b.usage.completionTokens / seconds)} tok/s</dd></div>
    </dl>
  );
}
