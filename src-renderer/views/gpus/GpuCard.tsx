import { memo } from 'react';
import type { GpuInfo } from '../../../shared/gpu.ts';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { DASH, formatMiB, formatPercent, ratio } from '../../format/numbers.ts';

function temperatureTone(gpu: GpuInfo): 'ok' | 'warn' | 'bad' {
  if (gpu.temperatureC == null) return 'ok';
  if (gpu.temperatureSlowdownC != null && gpu.temperatureC >= gpu.temperatureSlowdownC - 5) return 'bad';
  if (gpu.temperatureC >= 80) return 'warn';
  return 'ok';
}

function watts(w: number | null): string {
  return w == null ? DASH : `${Math.round(w)} W`;
}

export const GpuCard = memo(function GpuCard({ gpu, host, stale }: { gpu: GpuInfo; host: string; stale: boolean }) {
  const memShare = ratio(gpu.memoryUsedMiB, gpu.memoryTotalMiB);
  const label = `GPU ${gpu.index} ${gpu.name ?? ''} on ${host}`.replace(/\s+/g, ' ');
  const tempTone = temperatureTone(gpu);
  return (
    <article className={`gpu-card${stale ? ' gpu-card--stale' : ''}`} aria-label={label}>
      <header className="gpu-card__head">
        <span className="gpu-card__index">#{gpu.index}</span>
        <span className="gpu-card__name" title={gpu.uuid ?? undefined}>{gpu.name ?? 'Unknown GPU'}</span>
        {gpu.performanceState && <span className="small muted">{gpu.performanceState}</span>}
      </header>
      <div className="gpu-card__metric">
        <span className="small muted">Memory</span>
        <span className="num small">{formatMiB(gpu.memoryUsedMiB)} / {formatMiB(gpu.memoryTotalMiB)}</span>
      </div>
      <ProgressBar value={memShare} label={`Memory used, ${label}`} tone={memShare != null && memShare >= 0.95 ? 'bad' : 'accent'}
        valueText={`${formatMiB(gpu.memoryUsedMiB)} of ${formatMiB(gpu.memoryTotalMiB)}`} />
      <div className="gpu-card__metric">
        <span className="small muted">Utilization</span>
        <span className="num small">{formatPercent(gpu.utilizationGpuPercent)}</span>
      </div>
      <ProgressBar value={gpu.utilizationGpuPercent == null ? null : gpu.utilizationGpuPercent / 100} label={`Utilization, ${label}`} tone="ok" />
      <dl className="facts facts--inline small">
        <div>
          <dt>Temp</dt>
          <dd className={tempTone === 'bad' ? 'text-bad' : tempTone === 'warn' ? 'text-warn' : undefined}>
            {gpu.temperatureC == null ? DASH : `${gpu.temperatureC} °C`}
            {gpu.temperatureSlowdownC != null && <span className="muted"> / {gpu.temperatureSlowdownC} °C slowdown</span>}
          </dd>
        </div>
        <div><dt>Power</dt><dd>{watts(gpu.powerDrawW)} / {watts(gpu.powerLimitW)}</dd></div>
        <div><dt>Fan</dt><dd>{formatPercent(gpu.fanPercent)}</dd></div>
      </dl>
      {gpu.throttleReasons.length > 0 && (
        <p className="small text-warn">Throttled: {gpu.throttleReasons.join(', ')}</p>
      )}
      <details className="gpu-card__procs">
        <summary className="small">{gpu.processes.length} process{gpu.processes.length === 1 ? '' : 'es'}</summary>
        {gpu.processes.length > 0 && (
          <table className="mini-table small">
            <thead><tr><th>PID</th><th>Name</th><th>Memory</th></tr></thead>
            <tbody>
              {gpu.processes.map((p, i) => (
                <tr key={`${p.pid ?? 'x'}-${i}`}>
                  <td className="num">{p.pid ?? DASH}</td>
                  <td className="truncate" title={p.name ?? undefined}>{p.name ?? DASH}</td>
                  <td className="num">{formatMiB(p.usedMemoryMiB)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </article>
  );
});
