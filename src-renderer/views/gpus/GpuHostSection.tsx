import { memo } from 'react';
import { useAppStore } from '../../store/appStore.ts';
import { formatWhen } from '../../format/time.ts';
import { GpuCard } from './GpuCard.tsx';

/** The GPUs of one host, or plainly why there are none: no NVIDIA GPU, or nvidia-smi failing (said once). */
export const GpuHostSection = memo(function GpuHostSection({ host }: { host: string }) {
  const status = useAppStore((s) => s.gpus[host]);
  if (!status) return null;
  const { poller, snapshot } = status;
  const title = host === 'local' ? 'This machine' : host;
  return (
    <section className="gpu-host" aria-label={`GPUs on ${title}`}>
      <header className="gpu-host__head">
        <h3>{title}</h3>
        {snapshot && (
          <span className="small muted">
            driver {snapshot.driverVersion ?? '?'} · CUDA {snapshot.cudaVersion ?? '?'} · read {formatWhen(snapshot.at)}
          </span>
        )}
      </header>
      {poller.state === 'starting' && <p className="muted">Waiting for the first nvidia-smi reading…</p>}
      {poller.state === 'no-gpu' && (
        <p className="banner banner--muted" role="status">No NVIDIA GPU found <span className="muted">{noGpuDetail(poller.message)}</span></p>
      )}
      {poller.state === 'failing' && (
        <p className="banner banner--bad" role="alert">
          nvidia-smi is failing since {formatWhen(poller.since)}: {poller.message}
          {snapshot ? ' The values below are the last good reading.' : ''}
        </p>
      )}
      {snapshot && poller.state !== 'no-gpu' && (
        snapshot.gpus.length === 0
          ? <p className="muted">nvidia-smi lists no GPU.</p>
          : (
            <div className="gpu-grid">
              {snapshot.gpus.map((gpu) => (
                <GpuCard key={gpu.uuid ?? gpu.index} gpu={gpu} host={title} stale={poller.state === 'failing'} />
              ))}
            </div>
          )
      )}
    </section>
  );
});

/** The engine's message often repeats the headline ("no NVIDIA GPU found (nvidia-smi not on PATH)"); keep only what it adds. */
function noGpuDetail(message: string): string {
  const rest = message.replace(/^\s*no nvidia gpus? found\s*[.:-]?\s*/i, '').trim();
  if (!rest) return '';
  return rest.startsWith('(') ? rest : `(${rest})`;
}
