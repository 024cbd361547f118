import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCoordinatorCommand } from '../../../src-main/cli/coordinatorCommand.ts';
import { runNodesCommand } from '../../../src-main/cli/nodesCommand.ts';
import { Router, type Handlers } from '../../../src-main/core/events/router.ts';
import { freePort, startSshd, sshdUnavailableReason, type SshdInstance } from '../../support/sshdHarness.ts';
import { writeStandinLlamaServer } from '../../support/standinLlamaServer.ts';
import { makeKit, waitFor, type Kit } from './nodeTestKit.ts';
import { testOperator } from '../../support/testOperator.ts';

const unavailable = sshdUnavailableReason();
if (unavailable) console.warn(`skipping CLI tests: ${unavailable}`);

/**
 * The CLI against the contract over HTTP (`POST /api/<name>`, as `batchdeck serve` exposes it), with a
 * minimal server here so these tests do not depend on the real one.
 */
describe.skipIf(unavailable !== null)('batchdeck nodes / coordinator from a script', () => {
  let sshd: SshdInstance;
  let kit: Kit;
  let server: http.Server;
  let url: string;

  async function run(fn: typeof runNodesCommand, argv: string[]): Promise<{ code: number; text: string }> {
    const out: string[] = [];
    // Right after the subcommand: anything after `--` belongs to llama-server.
    const code = await fn([argv[0]!, '--server', url, ...argv.slice(1)], (s) => out.push(s));
    return { code, text: out.join('\n') };
  }

  beforeAll(async () => {
    sshd = await startSshd();
    kit = makeKit({ operator: testOperator({ llamaServers: [path.join(sshd.dir, 'llama-server')] }) });
    const router = new Router(kit.service.handlers() as Handlers);
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        const name = decodeURIComponent((req.url ?? '').replace(/^\/api\//, ''));
        void router.dispatch(name, body ? JSON.parse(body) : undefined).then((envelope) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(envelope));
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await kit?.close();
    await sshd?.stop();
  });

  it('adds a node, accepts its key, starts it, lists it as JSON, runs the coordinator and stops everything', async () => {
    const rpcPort = String(await freePort());
    const added = await run(runNodesCommand, ['add', '--name', 'cli-1', '--host', sshd.host, '--ssh-port', String(sshd.port), '--user', sshd.user,
      '--key', sshd.keyPath, '--rpc-port', rpcPort]);
    expect(added.text).toContain(`host key presented: ${sshd.hostKeyFingerprint}`);
    expect(added.text).toContain(`batchdeck nodes accept-key cli-1 ${sshd.hostKeyFingerprint}`);

    expect((await run(runNodesCommand, ['accept-key', 'cli-1', sshd.hostKeyFingerprint])).code).toBe(0);
    const started = await run(runNodesCommand, ['start', 'cli-1']);
    expect(started.code).toBe(0);
    expect(started.text).toMatch(/cli-1 .* running .* rpc v4\.0\.0/);

    const listed = await run(runNodesCommand, ['list', '--json']);
    expect(listed.code).toBe(0);
    const nodes = JSON.parse(listed.text) as unknown[];
    expect(nodes).toEqual([{
      name: 'cli-1', host: sshd.host, state: 'running', stateSince: expect.any(Number), heldSince: null, version: '4.0.0',
      devices: [{ index: 0, freeBytes: expect.any(Number), totalBytes: expect.any(Number) }], latencyMs: expect.any(Number),
    }]);

    const probed = await run(runNodesCommand, ['probe', 'cli-1']);
    expect(probed.code).toBe(0);
    expect(probed.text).toMatch(/rpc-server v4\.0\.0 answers in/);

    const model = path.join(sshd.dir, 'm.gguf');
    fs.writeFileSync(model, 'GGUF');
    const llama = writeStandinLlamaServer(sshd.dir, { loadingMs: 300 });
    const coord = await run(runCoordinatorCommand, ['start', '--model', model, '--llama-server', llama, '--wait', '--json', '--', '-c', '2048']);
    expect(coord.code, coord.text).toBe(0);
    const status = JSON.parse(coord.text) as Record<string, unknown>;
    expect(status).toEqual({
      state: 'ready', baseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1$/), model, endpoints: [expect.stringMatching(/^127\.0\.0\.1:\d+$/)], pid: expect.any(Number),
    });
    const shown = await run(runCoordinatorCommand, ['status']);
    expect(shown.text).toMatch(/coordinator: ready/);

    // Stopping a node under a running coordinator is refused with the reason.
    const refused = await run(runNodesCommand, ['stop', 'cli-1']);
    expect(refused.code).toBe(1);
    expect(refused.text).toMatch(/Stop the coordinator first/);

    expect((await run(runCoordinatorCommand, ['stop'])).code).toBe(0);
    const stopped = await run(runNodesCommand, ['stop', '--all', '--json']);
    expect(stopped.code).toBe(0);
    expect((JSON.parse(stopped.text) as { state: string }[])[0]?.state).toBe('stopped');
    expect((await run(runNodesCommand, ['remove', 'cli-1'])).code).toBe(0);
    await waitFor('the node list to be empty', () => kit.service.list().length === 0);
  });

  it('reports a failed start with exit status 1 and the reason', async () => {
    const bad = await run(runNodesCommand, ['add', '--name', 'cli-bad', '--host', sshd.host, '--ssh-port', String(sshd.port), '--user', sshd.user,
      '--key', sshd.keyPath, '--rpc-server', '/nonexistent/rpc-server', '--accept-host-key', sshd.hostKeyFingerprint]);
    expect(bad.code).toBe(0);
    const started = await run(runNodesCommand, ['start', 'cli-bad']);
    expect(started.code).toBe(1);
    expect(started.text).toMatch(/rpc-server not found at \/nonexistent\/rpc-server/);
    const invalid = await run(runNodesCommand, ['add', '--name', 'x', '--host', 'h;reboot', '--user', 'u']);
    expect(invalid.code).toBe(1);
    expect(invalid.text).toMatch(/host: host must be a hostname or an IP address/);
    expect((await run(runNodesCommand, ['probe', 'nobody'])).text).toMatch(/No node named nobody/);
  });
});
