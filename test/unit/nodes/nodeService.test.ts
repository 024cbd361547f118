import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ChangeFeed } from '../../../src-main/core/events/changeFeed.ts';
import { NodeService } from '../../../src-main/core/nodes/nodeService.ts';
import { openDatabase, type Db } from '../../../src-main/core/store/database.ts';
import type { NodeInput } from '../../../shared/nodes.ts';
import { freePort } from '../../support/sshdHarness.ts';
import { testOperator } from '../../support/testOperator.ts';

let service: NodeService | null = null;
let db: Db | null = null;
/** A model and a llama-server the test's operator allows (they are never run here). */
const allowedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-nodeservice-'));
const allowedModel = path.join(allowedDir, 'm.gguf');
const allowedLlama = path.join(allowedDir, 'llama-server');
const keyFile = path.join(allowedDir, 'id_test');
fs.writeFileSync(allowedModel, 'GGUF');
fs.writeFileSync(allowedLlama, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
fs.writeFileSync(keyFile, 'not a key');
afterEach(async () => {
  await service?.close();
  db?.close();
  service = null;
  db = null;
});
afterAll(() => fs.rmSync(allowedDir, { recursive: true, force: true }));

function headless(): { service: NodeService; feed: ChangeFeed; events: string[] } {
  db = openDatabase(':memory:');
  const feed = new ChangeFeed();
  const events: string[] = [];
  feed.subscribe((name, payload) => events.push(`${name}:${(payload as { state?: string }).state ?? ''}`));
  service = new NodeService({
    db, feed, secrets: null,
    alerts: { raise: () => {}, clear: () => {} },
    registrar: { registerCoordinator: () => {}, unregisterCoordinator: () => {} },
    sshReadyTimeoutMs: 2000,
    operator: testOperator({ llamaServers: [allowedLlama] }),
  });
  return { service, feed, events };
}

async function node(name: string, patch: Partial<NodeInput> = {}): Promise<NodeInput> {
  // A closed loopback port: contact fails at once, which is all these tests need.
  return {
    name, host: '127.0.0.1', sshPort: await freePort(), user: 'ml', auth: { method: 'agent' }, rpcServerPath: '', rpcPort: 50052,
    devices: '', cache: false, bind: 'tunnel', acceptedHostKey: null, ...patch,
  };
}

describe('node service (no SSH needed)', () => {
  it('refuses password authentication in headless mode, where no secret can be stored', async () => {
    const { service } = headless();
    await expect(service.add(await node('pw', { auth: { method: 'password', password: 'hunter2' } })))
      .rejects.toThrow(/headless mode stores no secret. Use ssh-agent/);
    await expect(service.add(await node('pp', { auth: { method: 'key', keyPath: keyFile, passphrase: 'x' } })))
      .rejects.toThrow(/passphrase/);
    expect(service.list()).toEqual([]);
  });

  it('stores a node, reports an unreachable host on first contact, and pushes every change', async () => {
    const { service, events } = headless();
    const added = await service.add(await node('gpu-1'));
    expect(added.state).toBe('unreachable');
    expect(added.message).toMatch(/connection refused/);
    expect(events[0]).toBe('node.updated:unknown');
    expect(events.at(-1)).toBe('node.updated:unreachable');
    expect(service.snapshot().nodes.map((n) => n.name)).toEqual(['gpu-1']);
  });

  it('refuses a second node with the same name', async () => {
    const { service } = headless();
    await service.add(await node('twin'));
    await expect(service.add(await node('twin'))).rejects.toMatchObject({ code: 'conflict' });
  });

  it('says there is nothing to run the coordinator on when no node runs', async () => {
    const { service } = headless();
    await expect(service.startCoordinator({ model: allowedModel, extraArgs: [] })).rejects.toThrow(/No running node/);
    await expect(service.restartCoordinator()).rejects.toThrow(/has not been started/);
  });

  it('removes a node and tells the subscribers', async () => {
    const { service, events } = headless();
    const added = await service.add(await node('gone'));
    await service.remove(added.id);
    expect(service.list()).toEqual([]);
    expect(events.at(-1)).toBe('node.removed:');
    await expect(service.start(added.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});
