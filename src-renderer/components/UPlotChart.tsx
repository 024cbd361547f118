import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

/**
 * uPlot in a box that follows its container's width. The chart is built once per `options` object and
 * fed new data with setData, which is cheap enough to call several times a second.
 */
export function UPlotChart({ options, data, height = 180, label }: {
  options: ChartOptions;
  data: uPlot.AlignedData;
  height?: number;
  /** What the chart shows, for screen readers (a canvas has no text). */
  label: string;
}) {
  const boxRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const dataRef = useRef(data);
  dataRef.current = data;

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const plot = new uPlot({ ...options, width: Math.max(100, box.clientWidth), height }, dataRef.current, box);
    plotRef.current = plot;
    const resize = new ResizeObserver(() => {
      const width = Math.max(100, box.clientWidth);
      if (width !== plot.width) plot.setSize({ width, height });
    });
    resize.observe(box);
    return () => {
      resize.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    plotRef.current?.setData(data);
  }, [data]);

  return <div className="chart" ref={boxRef} role="img" aria-label={label} />;
}

const two = (n: number) => String(n).padStart(2, '0');

/** Time ticks as a 24-hour clock, with seconds only when the ticks are closer than a minute. */
export const timeAxis: Partial<uPlot.Axis> = {
  space: 70,
  values: (_u, ticks) => {
    const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 60;
    return ticks.map((t) => {
      const d = new Date(t * 1000);
      return step < 60 ? `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}` : `${two(d.getHours())}:${two(d.getMinutes())}`;
    });
  },
};

/** A time scale at least a minute wide, so one point or a burst within a second still reads as a time axis. */
export const minuteWideTimeScale: uPlot.Scale = {
  time: true,
  range: (_u, min, max) => (Number.isFinite(min) && Number.isFinite(max) && max - min < 60 ? [max - 60, max + 1] : [min, max]),
};

/** Axis and grid colours that read on the dark theme. */
export const axisStyle = {
  stroke: '#9aa4b2',
  grid: { stroke: 'rgba(255,255,255,0.06)', width: 1 },
  ticks: { stroke: 'rgba(255,255,255,0.12)', width: 1 },
} satisfies Partial<uPlot.Axis>;

export const SERIES_COLOURS = ['#4f9cf9', '#3ecf8e', '#f5a524', '#e5484d', '#a78bfa', '#22d3ee', '#f472b6', '#a3e635'];
