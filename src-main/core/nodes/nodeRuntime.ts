import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import { ApiError } from '../../../shared/contract/index.ts';
import type { NodeInfo, NodeProbe, NodeState } from '../../../shared/nodes.ts';
import type { SecretBox } from './contracts.ts';
import type { LocalForward } from './localForward.ts';
import type { NodeRecord } from './nodeRepository.ts';
import { isProtocolMismatch, probeRpc, tcpConnector, type RpcConnector } from './rpcProbe.ts';
import { SshSession, type SessionStatus, type SshAuth } from './sshSession.ts';

export interface RuntimeDeps {
  secrets: SecretBox | null;
  agentSocket: string | undefined;
  sshReadyTimeoutMs: number;
  sshKeepaliveMs: number;
  sshBackoffInitialMs: number;
  sshBackoffMaxMs: number;
  probeTimeoutMs: number;
  /** The operator's allow-list for key files: the real path to read, or a 403 that says nothing of the file. */
  keyFile: (requested: string) => string;
  onSessionStatus: (rt: NodeRuntime, status: SessionStatus) => void;
}

/**
 * One node's live state next to its stored settings: what the UI shows (state, message, probe, pid, log
 * tail), and the SSH session and tunnel that reach it. Operations on one node run one at a time.
 */
export class NodeRuntime {
  record: NodeRecord;
  private currentState: NodeState = 'unknown';
  /** When the node entered its current state ("unreachable for 12 s"). */
  stateSince = Date.now();
  /** When the coordinator took this rpc-server's one connection; null while it does not hold it. */
  heldSince: number | null = null;
  /** The last probe that answered: what a busy node still shows (version, latency, device memory). */
  private lastAnswered: NodeProbe | null = null;
  message: string | null = null;
  pendingHostKey: string | null = null;
  pid: number | null = null;
  probe: NodeProbe | null = null;
  logTail: string[] = [];
  /** Why its rpc-server went down unasked (its process is gone...): the one down alert is written from it. */
  downCause: string | null = null;
  /** It was running when the SSH connection dropped: probe it again once the session is back. */
  wasRunning = false;
  session: SshSession | null = null;
  forward: LocalForward | null = null;
  private lanAddress: string | null = null;
  private lock: Promise<unknown> = Promise.resolve();
  busy = false;
  private readonly deps: RuntimeDeps;

  constructor(record: NodeRecord, deps: RuntimeDeps) {
    this.record = record;
    this.deps = deps;
  }

  get state(): NodeState {
    return this.currentState;
  }

  set state(next: NodeState) {
    if (next === this.currentState) return;
    this.currentState = next;
    this.stateSince = Date.now();
  }

  get where(): string {
    const r = this.record;
    // "node node1" reads as a stutter: a name that already says node is used alone.
    return `${/^node/i.test(r.name) ? '' : 'node '}${r.name} (${r.user}@${r.host}:${r.sshPort})`;
  }

  /** Runs one operation at a time on this node; later ones wait for earlier ones. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(async () => {
      this.busy = true;
      try {
        return await fn();
      } finally {
        this.busy = false;
      }
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  toInfo(coordinatorMajor: number | null): NodeInfo {
    const r = this.record;
    return {
      id: r.id,
      name: r.name,
      host: r.host,
      sshPort: r.sshPort,
      user: r.user,
      authMethod: r.authMethod,
      rpcServerPath: r.rpcServerPath,
      rpcPort: r.rpcPort,
      devices: r.devices,
      cache: r.cache,
      bind: r.bind,
      acceptedHostKey: r.acceptedHostKey,
      pendingHostKey: this.pendingHostKey,
      state: this.state,
      stateSince: this.stateSince,
      heldSince: this.heldSince,
      message: this.message,
      endpoint: this.endpoint,
      pid: this.pid,
      probe: this.probe,
      versionMismatch: isProtocolMismatch(this.probe, coordinatorMajor),
      logTail: this.logTail,
    };
  }

  /** Where the coordinator reaches this rpc-server: the local tunnel end, or the node's LAN address. */
  get endpoint(): string | null {
    if (this.record.bind === 'lan') return `${this.lanAddress ?? this.record.host}:${this.record.rpcPort}`;
    return this.forward ? this.forward.endpoint : null;
  }

  /** The address rpc-server binds: 127.0.0.1 behind the tunnel, or the node's IPv4 address on the LAN. */
  async bindHost(): Promise<string> {
    if (this.record.bind === 'tunnel') return '127.0.0.1';
    return this.resolveLan();
  }

  private async resolveLan(): Promise<string> {
    if (this.lanAddress) return this.lanAddress;
    const host = this.record.host;
    if (net.isIPv4(host)) {
      this.lanAddress = host;
      return host;
    }
    try {
      // rpc-server takes a numeric IPv4 address (inet_addr), so a host name is resolved here.
      const { address } = await dns.lookup(host, { family: 4 });
      this.lanAddress = address;
      return address;
    } catch (err) {
      throw new ApiError({ code: 'unavailable', message: `${this.where}: cannot resolve ${host} to an IPv4 address for LAN mode (${(err as Error).message}). Use the tunnel mode or an IPv4 address.` });
    }
  }

