/** What went wrong with an SSH session, sorted by what the operator has to do about it. */
export type SshFailureKind =
  | 'host-key-unknown' // first contact: show the fingerprint, wait for the operator to accept it
  | 'host-key-changed' // refuse; show both fingerprints
  | 'auth' // the key, passphrase, password or agent was refused
  | 'unreachable' // nothing answered at host:port (refused, no route, name not found)
  | 'timeout' // the handshake or a command took too long
  | 'closed' // the connection dropped
  | 'other';

export class SshError extends Error {
  readonly kind: SshFailureKind;
  /** The fingerprint the host presented, when the failure is about the host key. */
  readonly presentedKey: string | null;
  constructor(kind: SshFailureKind, message: string, presentedKey: string | null = null) {
    super(message);
    this.name = 'SshError';
    this.kind = kind;
    this.presentedKey = presentedKey;
  }

  /** Host-key and authentication failures do not heal by retrying: reconnect attempts stop on them. */
  get permanent(): boolean {
    return this.kind === 'host-key-unknown' || this.kind === 'host-key-changed' || this.kind === 'auth';
  }
}

interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

/** Turns an ssh2 or socket error into an SshError whose message says what to do. */
export function classifySshError(err: unknown, where: string): SshError {
  const e = err as Ssh2Error;
  const msg = e?.message ?? String(err);
  if (e?.level === 'client-authentication') {
    return new SshError('auth', `${where}: authentication failed (${msg}). Check the user name, and that the key is in the node's authorized_keys, the password is right, or the agent holds the key.`);
  }
  if (/privateKey|passphrase|Encrypted private/i.test(msg)) {
    return new SshError('auth', `${where}: the private key could not be used (${msg}). Check the key file and its passphrase.`);
  }
  if (e?.level === 'client-timeout' || /timed out/i.test(msg)) {
    return new SshError('timeout', `${where}: the SSH handshake timed out. Is sshd running there, and is the port right?`);
  }
  const code = e?.code ?? '';
  if (code === 'ECONNREFUSED') {
    return new SshError('unreachable', `${where}: connection refused: nothing listens on that SSH port. Check the host and the SSH port, and that sshd runs on the node.`);
  }
  if (['EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE'].includes(code)) {
    return new SshError('unreachable', `${where}: the node cannot be reached (${code}: ${msg}). Check the host name or address and the network.`);
  }
  return new SshError('other', `${where}: ${msg}`);
}
