import { useEffect, useState } from 'react';
import type { NodeInfo, NodeLog } from '../../../shared/nodes.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { toError } from '../../api/toError.ts';
import { formatClock } from '../../format/time.ts';
import { markProbeConnections } from './probeConnections.ts';

/** The log file lives on the node, outside the engine's change feed: it is read again this often while open. */
const REFRESH_MS = 5_000;
const LINES = 200;

/**
 * rpc-server's log as it is on the node: the tail of its log file, read when opened and refreshed while
 * open. Batchdeck's own probe connections (connect, close) are hidden unless asked for.
 */
export function NodeLogView({ node, defaultOpen }: { node: NodeInfo; defaultOpen: boolean }) {
  const api = useApi();
  const [open, setOpen] = useState(defaultOpen);
  const [log, setLog] = useState<NodeLog | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showProbes, setShowProbes] = useState(false);
  const { id, state } = node;

  useEffect(() => {
    if (!open) return;
    let current = true;
    const read = () => {
      api.invoke('nodes.log', { id, lines: LINES })
        .then((l) => { if (current) { setLog(l); setError(null); } })
        .catch((err: unknown) => { if (current) setError(toError(err).message); });
    };
    read();
    const timer = setInterval(read, REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [api, id, open, state]);

  const lines = markProbeConnections(log?.lines ?? node.logTail);
  const probeLines = lines.filter((l) => l.probe).length;
  const shown = showProbes ? lines : lines.filter((l) => !l.probe);
  return (
    <details className="log-tail" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="small">
        rpc-server log{log ? ` (last ${log.lines.length} lines of ${log.path}, read ${formatClock(log.at)})` : ''}
      </summary>
      {error && <p className="small text-bad">The log could not be read: {error}</p>}
      {probeLines > 0 && (
        <label className="field field--check small">
          <input type="checkbox" checked={showProbes} onChange={(e) => setShowProbes(e.target.checked)} />
          <span>Show Batchdeck's probe connections ({probeLines} lines)</span>
        </label>
      )}
      {shown.length > 0 ? (
        <pre className="code" aria-label={`rpc-server log of ${node.name}`} tabIndex={0}>
          {shown.map((l, i) => (
            <span key={i} className={l.probe ? 'log-line log-line--probe' : 'log-line'}>
              {l.text}{l.probe ? '   ← Batchdeck probe' : ''}{'\n'}
            </span>
          ))}
        </pre>
      ) : (
        <p className="small muted">{log ? 'The log file is empty.' : 'Reading the log…'}</p>
      )}
    </details>
  );
}