  sessionOrCreate(): SshSession {
    if (this.session) return this.session;
    const r = this.record;
    const session = new SshSession({
      target: { host: r.host, port: r.sshPort, user: r.user, label: r.name },
      auth: this.auth(),
      expectedHostKey: r.acceptedHostKey,
      readyTimeoutMs: this.deps.sshReadyTimeoutMs,
      keepaliveIntervalMs: this.deps.sshKeepaliveMs,
      backoffInitialMs: this.deps.sshBackoffInitialMs,
      backoffMaxMs: this.deps.sshBackoffMaxMs,
      onStatus: (s) => {
        if (this.session === session) this.deps.onSessionStatus(this, s);
      },
    });
    this.session = session;
    return session;
  }

  /** The tunnel (tunnel mode): a local port forwarded to 127.0.0.1:rpcPort on the node, kept across reconnects. */
  async ensureEndpoint(session: SshSession): Promise<string> {
    if (this.record.bind === 'lan') {
      await this.resolveLan();
      return this.endpoint!;
    }
    if (!this.forward) this.forward = await session.forwardLocal(this.record.rpcPort);
    return this.forward.endpoint;
  }

  connector(session: SshSession): RpcConnector {
    if (this.record.bind === 'lan') return tcpConnector(this.lanAddress ?? this.record.host, this.record.rpcPort, this.deps.probeTimeoutMs);
    // Straight through an SSH channel: a refusal on the node comes back as ECONNREFUSED.
    return () => session.openChannel('127.0.0.1', this.record.rpcPort, this.deps.probeTimeoutMs * 2);
  }

  async runProbe(session: SshSession): Promise<NodeProbe> {
    const r = this.record;
    const label = r.bind === 'lan' ? `rpc-server on ${r.name} (${this.endpoint})` : `rpc-server on ${r.name} (127.0.0.1:${r.rpcPort} on the node, via SSH)`;
    const probe = await probeRpc({ connect: this.connector(session), label, timeoutMs: this.deps.probeTimeoutMs });
    this.recordProbe(probe);
    return probe;
  }

  /** Keeps what the last answering probe learnt when this one could not ask (busy): the UI shows the last known. */
  recordProbe(probe: NodeProbe): void {
    if (probe.ok) this.lastAnswered = probe;
    this.probe = !probe.ok && probe.busy && this.lastAnswered
      ? { ...this.lastAnswered, ok: false, busy: true, error: probe.error, at: probe.at }
      : probe;
  }

  /** The last known probe marked busy: used while the coordinator holds rpc-server and no probe may be sent. */
  heldProbe(note: string): NodeProbe {
    const last = this.lastAnswered ?? this.probe;
    return {
      ok: false, busy: true, version: last?.version ?? null, protocolMajor: last?.protocolMajor ?? null,
      devices: last?.devices ?? [], latencyMs: last?.latencyMs ?? null, error: note,
      // When these values were measured, not now: the window says "as last probed at".
      at: last?.at ?? Date.now(),
    };
  }

  /** Closes the session and the tunnel; the next operation opens fresh ones (new settings, new host key). */
  dropSession(): void {
    this.forward?.close();
    this.forward = null;
    this.session?.close();
    this.session = null;
    this.lanAddress = null;
  }

  private auth(): SshAuth {
    const r = this.record;
    if (r.authMethod === 'agent') return { method: 'agent', agentSocket: this.deps.agentSocket };
    const secret = r.secret ? this.decrypt(r.secret) : undefined;
    if (r.authMethod === 'password') {
      if (!secret) throw new ApiError({ code: 'invalid_input', message: `${this.where}: password authentication is set but no password is stored. Edit the node and enter it again.` });
      return { method: 'password', password: secret };
    }
    // Checked again at each read: a node stored before the allow-list, or a folder no longer allowed.
    const keyPath = this.deps.keyFile(r.keyPath ?? '');
    let privateKey: Buffer;
    try {
      privateKey = fs.readFileSync(keyPath);
    } catch (err) {
      throw new ApiError({ code: 'invalid_input', message: `${this.where}: cannot read the key file ${r.keyPath} on this workstation (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Check the path.` });
    }
    return { method: 'key', privateKey, passphrase: secret };
  }

  private decrypt(cipher: Buffer): string {
    if (!this.deps.secrets) {
      throw new ApiError({ code: 'unavailable', message: `${this.where}: its password or passphrase was stored encrypted by the desktop app and cannot be read in headless mode. Use ssh-agent or an unencrypted key file for this node.` });
    }
    return this.deps.secrets.decrypt(cipher);
  }
}
