import { useEffect, useState } from 'react';
import type { ReplicaInfo } from '../../../shared/replicas.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { Panel } from '../../components/Panel.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { FitPlanView } from './FitPlanView.tsx';
import { splitArgs } from './splitArgs.ts';

/**
 * Data parallel: the model served by a llama-server on every node (paths are the nodes'), each a backend; the
 * table shows each replica's share of the work as it is served. Its fit plan shows before the start.
 */
export function ReplicasPanel() {
  const api = useApi();
  const [replicas, setReplicas] = useState<ReplicaInfo[]>([]);
  const [model, setModel] = useState('');
  const [llamaServerPath, setLlamaServerPath] = useState('');
  const [extra, setExtra] = useState('');
  const [override, setOverride] = useState(false);

  useEffect(() => {
    let current = true;
    void api.invoke('replicas.status', {}).then((list) => { if (current) setReplicas(list); }, () => undefined);
    const off = api.on('replica.updated', (info) => {
      setReplicas((list) => {
        const rest = list.filter((r) => r.nodeId !== info.nodeId);
        return (info.state === 'stopped' ? rest : [...rest, info]).sort((a, b) => a.node.localeCompare(b.node));
      });
    });
    return () => {
      current = false;
      off();
    };
  }, [api]);

  const act = useAction(async (what: 'start' | 'stop') => {
    const list = what === 'start'
      ? await api.invoke('replicas.start', {
        model: model.trim(),
        ...(llamaServerPath.trim() ? { llamaServerPath: llamaServerPath.trim() } : {}),
        extraArgs: splitArgs(extra),
        ...(override ? { override: true } : {}),
      })
      : await api.invoke('replicas.stop', {});
    setReplicas(list);
  });

  const total = replicas.reduce((n, r) => n + r.requestsServed, 0);
  return (
    <Panel title={`Replicas (data parallel, ${replicas.length})`}>
      {replicas.length > 0 && (
        <table className="table" aria-label="Replicas">
          <thead>
            <tr><th scope="col">Node</th><th scope="col">State</th><th scope="col">Serving at</th><th scope="col">PID</th><th scope="col">Slots</th><th scope="col">Served</th><th scope="col">Share</th></tr>
          </thead>
          <tbody>
            {replicas.map((r) => (
              <tr key={r.nodeId} aria-label={`replica on ${r.node}`}>
                <td>{r.node}</td>
                <td><StatusBadge status={r.state} />{r.message && <div className="small muted">{r.message}</div>}</td>
                <td className="mono small">{r.baseUrl ?? '—'}</td>
                <td className="mono">{r.pid ?? '—'}</td>
                <td className="num">{r.slots ?? '—'}</td>
                <td className="num">{r.requestsServed}</td>
                <td className="num">{total ? `${Math.round((r.requestsServed / total) * 100)}%` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="form"
        aria-label="Start replicas"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run('start');
        }}
      >
        <div className="form__row">
          <label className="field field--wide">
            <span>Model path on the nodes</span>
            <input value={model} placeholder="/models/model.gguf" onChange={(e) => setModel(e.target.value)} />
          </label>
          <label className="field">
            <span>llama-server on the nodes</span>
            <input value={llamaServerPath} placeholder="found on PATH when empty" onChange={(e) => setLlamaServerPath(e.target.value)} />
          </label>
        </div>
        <label className="field field--wide">
          <span>Extra llama-server flags</span>
          <input value={extra} placeholder="e.g. -c 8192 -np 4 (tuning flags only)" onChange={(e) => setExtra(e.target.value)} />
        </label>
        <FitPlanView mode="replicas" model={model} extraFlags={extra} />
        <label className="field field--check">
          <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} />
          <span>Start even if the fit plan says it does not fit</span>
        </label>
        <div className="form__actions">
          <button type="submit" className="btn btn--primary" disabled={act.pending || !model.trim()}>Start replicas</button>
          <button type="button" className="btn" disabled={act.pending || replicas.length === 0} onClick={() => void act.run('stop')}>Stop replicas</button>
        </div>
        <ErrorMessage error={act.error} onDismiss={act.clearError} title="The replicas did not change" />
      </form>
    </Panel>
  );
}
