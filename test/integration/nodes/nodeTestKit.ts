import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Alert } from '../../../shared/engineState.ts';
import type { CoordinatorInfo, NodeInfo } from '../../../shared/nodes.ts';
import type { AlertSink } from '../../../src-main/core/events/alertSink.ts';
import { ChangeFeed } from '../../../src-main/core/events/changeFeed.ts';
import type { BackendRegistrar, SecretBox } from '../../../src-main/core/nodes/contracts.ts';
import { NodeService, type NodeServiceOptions } from '../../../src-main/core/nodes/nodeService.ts';
import { openDatabase, type Db } from '../../../src-main/core/store/database.ts';
import { testOperator } from '../../support/testOperator.ts';

/** Alerts as the operator would see them: one per key while it lasts. */
export class RecordingAlerts implements AlertSink {
  readonly active = new Map<string, Pick<Alert, 'key' | 'severity' | 'source' | 'message'>>();
  readonly raised: Pick<Alert, 'key' | 'severity' | 'source' | 'message'>[] = [];
  raise(alert: Pick<Alert, 'key' | 'severity' | 'source' | 'message'>): void {
    this.active.set(alert.key, alert);
    this.raised.push(alert);
  }
  clear(key: string): void {
    this.active.delete(key);
  }
}

export class RecordingRegistrar implements BackendRegistrar {
  readonly registered = new Map<string, string>();
  readonly history: string[] = [];
  registerCoordinator(input: { baseUrl: string; model: string }): void {
    this.registered.set(input.baseUrl, input.model);
    this.history.push(`register ${input.baseUrl}`);
  }
  unregisterCoordinator(baseUrl: string): void {
    this.registered.delete(baseUrl);
    this.history.push(`unregister ${baseUrl}`);
  }
}

/** Not encryption: a reversible stand-in for safeStorage that still proves nothing is stored in clear. */
export const testSecretBox: SecretBox = {
  encrypt: (plain) => Buffer.from(`sealed:${Buffer.from(plain).toString('base64')}`),
  decrypt: (cipher) => Buffer.from(cipher.toString().replace(/^sealed:/, ''), 'base64').toString(),
};

export interface Kit {
  service: NodeService;
  feed: ChangeFeed;
  db: Db;
  dir: string;
  alerts: RecordingAlerts;
  registrar: RecordingRegistrar;
  nodeEvents: NodeInfo[];
  coordinatorEvents: CoordinatorInfo[];
  close(options?: { keepFiles?: boolean }): Promise<void>;
}

/** A NodeService over a real SQLite file. Pass `dir` of a closed kit (keepFiles) to reopen its database, as an app restart would. */
export function makeKit(options: Partial<NodeServiceOptions> = {}, reuse?: { dir: string }): Kit {
  const dir = reuse?.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-nodes-'));
  const db = openDatabase(path.join(dir, 'batchdeck.sqlite'));
  const feed = new ChangeFeed();
  const nodeEvents: NodeInfo[] = [];
  const coordinatorEvents: CoordinatorInfo[] = [];
  feed.subscribe((name, payload) => {
    if (name === 'node.updated') nodeEvents.push(payload as NodeInfo);
    if (name === 'coordinator.updated') coordinatorEvents.push(payload as CoordinatorInfo);
  });
  const alerts = new RecordingAlerts();
  const registrar = new RecordingRegistrar();
  const service = new NodeService({
    db, feed, alerts, registrar, secrets: testSecretBox,
    probeIntervalMs: 500,
    probeTimeoutMs: 1_000,
    startTimeoutMs: 10_000,
    sshReadyTimeoutMs: 5_000,
    sshBackoffInitialMs: 200,
    sshBackoffMaxMs: 2_000,
    agentSocket: '',
    operator: testOperator(),
    ...options,
  });
  service.startReconciling();
  return {
    service, feed, db, dir, alerts, registrar, nodeEvents, coordinatorEvents,
    async close(closeOptions) {
      await service.close();
      if (db.open) db.close();
      if (!closeOptions?.keepFiles) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails saying what it waited for. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function nodeNamed(kit: Kit, name: string): NodeInfo {
  const n = kit.service.list().find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
}
