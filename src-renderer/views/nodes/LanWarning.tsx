import type { NodeInfo } from '../../../shared/nodes.ts';

/** rpc-server's own warning for a non-loopback bind, with what it means. */
export function LanWarning({ node }: { node: Pick<NodeInfo, 'host' | 'rpcPort'> }) {
  return (
    <div className="banner banner--warn" role="note">
      <p className="mono small">
        WARNING: Host ('{node.host}') is != '127.0.0.1'<br />
        Never expose the RPC server to an open network!<br />
        This is an experimental feature and is not secure!
      </p>
      <p className="small">
        rpc-server has no authentication: anyone who can reach {node.host}:{node.rpcPort} can use its GPUs and read or write their
        memory. Use the SSH tunnel bind unless this network is trusted.
      </p>
    </div>
  );
}
