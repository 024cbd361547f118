import ssh2 from 'ssh2';
import type { Client as Ssh2Client, ClientChannel, ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import { sameFingerprint, sha256Fingerprint } from './hostKey.ts';
import { SshError, classifySshError } from './sshErrors.ts';
import { LocalForward } from './localForward.ts';

const { Client } = ssh2;

export type SshAuth =
  | { method: 'agent'; agentSocket: string | undefined }
  | { method: 'key'; privateKey: Buffer; passphrase?: string | undefined }
  | { method: 'password'; password: string };

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** The node's name, for messages. */
  label: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  signal?: string;
}

export type SessionState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'failed' | 'closed';

export interface SessionStatus {
  state: SessionState;
  error: SshError | null;
  /** While reconnecting: the attempt number and when the next one starts. */
  attempt: number;
  retryInMs: number | null;
}

export interface SshSessionOptions {
  target: SshTarget;
  auth: SshAuth;
  /** The fingerprint the operator accepted; null refuses every key and reports what was presented. */
  expectedHostKey: string | null;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  onStatus?: (status: SessionStatus) => void;
}

const MAX_OUTPUT = 4 * 1024 * 1024;

/**
 * One SSH connection to one node (ssh2). Verifies the host key against the accepted fingerprint, runs
 * commands, opens channels for the RPC tunnel, and reopens itself with exponential backoff when the
 * connection drops, until a failure that retrying cannot fix (host key, authentication) or close().
 */
export class SshSession {
  private readonly opts: SshSessionOptions;
  private client: Ssh2Client | null = null;
  private connecting: Promise<Ssh2Client> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private closed = false;
  private readonly forwards = new Set<LocalForward>();
  private status: SessionStatus = { state: 'idle', error: null, attempt: 0, retryInMs: null };
  /** The fingerprint the host presented on the last contact. */
  presentedHostKey: string | null = null;

  constructor(opts: SshSessionOptions) {
    this.opts = opts;
  }

  get where(): string {
    const t = this.opts.target;
    return `SSH to ${t.label} (${t.user}@${t.host}:${t.port})`;
  }

  get state(): SessionState {
    return this.status.state;
  }

  get lastError(): SshError | null {
    return this.status.error;
  }

