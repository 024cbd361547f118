import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoordinatorInfo } from '../../../shared/nodes.ts';
import { Coordinator } from '../../../src-main/core/nodes/coordinator.ts';
import { freePort } from '../../support/sshdHarness.ts';
import { writeStandinLlamaServer } from '../../support/standinLlamaServer.ts';
import { RecordingRegistrar, waitFor } from './nodeTestKit.ts';

/** The coordinator process on its own (no nodes): how its failures reach the operator. */
describe('llama-server process watching', () => {
  let dir: string;
  let llamaServer: string;
  let model: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-coord-'));
    llamaServer = writeStandinLlamaServer(dir, { loadingMs: 200 });
    model = path.join(dir, 'model.gguf');
    fs.writeFileSync(model, 'GGUF stand-in');
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function coordinator(): { c: Coordinator; exits: CoordinatorInfo[]; registrar: RecordingRegistrar } {
    const exits: CoordinatorInfo[] = [];
    const registrar = new RecordingRegistrar();
    const c = new Coordinator({ registrar, onChange: () => {}, onUnexpectedExit: (info) => exits.push(info), startupWaitMs: 10_000 });
    return { c, exits, registrar };
  }

  it('reports llama-server aborting (134) on an unreachable RPC endpoint, with the log line that says so', async () => {
    const { c, exits, registrar } = coordinator();
    const closed = await freePort();
    await c.start({ llamaServerPath: llamaServer, model, port: null, extraArgs: [], endpoints: [`127.0.0.1:${closed}`], nodeIds: ['n1'] });
    const info = await waitFor('the exit to be reported', () => exits[0]);
    expect(info.state).toBe('exited');
    expect(info.exitCode).toBe(134);
    expect(info.message).toContain(`Failed to connect to 127.0.0.1:${closed}`);
    expect(info.logTail.join('\n')).toContain('Failed to connect');
    expect(registrar.history).toEqual([]);
  });

  it('says llama-server was not found instead of failing silently', async () => {
    const { c } = coordinator();
    const info = await c.start({ llamaServerPath: path.join(dir, 'no-such-llama-server'), model, port: null, extraArgs: [], endpoints: [], nodeIds: [] });
    expect(info.state).toBe('error');
    expect(info.message).toMatch(/llama-server not found/);
  });

  it('shows the model loading error from the log when the model file is missing', async () => {
    const { c, exits } = coordinator();
    await c.start({ llamaServerPath: llamaServer, model: path.join(dir, 'missing.gguf'), port: null, extraArgs: [], endpoints: [], nodeIds: [] });
    const info = await waitFor('the exit to be reported', () => exits[0]);
    expect(info.exitCode).toBe(1);
    expect(info.message).toMatch(/failed to open GGUF file/);
    expect(info.logTail.join('\n')).toMatch(/exiting due to model loading error/);
  });

  it('refuses a port that is already in use on the workstation', async () => {
    const { c } = coordinator();
    const net = await import('node:net');
    const port = await freePort();
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r));
    try {
      const info = await c.start({ llamaServerPath: llamaServer, model, port, extraArgs: [], endpoints: [], nodeIds: [] });
      expect(info.state).toBe('error');
      expect(info.message).toMatch(new RegExp(`port ${port} .* in use`));
      expect(info.pid).toBeNull();
    } finally {
      holder.close();
    }
  });
});
