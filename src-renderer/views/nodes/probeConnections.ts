/** What rpc-server prints around each client it serves (ggml-rpc.cpp, ggml_backend_rpc_start_server). */
const ACCEPTED = 'Accepted client connection';
const CLOSED = 'Client connection closed';

export interface LogLine {
  text: string;
  /** A connection that opened and closed with nothing logged between: how Batchdeck's protocol probe looks. */
  probe: boolean;
}

/**
 * Marks the connect-and-close pairs of the log. rpc-server logs no client address, so a short connection is
 * told by its shape: "Accepted" directly followed by "closed". The engine's probe (HELLO, device memory) is
 * such a connection; a coordinator's connection stays open while it holds the node.
 */
export function markProbeConnections(lines: readonly string[]): LogLine[] {
  const out: LogLine[] = lines.map((text) => ({ text, probe: false }));
  for (let i = 0; i + 1 < out.length; i++) {
    if (out[i]!.text.trim().startsWith(ACCEPTED) && out[i + 1]!.text.trim().startsWith(CLOSED)) {
      out[i]!.probe = true;
      out[i + 1]!.probe = true;
      i++;
    }
  }
  return out;
}
