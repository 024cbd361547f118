import type { NodeInfo } from '../../../shared/nodes.ts';
import { formatClock, formatDuration } from '../../format/time.ts';
import { useNow } from '../../hooks/useNow.ts';

/** How long a node has been out of reach (or in error), ticking; and since when the coordinator holds it. */
export function StateAge({ node }: { node: NodeInfo }) {
  if (node.state === 'busy' && node.heldSince != null) return <div className="small muted">held by the coordinator since {formatClock(node.heldSince)}</div>;
  if (node.state !== 'unreachable' && node.state !== 'error') return null;
  return <Ticking since={node.stateSince} />;
}

function Ticking({ since }: { since: number }) {
  const now = useNow();
  return <div className="small muted" data-testid="state-age">for {formatDuration((now - since) / 1000)}</div>;
}
