import { useEffect, useRef, useState } from 'react';
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
import { MessageText } from '../../components/MessageText.tsx';
import { Pending, useSince } from '../../components/Pending.tsx';

/** What the coordinator waits for in each slow state, for the spinner. */
const WAITING: Partial<Record<CoordinatorState, string>> = {
  checking: 'Checking every node with the protocol probe before starting llama-server',
  starting: 'Starting llama-server and waiting for its HTTP server',
  loading: 'Loading the model over the nodes (llama-server\'s /health answers 503 until it is ready)',
  stopping: 'Stopping llama-server',
};

/** The shell words of the extra flags, quoted back where a word holds a space. */
function joinArgs(args: readonly string[]): string {
  return args.map((a) => (/[\s"']/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)).join(' ');
}

const RUNNING: CoordinatorState[] = ['checking', 'starting', 'loading', 'ready', 'unresponsive'];

/** llama-server spread over the running nodes: start it with a model, watch it, restart it on the healthy ones. */
export function CoordinatorPanel() {
  const api = useApi();
  const coordinator = useAppStore((s) => s.coordinator);
  const [model, setModel] = useState('');
  const [llamaServerPath, setLlamaServerPath] = useState('');
  const [port, setPort] = useState('');
  const [extra, setExtra] = useState('');
  const [override, setOverride] = useState(false);
  // The form starts from the last start's stored settings (they survive an engine restart), once they arrive.
  const filled = useRef(false);
  const last = coordinator?.lastSettings ?? null;
  useEffect(() => {
    if (filled.current || !last) return;
    filled.current = true;
    setModel(last.model);
    setLlamaServerPath(last.llamaServerPath);
    setPort(last.port != null ? String(last.port) : '');
    setExtra(joinArgs(last.extraArgs));
  }, [last]);
  const [acting, setActing] = useState<'start' | 'stop' | 'restart' | null>(null);
  const actingSince = useSince(acting);
  const stateSince = useSince(coordinator?.state ?? null);
  const act = useAction(async (what: 'start' | 'stop' | 'restart') => {
    setActing(what);
    try {
      await invoke(what);
    } finally {
      setActing(null);
    }
  });
  const invoke = async (what: 'start' | 'stop' | 'restart') => {
    const info =
      what === 'start'
        ? await api.invoke('coordinator.start', {
          model: model.trim(),
          ...(llamaServerPath.trim() ? { llamaServerPath: llamaServerPath.trim() } : {}),
          ...(port.trim() ? { port: Number(port) } : {}),
          extraArgs: splitArgs(extra),
          ...(override ? { override: true } : {}),
        })
        : await api.invoke(what === 'stop' ? 'coordinator.stop' : 'coordinator.restart', {});
    applyLocally('coordinator.updated', info);
  };

  if (!coordinator) return <Panel title="Coordinator (llama-server)"><Loading what="coordinator" /></Panel>;
  const running = RUNNING.includes(coordinator.state);
  return (
    <Panel title="Coordinator (llama-server)">
      <dl className="facts facts--grid">
        <div><dt>State</dt><dd><StatusBadge status={coordinator.state} /></dd></div>
        {/* Where it serves and over which nodes is only true while it runs: a stopped one shows none. */}
        <div className="facts__wide"><dt>Serving at</dt><dd className="mono small wrap-anywhere">{running && coordinator.baseUrl ? coordinator.baseUrl : '—'}</dd></div>
        <div className="facts__wide"><dt>Model</dt><dd className="mono small wrap-anywhere">{coordinator.model ?? '—'}</dd></div>
        {coordinator.servedModel && coordinator.servedModel !== coordinator.model && (
          <div><dt>Served as</dt><dd className="mono small wrap-anywhere" title="the model id clients ask for (llama-server's -a alias)">{coordinator.servedModel}</dd></div>
        )}
        <div><dt>PID</dt><dd className="mono">{coordinator.pid ?? "—"}</dd></div>
        <div className="facts__wide"><dt>Endpoints</dt><dd className="mono small wrap-anywhere">{running && coordinator.endpoints.length ? coordinator.endpoints.join(', ') : '—'}</dd></div>
        {coordinator.exitCode != null && <div><dt>Exit code</dt><dd className={`num${coordinator.exitCode !== 0 ? ' text-bad' : ''}`}>{coordinator.exitCode}{coordinator.exitCode === 0 ? ' (clean)' : ''}</dd></div>}
      </dl>
      {coordinator.message && (
        <p className={`small ${coordinator.state === 'exited' || coordinator.state === 'error' ? 'text-bad' : 'muted'}`} role={coordinator.state === 'exited' ? 'alert' : undefined}>
          <MessageText text={coordinator.message} />
        </p>
      )}
      {acting ? (
        <Pending what={acting === 'stop' ? 'Stopping llama-server' : WAITING[coordinator.state] ?? (acting === 'restart' ? 'Checking the nodes, then restarting llama-server' : 'Checking the nodes, then starting llama-server')} since={actingSince} />
      ) : WAITING[coordinator.state] ? (
        <Pending what={WAITING[coordinator.state]!} since={stateSince} />
      ) : null}
      {coordinator.recovery && <p className="small muted" data-testid="coordinator-recovery">Automatic recovery: {coordinator.recovery}</p>}
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
            <input value={model} placeholder="/models/model.gguf" onChange={(e) => setModel(e.target.value)} />
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
          <button
            type="button"
            className="btn"
            disabled={act.pending || !last}
            title={last ? `With the last settings: ${last.model}${last.extraArgs.length ? ` ${joinArgs(last.extraArgs)}` : ''}` : 'Start it once first'}
            onClick={() => void act.run('restart')}
          >
            Restart coordinator
          </button>
        </div>
        {last && <p className="small muted">Restart uses the last start's settings: <span className="mono wrap-anywhere">{last.model}{last.extraArgs.length ? ` ${joinArgs(last.extraArgs)}` : ''}</span></p>}
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