  /** Connects now if not connected (also cutting a backoff wait short); resolves when ready. */
  async ready(): Promise<Ssh2Client> {
    if (this.closed) throw new SshError('closed', `${this.where}: the session was closed`);
    if (this.client) return this.client;
    if (this.connecting) return this.connecting;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.connecting = this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** Runs a command through the node's login shell. Aborting closes the channel and rejects with ABORT_ERR. */
  async exec(command: string, options: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<ExecResult> {
    const client = await this.ready();
    return new Promise<ExecResult>((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err) {
          reject(classifySshError(err, `${this.where}, command ${summarize(command)}`));
          return;
        }
        const onAbort = () => {
          clearTimeout(timer);
          stream.close();
          reject(Object.assign(new Error(`${this.where}: command ${summarize(command)} was cancelled`), { code: 'ABORT_ERR' }));
        };
        if (options.signal?.aborted) {
          stream.close();
          reject(Object.assign(new Error(`${this.where}: command ${summarize(command)} was cancelled`), { code: 'ABORT_ERR' }));
          return;
        }
        options.signal?.addEventListener('abort', onAbort, { once: true });
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let outLen = 0;
        let exitCode: number | null = null;
        let signal: string | null = null;
        const timer = setTimeout(() => {
          stream.close();
          reject(new SshError('timeout', `${this.where}: command ${summarize(command)} did not finish within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
        const collect = (into: Buffer[]) => (d: Buffer) => {
          if (outLen < MAX_OUTPUT) into.push(d);
          outLen += d.length;
        };
        stream.on('data', collect(out));
        stream.stderr.on('data', collect(errOut));
        stream.on('exit', (code: number | null, sig?: string) => {
          exitCode = code;
          signal = sig ?? null;
        });
        stream.on('close', () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          resolve({
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(errOut).toString('utf8'),
            // A command killed by a signal (or a dropped channel) reports no code: 255, as ssh(1) does.
            exitCode: exitCode ?? 255,
            ...(signal ? { signal } : {}),
          });
        });
      });
    });
  }

  /**
   * A channel to dstHost:dstPort as seen from the node (ssh -L without the listening socket). Rejects with
   * code ECONNREFUSED when nothing listens there, so the probe can say "down".
   */
  async openChannel(dstHost: string, dstPort: number, timeoutMs = 10_000): Promise<Duplex> {
    const client = await this.ready();
    return new Promise<Duplex>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SshError('timeout', `${this.where}: opening a channel to ${dstHost}:${dstPort} timed out`)), timeoutMs);
      client.forwardOut('127.0.0.1', 0, dstHost, dstPort, (err, channel: ClientChannel) => {
        clearTimeout(timer);
        if (err) {
          const refused = (err as { reason?: number }).reason === 2 || /refused/i.test(err.message);
          reject(Object.assign(new Error(`${this.where}: ${dstHost}:${dstPort} on the node: ${err.message}`), refused ? { code: 'ECONNREFUSED' } : {}));
          return;
        }
        resolve(channel);
      });
    });
  }

  /** A local listening port on 127.0.0.1 whose connections reach 127.0.0.1:dstPort on the node. */
  async forwardLocal(dstPort: number): Promise<LocalForward> {
    const fwd = new LocalForward(() => this.openChannel('127.0.0.1', dstPort));
    await fwd.listen();
    this.forwards.add(fwd);
    fwd.onClose(() => this.forwards.delete(fwd));
    return fwd;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const f of [...this.forwards]) f.close();
    const c = this.client;
    this.client = null;
    c?.end();
    this.setStatus({ state: 'closed', error: null, attempt: 0, retryInMs: null });
  }

  private setStatus(s: SessionStatus): void {
    this.status = s;
    this.opts.onStatus?.(s);
  }

  private open(): Promise<Ssh2Client> {
    const reconnecting = this.status.state === 'reconnecting';
    if (!reconnecting) this.setStatus({ state: 'connecting', error: null, attempt: 0, retryInMs: null });
    return new Promise<Ssh2Client>((resolve, reject) => {
      const client = new Client();
      let settled = false;
      let hostKeyProblem: SshError | null = null;
      const fail = (err: SshError) => {
        if (settled) return;
        settled = true;
        client.end();
        if (this.closed) {
          reject(err);
          return;
        }
        if (reconnecting && !err.permanent) this.scheduleRetry(err);
        else this.setStatus({ state: 'failed', error: err, attempt: this.attempt, retryInMs: null });
        reject(err);
      };
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        if (this.closed) {
          client.end();
          reject(new SshError('closed', `${this.where}: the session was closed`));
          return;
        }
        // RPC frames are small request/reply pairs: Nagle plus delayed ACKs would add ~40 ms to each.
        client.setNoDelay(true);
        this.client = client;
        this.attempt = 0;
        this.setStatus({ state: 'ready', error: null, attempt: 0, retryInMs: null });
        resolve(client);
      });
      client.on('error', (err) => {
        let e = hostKeyProblem ?? classifySshError(err, this.where);
        if (e.kind === 'auth' && this.opts.auth.method === 'agent' && !this.opts.auth.agentSocket) {
          e = new SshError('auth', `${this.where}: agent authentication needs an ssh-agent, and SSH_AUTH_SOCK is not set in Batchdeck's environment. Start an agent and add the key (ssh-add), or use a key file.`);
        }
        fail(e);
      });
      client.on('close', () => {
        if (!settled) {
          fail(hostKeyProblem ?? new SshError('closed', `${this.where}: the server closed the connection during the handshake`));
          return;
        }
        if (this.client === client) {
          this.client = null;
          if (!this.closed) this.scheduleRetry(new SshError('closed', `${this.where}: the connection dropped`));
        }
      });

      const config: ConnectConfig = {
        host: this.opts.target.host,
        port: this.opts.target.port,
        username: this.opts.target.user,
        readyTimeout: this.opts.readyTimeoutMs ?? 10_000,
        keepaliveInterval: this.opts.keepaliveIntervalMs ?? 5_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          const presented = sha256Fingerprint(key);
          this.presentedHostKey = presented;
          const expected = this.opts.expectedHostKey;
          if (expected === null) {
            hostKeyProblem = new SshError('host-key-unknown',
              `${this.where}: the host key is not accepted yet. The host presented ${presented}; compare it with ` +
              '`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` run on the node, then accept it.', presented);
            return false;
          }
          if (!sameFingerprint(expected, presented)) {
            hostKeyProblem = new SshError('host-key-changed',
              `${this.where}: the host key CHANGED. Accepted: ${expected}; presented now: ${presented}. ` +
              'Refusing to connect: the node was reinstalled, or something is in the middle. Verify the new key on the node before accepting it.', presented);
            return false;
          }
          return true;
        },
      };
      const auth = this.opts.auth;
      if (auth.method === 'agent') {
        // Without an agent the handshake still runs (so a new host key is still shown); auth then fails.
        if (auth.agentSocket) config.agent = auth.agentSocket;
      } else if (auth.method === 'key') {
        config.privateKey = auth.privateKey;
        if (auth.passphrase) config.passphrase = auth.passphrase;
      } else {
        config.password = auth.password;
      }
      try {
        client.connect(config);
      } catch (err) {
        fail(classifySshError(err, this.where));
      }
    });
  }

  private scheduleRetry(err: SshError): void {
    if (this.closed) return;
    this.attempt += 1;
    const initial = this.opts.backoffInitialMs ?? 500;
    const max = this.opts.backoffMaxMs ?? 30_000;
    const delay = Math.min(max, initial * 2 ** (this.attempt - 1));
    this.setStatus({ state: 'reconnecting', error: err, attempt: this.attempt, retryInMs: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.ready().catch(() => {
        // open() already scheduled the next attempt or recorded a permanent failure.
      });
    }, delay);
    this.retryTimer.unref();
  }
}

function summarize(command: string): string {
  const oneLine = command.replace(/\s+/g, ' ').trim();
  return JSON.stringify(oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine);
}
