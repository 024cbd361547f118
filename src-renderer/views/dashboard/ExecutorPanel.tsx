import { useAppStore } from '../../store/appStore.ts';
import { Panel } from '../../components/Panel.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Loading } from '../../components/Loading.tsx';
import { formatInt, formatRate } from '../../format/numbers.ts';
import { formatWhen } from '../../format/time.ts';
import { HeartbeatAge } from './HeartbeatAge.tsx';

export function ExecutorPanel() {
  const executor = useAppStore((s) => s.executor);
  return (
    <Panel title="Executor">
      {!executor ? (
        <Loading what="executor" />
      ) : (
        <>
          {executor.state === 'stalled' && (
            <p className="banner banner--bad" role="alert">
              The executor is stalled: its heartbeat stopped. Requests are not being sent.
            </p>
          )}
          <dl className="facts">
            <div><dt>State</dt><dd><StatusBadge status={executor.state} /></dd></div>
            <div><dt>Heartbeat</dt><dd><HeartbeatAge heartbeatAt={executor.heartbeatAt} /></dd></div>
            <div><dt>In flight</dt><dd>{formatInt(executor.inFlight)}</dd></div>
            <div><dt>Requests/s</dt><dd>{formatRate(executor.requestsPerSecond)}</dd></div>
            <div><dt>Tokens/s</dt><dd>{formatRate(executor.tokensPerSecond)}</dd></div>
            <div><dt>Started</dt><dd>{formatWhen(executor.startedAt)}</dd></div>
          </dl>
        </>
      )}
    </Panel>
  );
}
