import { memo } from 'react';
import { useAppStore } from '../../store/appStore.ts';
import { selectAlerts } from '../../store/selectors.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { Panel } from '../../components/Panel.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { formatWhen } from '../../format/time.ts';
import { MessageText } from '../../components/MessageText.tsx';
import type { Alert } from '../../../shared/engineState.ts';

export function AlertsPanel() {
  const alerts = useAppStore(selectAlerts);
  const loaded = useAppStore((s) => s.connection.loaded);
  return (
    <Panel title={`Alerts (${alerts.length})`}>
      {loaded && alerts.length === 0 && <p className="muted">No alerts.</p>}
      {alerts.length > 0 && (
        <ul className="alerts" aria-label="Alerts">
          {alerts.map((a) => <AlertItem key={a.id} alert={a} />)}
        </ul>
      )}
    </Panel>
  );
}

const AlertItem = memo(function AlertItem({ alert }: { alert: Alert }) {
  const api = useApi();
  const dismiss = useAction(() => api.invoke('alerts.dismiss', { id: alert.id }));
  return (
    <li className={`alert alert--${alert.severity}`} data-alert-key={alert.key}>
      <span className="alert__severity">{alert.severity}</span>
      <div className="alert__body">
        <p className="alert__message"><MessageText text={alert.message} /></p>
        <p className="small muted">{alert.source} · {formatWhen(alert.raisedAt)}</p>
        <ErrorMessage error={dismiss.error} onDismiss={dismiss.clearError} title="Could not dismiss" />
      </div>
      <button type="button" className="btn btn--small btn--ghost" onClick={() => void dismiss.run()} disabled={dismiss.pending} aria-label={`Dismiss alert: ${alert.message}`}>
        Dismiss
      </button>
    </li>
  );
});
