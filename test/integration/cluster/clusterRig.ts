import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RequestInput, Snapshot } from '../../../shared/contract/index.ts';
import { api, chatLines, downloadLines, submitText, waitFor } from '../../support/batchApi.ts';
import { tinyLlamaModelPath } from '../../support/gguf/tinyLlamaModel.ts';
import { requireLlamaBinaries, type LlamaBinaries } from '../../support/llamaBinaries.ts';
import { startNetnsCluster, type NetnsCluster, type NetnsNode } from '../../support/netns/netnsCluster.ts';
import { startServe, type Spawned } from '../../support/processes.ts';

/**
 * A real cluster for fault tests: two network-namespace hosts with their own sshd and the real rpc-server,
 * the real llama-server over them as the coordinator, driven by the engine as a separate
 * `batchdeck serve` process (so the engine itself can be killed), and a running batch against it.
 */

/** The alias llama-server serves the tiny model under; the batches ask for it. */
export const MODEL_ALIAS = 'tiny';
const RPC_PORT = 50052;

export interface ScenarioRow {
  fault: string;
  shown: string;
  recoverSeconds: number | null;
  exactlyOnce: string;
}

const TABLE = process.env.BATCHDECK_SCENARIO_TABLE ?? path.join(os.tmpdir(), 'batchdeck-cluster-scenarios.md');

/** The closing table of issue 9: one row per scenario run, appended to a file the report quotes. */
export function recordScenario(row: ScenarioRow): void {
  const line = `| ${row.fault} | ${row.shown.replace(/\|/g, '/').replace(/\n/g, ' ')} | ${row.recoverSeconds === null ? '-' : `${row.recoverSeconds.toFixed(1)} s`} | ${row.exactlyOnce} |\n`;
  fs.appendFileSync(TABLE, line);
}

type Call = ReturnType<typeof api>;

/** Distinct states Batchdeck showed while a fault lasted: coordinator, nodes, alerts. */
export class Timeline {
  readonly entries: { at: number; text: string }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private last = '';
  private readonly started = Date.now();

  start(snapshot: () => Promise<Snapshot>): void {
    const tick = async () => {
      try {
        const s = await snapshot();
        const text = [
          `coordinator ${s.coordinator.state}${s.coordinator.recovery ? ` [${s.coordinator.recovery.slice(0, 90).replace(/, /g, '+')}]` : ''}`,
          ...s.nodes.map((n) => `${n.name} ${n.state}`),
          ...s.alerts.map((a) => `alert ${a.key}`),
        ].join(', ');
        if (text !== this.last) {
          this.last = text;
          this.entries.push({ at: Date.now() - this.started, text });
        }
      } catch {
        // The engine is down (engine restart scenarios): nothing to show then.
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), 250);
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** States in the order they appeared, each once. */
  summary(): string {
    const seen: string[] = [];
    for (const e of this.entries) {
      for (const raw of e.text.split(', ')) {
        // "unreachable for 3 s", "for 4 s"...: one state, not one entry per second.
        const part = raw.replace(/ for \d+ s\)/g, ' for N s)').replace(/ at \d\d:\d\d:\d\d/g, '');
        if (!seen.includes(part) && !/ (running|ready)$/.test(part)) seen.push(part);
      }
    }
    return seen.join('; ');
  }
}

export class ClusterRig {
  readonly llama: LlamaBinaries;
  readonly net: NetnsCluster;
  readonly model: string;
  readonly dataDir: string;
  serve: Spawned | null = null;
  call!: Call;
  /** Every llama-server seen: one orphaned by a killed engine is ended in close(). */
  private readonly llamaPids = new Set<number>();

  private constructor(llama: LlamaBinaries, net: NetnsCluster, model: string, dataDir: string) {
    this.llama = llama;
    this.net = net;
    this.model = model;
    this.dataDir = dataDir;
  }

  static async create(): Promise<ClusterRig> {
    const llama = requireLlamaBinaries();
    const model = tinyLlamaModelPath();
    const net = await startNetnsCluster({ nodes: 2, rpcServer: { binary: llama.rpcServer } });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-cluster-'));
    return new ClusterRig(llama, net, model, dataDir);
  }

  get url(): string {
    if (!this.serve) throw new Error('the engine is not running');
    return this.serve.url;
  }

  /** `batchdeck serve` over this rig's data folder (a restart keeps its SQLite and desired state). */
  async startEngine(): Promise<void> {
    const keyDirs = [...new Set(this.net.nodes.map((n) => path.dirname(n.sshd.keyPath)))];
    this.serve = await startServe([
      '--data-dir', this.dataDir, '--llama-server', this.llama.llamaServer, '--models-dir', path.dirname(this.model),
      ...keyDirs.flatMap((d) => ['--ssh-keys-dir', d]),
    ], { SSH_AUTH_SOCK: '' });
    this.call = api(this.serve.url);
  }

