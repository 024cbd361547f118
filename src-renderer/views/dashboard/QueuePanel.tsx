import { useAppStore } from '../../store/appStore.ts';
import { Panel } from '../../components/Panel.tsx';
import { Loading } from '../../components/Loading.tsx';
import { formatInt } from '../../format/numbers.ts';
import type { QueueCounts } from '../../../shared/engineState.ts';

const FIELDS: [keyof QueueCounts, string][] = [
  ['queued', 'Queued'],
  ['inProgress', 'In progress'],
  ['paused', 'Paused'],
  ['completed', 'Completed'],
  ['failed', 'Failed'],
  ['cancelled', 'Cancelled'],
  ['pendingRequests', 'Pending requests'],
  ['inFlightRequests', 'In-flight requests'],
];

export function QueuePanel() {
  const queue = useAppStore((s) => s.queue);
  return (
    <Panel title="Queue">
      {!queue ? (
        <Loading what="queue" />
      ) : (
        <dl className="facts facts--grid">
          {FIELDS.map(([key, label]) => (
            <div key={key}>
              <dt>{label}</dt>
              <dd className="num">{formatInt(queue[key])}</dd>
            </div>
          ))}
        </dl>
      )}
    </Panel>
  );
}
