import { memo, useMemo } from 'react';
import type uPlot from 'uplot';
import { UPlotChart, axisStyle, timeAxis, minuteWideTimeScale, SERIES_COLOURS, type ChartOptions } from '../../components/UPlotChart.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { toMs } from '../../format/time.ts';
import { useThroughput } from './useThroughput.ts';

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
  const data = useMemo<uPlot.AlignedData>(() => [
    points.map((p) => toMs(p.at) / 1000),
    points.map((p) => p.requestsPerSecond),
    points.map((p) => p.tokensPerSecond),
  ], [points]);
  return (
    <div>
      <ErrorMessage error={error} title="Could not load the throughput history" />
      {points.length === 0 && !error ? <p className="muted chart-empty">No throughput recorded yet.</p> : (
        <UPlotChart options={OPTIONS} data={data} height={200} label="Throughput over time: requests per second and tokens per second" />
      )}
    </div>
  );
});
