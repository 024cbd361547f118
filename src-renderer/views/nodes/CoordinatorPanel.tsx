import { useState } from 'react';
import type { CoordinatorState } from '../../../shared/nodes.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { useAppStore } from '../../store/appStore.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { Panel } from '../../components/Panel.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Loading } from '../../components/Loading.tsx';
import { splitArgs } from './splitArgs.ts';
import { FitPlanView } from './FitPlanView.tsx';

const RUNNING: CoordinatorState[] = ['checking', 'starting', 'loading', 'ready'];

/** llama-server spread over the running nodes: start it with a model, watch it, restart it on the healthy ones. */
export function CoordinatorPanel() {
  const api = useApi();
  const coordinator = useAppStore((s) => s.coordinator);
  const [model, setModel] = useState('');
  const [llamaServerPath, setLlamaServerPath] = useState('');
  const [port, setPort] = useState('');
  const [extra, setExtra] = useState('');
  const [override, setOverride] = useState(false);
  const act = useAction(async (what: 'start' | 'stop' | 'restart') => {
    const info =
      what === 'start'
        ? await api.invoke('coordinator.start', {
          model: (model || coordinator?.model || '').trim(),
          ...(llamaServerPath.trim() ? { llamaServerPath: llamaServerPath.trim() } : {}),
          ...(port.trim() ? { port: Number(port) } : {}),
          extraArgs: splitArgs(extra),
          ...(override ? { override: true } : {}),
        })
        : await api.invoke(what === 'stop' ? 'coordinator.stop' : 'coordinator.restart', {});
    applyLocally('coordinator.updated', info);
  });

  if (!coordinator) return <Panel title="Coordinator (llama-server)"><Loading what="coordinator" /></Panel>;
  const running = RUNNING.includes(coordinator.state);
  return (
    <Panel title="Coordinator (llama-server)">
      <dl className="facts facts--grid">
        <div><dt>State</dt><dd><StatusBadge status={coordinator.state} /></dd></div>
        <div><dt>Serving at</dt><dd className="mono small">{coordinator.baseUrl ?? '—'}</dd></div>
        <div><dt>Model</dt><dd className="mono small truncate" title={coordinator.model ?? undefined}>{coordinator.model ?? '—'}</dd></div>
        <div><dt>PID</dt><dd className="mono">{coordinator.pid ?? "—"}</dd></div>
        <div><dt>Endpoints</dt><dd className="mono small">{coordinator.endpoints.length ? coordinator.endpoints.join(', ') : '—'}</dd></div>
        {coordinator.exitCode != null && <div><dt>Exit code</dt><dd className="num text-bad">{coordinator.exitCode}</dd></div>}
      </dl>
      {coordinator.message && (
        <p className={`small ${coordinator.state === 'exited' || coordinator.state === 'error' ? 'text-bad' : 'muted'}`} role={coordinator.state === 'exited' ? 'alert' : undefined}>
          {coordinator.message}
        </p>
      )}
      <form
        className="form"
        aria-label="Start the coordinator"
        onSubmit={(e) => {
          e.preventDefault();
          void act.run('start');
        }}
      >
        <div className="form__row">
          <label className="field field--wide">
            <span>Model path (GGUF in an allowed models folder)</span>
            <input value={model} placeholder={coordinator.model ?? '/models/model.gguf'} onChange={(e) => setModel(e.target.value)} />
          </label>
          <label className="field">
            <span>llama-server path</span>
            <input value={llamaServerPath} placeholder="the allowed one when empty" onChange={(e) => setLlamaServerPath(e.target.value)} />
          </label>
          <label className="field field--narrow">
            <span>Port</span>
            <input type="number" min={1} max={65535} value={port} placeholder="auto" onChange={(e) => setPort(e.target.value)} />
          </label>
        </div>
        <label className="field field--wide">
          <span>Extra llama-server flags</span>
          <input value={extra} placeholder='e.g. -c 8192 --parallel 4 (tuning flags only)' onChange={(e) => setExtra(e.target.value)} />
        </label>
        <FitPlanView mode="coordinator" model={model} extraFlags={extra} />
        <label className="field field--check">
          <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} />
          <span>Start even if the fit plan says it does not fit</span>
        </label>
        <div className="form__actions">
          <button type="submit" className="btn btn--primary" disabled={act.pending || running}>Start coordinator</button>
          <button type="button" className="btn" disabled={act.pending || !running} onClick={() => void act.run('stop')}>Stop coordinator</button>
          <button type="button" className="btn" disabled={act.pending || coordinator.state === 'stopped' && !coordinator.model} onClick={() => void act.run('restart')}>
            Restart coordinator
          </button>
        </div>
        <ErrorMessage error={act.error} onDismiss={act.clearError} title="The coordinator did not change" />
      </form>
      {coordinator.logTail.length > 0 && (
        <details className="log-tail" open={coordinator.state === 'exited' || coordinator.state === 'error'}>
          <summary className="small">llama-server log ({coordinator.logTail.length} lines)</summary>
          <pre className="code" aria-label="llama-server log">{coordinator.logTail.join('\n')}</pre>
        </details>
      )}
    </Panel>
  );
}
