import { useEffect, useState } from 'react';
import { OPERATOR_FLAGS, type OperatorAllowListInfo, type OperatorKind } from '../../../shared/operator.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { useFileTransfer } from '../../api/FileTransferContext.tsx';
import { Panel } from '../../components/Panel.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

const ROWS: { kind: OperatorKind; field: keyof Omit<OperatorAllowListInfo, 'configFile'>; label: string; none: string }[] = [
  { kind: 'llamaServer', field: 'llamaServers', label: 'llama-server programs', none: 'None: the coordinator cannot start until one is allowed.' },
  { kind: 'modelsDir', field: 'modelsDirs', label: 'Model folders', none: 'None: no model can be loaded until a folder is allowed.' },
  { kind: 'sshKeysDir', field: 'sshKeysDirs', label: 'SSH key folders', none: 'None: nodes can use ssh-agent only.' },
];

/**
 * What this machine lets the engine run and read. The desktop window may add to it with native pickers
 * (the window is local); in a browser the list is read-only: the server's operator sets it with serve flags.
 */
export function AllowedPathsPanel() {
  const api = useApi();
  const desktop = useFileTransfer().kind === 'desktop';
  const [info, setInfo] = useState<OperatorAllowListInfo | null>(null);
  const load = useAction(async () => setInfo(await api.invoke('operator.allowList', {})));
  const pick = useAction(async (kind: OperatorKind) => setInfo(await api.invoke('operator.pick', { kind })));

  const loadNow = load.run;
  useEffect(() => {
    void loadNow();
    // The list changes only on this machine (a pick in the desktop window); the engine pushes it.
    return api.on('operator.updated', (next) => setInfo(next));
  }, [api, loadNow]);

  return (
    <Panel title="Allowed on this machine">
      <p className="small muted">
        {desktop
          ? 'The programs and files Batchdeck may run and read for the coordinator and the nodes. Requests (from this window or from scripts over the local API) choose among these; anything else is refused.'
          : `Set on the machine that runs batchdeck serve, with ${Object.values(OPERATOR_FLAGS).join(', ')} (or its operator.json). Requests choose among these; anything else is refused.`}
      </p>
      {info && (
        <dl className="settings-grid allowed-paths-grid">
          {ROWS.map((r) => (
            <div key={r.kind} className="field" aria-label={r.label}>
              <dt>{r.label} <small className="muted">({OPERATOR_FLAGS[r.kind]})</small></dt>
              <dd>
                {info[r.field].length === 0
                  ? <span className="small muted">{r.none}</span>
                  : <ul className="allowed-paths">{info[r.field].map((p) => <li key={p}><code>{p}</code></li>)}</ul>}
                {desktop && (
                  <button type="button" className="btn btn--ghost" disabled={pick.pending} onClick={() => void pick.run(r.kind)}>
                    Choose…
                  </button>
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {info?.configFile && (
        <p className="small muted">
          {desktop ? <>Kept in <code>{info.configFile}</code>.</> : <>Config file on the server: <code>{info.configFile}</code> (a serve flag replaces its list of that kind).</>}
        </p>
      )}
      <ErrorMessage error={load.error ?? pick.error} onDismiss={() => { load.clearError(); pick.clearError(); }} title="Allowed paths" />
    </Panel>
  );
}