  async stopEngine(signal: NodeJS.Signals): Promise<void> {
    await this.serve?.kill(signal);
    this.serve = null;
  }

  snapshot(): Promise<Snapshot> {
    return this.call('app.snapshot', {});
  }

  /** Adds both namespace hosts as nodes, their host keys accepted; `extra` adds to each node's settings. */
  async addNodes(extra: Partial<RequestInput<'nodes.add'>> = {}): Promise<void> {
    for (const n of this.net.nodes) {
      await this.call('nodes.add', {
        name: n.name, host: n.address, sshPort: n.sshd.port, user: n.sshd.user, auth: { method: 'key', keyPath: n.sshd.keyPath },
        acceptedHostKey: n.sshd.hostKeyFingerprint, ...extra,
      });
    }
  }

  /** Adds both nodes, starts rpc-server on them and the coordinator over them; resolves when it is ready. */
  async startCluster(options: { autoRecovery?: boolean } = {}): Promise<void> {
    await this.call('settings.update', { autoRecovery: options.autoRecovery ?? true });
    await this.addNodes({ rpcServerPath: '', rpcPort: RPC_PORT, devices: '', cache: false, bind: 'tunnel' });
    const nodes = await this.call('nodes.startAll', {});
    const notRunning = nodes.filter((n) => n.state !== 'running');
    if (notRunning.length) throw new Error(`nodes did not start: ${notRunning.map((n) => `${n.name}: ${n.state} ${n.message}`).join('; ')}`);
    await this.call('coordinator.start', { model: this.model, extraArgs: ['-c', '4096', '-np', '4', '-a', MODEL_ALIAS] });
    await this.coordinatorReady(120_000);
  }

  async coordinatorReady(timeoutMs: number, notPid?: number | null): Promise<Snapshot['coordinator']> {
    return waitFor('the coordinator to be ready (and registered as a backend)', async () => {
      const s = await this.snapshot();
      const c = s.coordinator;
      const registered = s.backends.some((b) => b.kind === 'coordinator' && b.health === 'up');
      if (c.pid) this.llamaPids.add(c.pid);
      return c.state === 'ready' && registered && (notPid === undefined || c.pid !== notPid) ? c : null;
    }, timeoutMs, 200);
  }

  /** `body` adds to every request's body, e.g. longer answers so a batch outlasts a fault's set-up. */
  async submit(n: number, name = 'cluster.jsonl', body: Record<string, unknown> = {}): Promise<string> {
    const content = chatLines(n, { model: MODEL_ALIAS, extra: () => ({ max_tokens: 4, temperature: 0, ...body }) });
    const batch = await submitText(this.url, { name, content });
    return batch.id;
  }

  async completed(batchId: string): Promise<number> {
    return (await this.call('batches.get', { id: batchId })).counts.completed;
  }

  async waitDone(batchId: string, timeoutMs: number): Promise<Awaited<ReturnType<Call>> & { status: string }> {
    return waitFor('the batch to complete', async () => {
      const b = await this.call('batches.get', { id: batchId });
      return b.status === 'completed' || b.status === 'failed' ? b : null;
    }, timeoutMs, 250) as never;
  }

  /** The custom_ids of the output file in order, and how many requests failed: the caller compares with the input. */
  async exactlyOnce(batchId: string): Promise<{ ids: string[]; failed: number }> {
    const b = await this.call('batches.get', { id: batchId });
    const out = b.outputFileId ? (await downloadLines(this.url, b.outputFileId)).map((l) => JSON.parse(l) as { custom_id: string }) : [];
    return { ids: out.map((l) => l.custom_id), failed: b.counts.failed };
  }

  async batchLog(batchId: string): Promise<string> {
    return (await this.call('batches.log', { id: batchId, limit: 1000 })).map((e) => `${e.level}: ${e.message}`).join('\n');
  }

  rpcServerPid(node: NetnsNode): number | null {
    return this.net.processes(node).find((p) => /(^|\/)(ggml-)?rpc-server( |$)/.test(p.cmdline))?.pid ?? null;
  }

  async close(): Promise<void> {
    try {
      if (this.serve) {
        await this.call('nodes.stopAll', {}).catch(() => undefined);
        await this.stopEngine('SIGTERM');
      }
    } finally {
      for (const pid of this.llamaPids) {
        try {
          if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('llama-server')) process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      for (const n of this.net.nodes) {
        const pid = this.rpcServerPid(n);
        if (pid) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
      }
      await this.net.cleanup();
      fs.rmSync(this.dataDir, { recursive: true, force: true });
    }
  }
}

export const expectedIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `req-${i}`);
