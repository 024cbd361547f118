import type { NodeInfo } from '../../../shared/nodes.ts';
import { useApi } from '../../api/ApiContext.tsx';
import { useAction } from '../../api/useAction.ts';
import { applyLocally } from '../../store/applyLocally.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';

/**
 * First contact shows the SSH host key's SHA256 fingerprint for the operator to check and accept; a key
 * that changed is refused by the engine and shown next to the accepted one.
 */
export function HostKeyPrompt({ node }: { node: NodeInfo }) {
  const api = useApi();
  const accept = useAction(async (fingerprint: string) => applyLocally('node.updated', await api.invoke('nodes.acceptHostKey', { id: node.id, fingerprint })));
  const pending = node.pendingHostKey;
  if (!pending) return null;
  const changed = node.acceptedHostKey !== null && node.acceptedHostKey !== pending;
  return (
    <div className={`banner ${changed ? 'banner--bad' : 'banner--warn'} host-key`} role={changed ? 'alert' : 'status'}>
      {changed ? (
        <p>
          <strong>The SSH host key of {node.host} changed.</strong> Batchdeck refuses to connect. Accepted:{' '}
          <code>{node.acceptedHostKey}</code>; now offered: <code className="host-key__fp">{pending}</code>. Accept the new key only if
          you know why it changed (the node was reinstalled); otherwise someone may be intercepting the connection.
        </p>
      ) : (
        <p>
          First connection to <strong>{node.host}</strong>. Its SSH host key fingerprint is{' '}
          <code className="host-key__fp">{pending}</code>. Compare it with <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>{' '}
          on the node before accepting.
        </p>
      )}
      <button type="button" className={`btn btn--small${changed ? ' btn--danger' : ' btn--primary'}`} aria-label={`Accept host key of ${node.name}`} disabled={accept.pending} onClick={() => void accept.run(pending)}>
        Accept host key
      </button>
      <ErrorMessage error={accept.error} onDismiss={accept.clearError} title="Host key not accepted" />
    </div>
  );
}
