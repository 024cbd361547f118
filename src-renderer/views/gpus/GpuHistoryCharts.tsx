import { useMemo } from 'react';
import uPlot from 'uplot';
import type { GpuHistoryPoint } from '../../../shared/gpu.ts';
import { UPlotChart, axisStyle, timeAxis, minuteWideTimeScale, SERIES_COLOURS, type ChartOptions } from '../../components/UPlotChart.tsx';
import { toMs } from '../../format/time.ts';
import type { GpuSeries } from './gpuHistoryBuffer.ts';

interface Metric { key: keyof Omit<GpuHistoryPoint, 'at'>; title: string; unit: string; scale?: (v: number) => number; range?: [number, number] }

const METRICS: Metric[] = [
  { key: 'utilizationGpuPercent', title: 'Utilization', unit: '%', range: [0, 100] },
  { key: 'memoryUsedMiB', title: 'Memory used', unit: 'GiB', scale: (v) => v / 1024 },
  { key: 'temperatureC', title: 'Temperature', unit: '°C' },
  { key: 'powerDrawW', title: 'Power', unit: 'W' },
];

/** Four charts for one host, one line per GPU, time-aligned with uPlot.join. */
export function GpuHostCharts({ host, series, version }: { host: string; series: GpuSeries[]; version: number }) {
  const names = series.map((s) => `#${s.index} ${s.name ?? ''}`.trim()).join('|');
  return (
    <div className="chart-grid">
      {METRICS.map((m) => (
        <MetricChart key={m.key} host={host} metric={m} series={series} names={names} version={version} />
      ))}
    </div>
  );
}

function MetricChart({ host, metric, series, names, version }: { host: string; metric: Metric; series: GpuSeries[]; names: string; version: number }) {
  const options = useMemo<ChartOptions>(() => ({
    title: `${metric.title} (${metric.unit})`,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: minuteWideTimeScale, y: metric.range ? { range: metric.range } : { auto: true } },
    axes: [{ ...axisStyle, ...timeAxis }, { ...axisStyle, size: 50 }],
    series: [
      {},
      ...names.split('|').map((label, i) => ({ label, stroke: SERIES_COLOURS[i % SERIES_COLOURS.length], width: 1.5, spanGaps: false })),
    ],
  }), [metric, names]);

  const data = useMemo<uPlot.AlignedData>(() => {
    const tables: uPlot.AlignedData[] = series.map((s) => [
      s.points.map((p) => toMs(p.at) / 1000),
      s.points.map((p) => {
        const v = p[metric.key];
        return v == null ? null : metric.scale ? metric.scale(v) : v;
      }),
    ]);
    if (tables.length === 0) return [[]];
    return tables.length === 1 ? tables[0]! : uPlot.join(tables);
    // version: the buffer's arrays are extended in place; a new version means new points.
  }, [series, metric, version]);

  return <UPlotChart options={options} data={data} height={170} label={`${metric.title} history of the GPUs on ${host}`} />;
}
