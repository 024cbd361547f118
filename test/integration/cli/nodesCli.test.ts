import { processAlive } from '../../support/processAlive.ts';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../support/batchApi.ts';
import { CLI, NODE24, REPO, startServe, type Spawned } from '../../support/processes.ts';
import { freePort, startSshd, sshdUnavailableReason, type SshdInstance } from '../../support/sshdHarness.ts';
import { writeStandinLlamaServer } from '../../support/standinLlamaServer.ts';

/**
 * `batchdeck nodes ...` and `batchdeck coordinator ...` as a script runs them: the real CLI in its own
 * process, against a real `batchdeck serve` (over POST /api/<request>) and a real OpenSSH sshd on loopback
 * whose sessions have the stand-in rpc-server on PATH.
 */

const unavailable = sshdUnavailableReason();
if (unavailable) console.warn(`skipping the nodes CLI tests: ${unavailable}`);

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const CLI_TIMEOUT_MS = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `batchdeck <group> <sub> --server URL [args]` to its end (killed after CLI_TIMEOUT_MS). */
function batchdeck(server: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const [group, sub, ...rest] = argv;
  const args = [CLI, group!, ...(sub ? [sub, '--server', server] : ['--server', server]), ...rest];
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('BATCHDECK_TOKEN' in env)) delete childEnv.BATCHDECK_TOKEN;
  return new Promise((resolve, reject) => {
    const child = spawn(NODE24, args, { cwd: REPO, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`batchdeck ${argv.join(' ')} did not finish within ${CLI_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`));
    }, CLI_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function json<T = unknown>(run: Run): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}


async function stopServe(serve: Spawned | undefined): Promise<void> {
  if (!serve) return;
  const late = new Promise<'late'>((r) => setTimeout(() => r('late'), 15_000).unref());
  if ((await Promise.race([serve.kill('SIGTERM'), late])) === 'late') await serve.kill('SIGKILL');
}

const NODE_SUMMARY_KEYS = ['devices', 'heldSince', 'host', 'latencyMs', 'name', 'state', 'stateSince', 'version'];
const COORDINATOR_KEYS = ['baseUrl', 'endpoints', 'model', 'pid', 'state'];

describe.skipIf(unavailable !== null)('batchdeck nodes / coordinator against a running batchdeck serve', () => {
  let sshd: SshdInstance;
  let serve: Spawned;
  let dir: string;
  let model: string;
  let llamaServer: string;

  beforeAll(async () => {
    // Two 16 GiB devices on the node, as its rpc-server reports them over the wire protocol.
    sshd = await startSshd({ rpcServerArgs: ['--devices', '2', '--mem-total', String(16 * GiB)] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-cli-nodes-'));
    model = path.join(dir, 'tiny-model.gguf');
    fs.writeFileSync(model, 'GGUF stand-in');
    llamaServer = writeStandinLlamaServer(dir, { loadingMs: 500 });
    // The machine's operator allows the stand-in llama-server, the models in dir and the test's key.
    serve = await startServe(['--data-dir', path.join(dir, 'data'), '--llama-server', llamaServer, '--models-dir', dir, '--ssh-keys-dir', path.dirname(sshd.keyPath)]);
  });
  afterAll(async () => {
    await stopServe(serve);
    await sshd?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const nodeFlags = (name: string, rpcPort: number) => [
    '--name', name, '--host', sshd.host, '--ssh-port', String(sshd.port), '--user', sshd.user, '--key', sshd.keyPath, '--rpc-port', String(rpcPort),
  ];
  const pidFile = (rpcPort: number) => path.join(sshd.homeDir, '.batchdeck', `rpc-server-${rpcPort}.pid`);

  it('adds a node with its host key accepted, starts it, lists it as JSON, runs the coordinator on it and stops everything', async () => {
    const run = (argv: string[]) => batchdeck(serve.url, argv);
    const rpcPort = await freePort();

    // Accepted up front (checked out of band): no prompt, the node is reached at once.
    const added = await run(['nodes', 'add', ...nodeFlags('cli-1', rpcPort), '--accept-host-key', sshd.hostKeyFingerprint, '--json']);
    expect(added.code, added.stdout + added.stderr).toBe(0);
    expect(json(added)).toEqual([expect.objectContaining({ name: 'cli-1', host: sshd.host, state: 'stopped', pendingHostKey: null })]);

    const started = await run(['nodes', 'start', 'cli-1', '--json']);
    expect(started.code, started.stdout + started.stderr).toBe(0);
    expect(json<{ state: string; version: string }[]>(started)[0]).toMatchObject({ state: 'running', version: '4.0.0' });
    expect(fs.existsSync(pidFile(rpcPort))).toBe(true);

    // The documented shape, and nothing else.
    const listed = await run(['nodes', 'list', '--json']);
    expect(listed.code).toBe(0);
    const nodes = json<Record<string, unknown>[]>(listed);
    expect(nodes).toHaveLength(1);
    expect(Object.keys(nodes[0]!).sort()).toEqual(NODE_SUMMARY_KEYS);
    expect(nodes[0]).toEqual({
      name: 'cli-1', host: sshd.host, state: 'running', stateSince: expect.any(Number), heldSince: null, version: '4.0.0',
      devices: [
        { index: 0, freeBytes: 16 * GiB - 256 * MiB, totalBytes: 16 * GiB },
        { index: 1, freeBytes: 16 * GiB - 512 * MiB, totalBytes: 16 * GiB },
      ],
      latencyMs: expect.any(Number),
    });
    expect(nodes[0]!.latencyMs as number).toBeGreaterThan(0);

    const text = await run(['nodes', 'list']);
    expect(text.stdout).toMatch(/^cli-1 .*running .*rpc v4\.0\.0 .*#0 16,128 MiB free of 16,384 MiB, #1 15,872 MiB free of 16,384 MiB/m);

    const probed = await run(['nodes', 'probe', 'cli-1', '--json']);
    expect(probed.code).toBe(0);
    expect(json(probed)).toMatchObject({ name: 'cli-1', ok: true, busy: false, version: '4.0.0', protocolMajor: 4 });

    const idle = await run(['coordinator', 'status', '--json']);
    expect(idle.code).toBe(0);
    expect(json(idle)).toEqual({ state: 'stopped', baseUrl: null, model: null, endpoints: [], pid: null });

    // --wait returns once llama-server is ready; what follows `--` goes to llama-server untouched.
    const coord = await run(['coordinator', 'start', '--model', model, '--llama-server', llamaServer, '--wait', '--json', '--', '-c', '2048']);
    expect(coord.code, coord.stdout + coord.stderr).toBe(0);
    const ready = json<Record<string, unknown>>(coord);
    expect(ready).toEqual({
      state: 'ready', baseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1$/), model,
      endpoints: [expect.stringMatching(/^127\.0\.0\.1:\d+$/)], pid: expect.any(Number),
    });
    const pid = ready.pid as number;
    try {
      const status = await run(['coordinator', 'status', '--json']);
      expect(status.code).toBe(0);
      const shown = json<Record<string, unknown>>(status);
      expect(Object.keys(shown).sort()).toEqual(COORDINATOR_KEYS);
      expect(shown).toEqual(ready);
      expect(processAlive(pid)).toBe(true);
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toEqual(expect.arrayContaining(['--rpc', (ready.endpoints as string[])[0]!, '-m', model, '-ngl', '99', '-c', '2048']));

      // It answers, and the engine took it as a backend serving its model.
      const models = (await (await fetch(`${ready.baseUrl as string}/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toEqual([model]);
      const backends = await api(serve.url)('backends.list', {});
      expect(backends).toContainEqual(expect.objectContaining({ kind: 'coordinator', baseUrl: ready.baseUrl, models: [model] }));

      // A node under the running coordinator is not stopped behind its back.
      const refused = await run(['nodes', 'stop', 'cli-1']);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/Stop the coordinator first/);
      expect((await run(['nodes', 'list', '--json'])).stdout).not.toMatch(/"state": "stopped"/);

      const stopped = await run(['coordinator', 'stop', '--json']);
      expect(stopped.code).toBe(0);
      expect(json(stopped)).toMatchObject({ state: 'stopped', pid: null });
    } finally {
      // Only if the CLI did not stop it: the stand-in, by the pid the engine reported.
      if (processAlive(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('standin-llama-server')) process.kill(pid, 'SIGKILL');
    }
    expect(processAlive(pid)).toBe(false);
    expect((await api(serve.url)('backends.list', {})).some((b) => b.kind === 'coordinator')).toBe(false);

    const nodeStopped = await run(['nodes', 'stop', 'cli-1', '--json']);
    expect(nodeStopped.code, nodeStopped.stdout).toBe(0);
    expect(json<{ state: string }[]>(nodeStopped)[0]!.state).toBe('stopped');
    expect(fs.existsSync(pidFile(rpcPort))).toBe(false);

    const removed = await run(['nodes', 'remove', 'cli-1', '--json']);
    expect(removed.code).toBe(0);
    expect(json(removed)).toMatchObject({ name: 'cli-1' });
    expect(json((await run(['nodes', 'list', '--json'])))).toEqual([]);
  });

  it('shows the host key on first contact, and refuses a node whose key differs from the one given', async () => {
    const run = (argv: string[]) => batchdeck(serve.url, argv);

    const first = await run(['nodes', 'add', ...nodeFlags('cli-new', await freePort())]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`host key presented: ${sshd.hostKeyFingerprint}`);
    expect(first.stdout).toContain(`batchdeck nodes accept-key cli-new ${sshd.hostKeyFingerprint}`);
    const accepted = await run(['nodes', 'accept-key', 'cli-new', sshd.hostKeyFingerprint, '--json']);
    expect(accepted.code).toBe(0);
    expect(json(accepted)).toEqual([expect.objectContaining({ name: 'cli-new', state: 'stopped', pendingHostKey: null })]);

    // A fingerprint that is not the host's: refused with both, exit status 1, nothing started.
    const wrong = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
    const rpcPort = await freePort();
    const refused = await run(['nodes', 'add', ...nodeFlags('cli-impostor', rpcPort), '--accept-host-key', wrong, '--json']);
    expect(refused.code).toBe(1);
    const [info] = json<{ state: string; message: string; pendingHostKey: string }[]>(refused);
    expect(info).toMatchObject({ state: 'error', pendingHostKey: sshd.hostKeyFingerprint });
    expect(info!.message).toContain(wrong);
    expect(info!.message).toContain(sshd.hostKeyFingerprint);
    const start = await run(['nodes', 'start', 'cli-impostor']);
    expect(start.code).toBe(1);
    expect(start.stdout).toMatch(/host key CHANGED/);
    expect(fs.existsSync(pidFile(rpcPort))).toBe(false);

    for (const name of ['cli-new', 'cli-impostor']) expect((await run(['nodes', 'remove', name])).code).toBe(0);
  });

  it('exits 2 on a usage mistake and 1 on a refused or failed request, saying why', async () => {
    const run = (argv: string[]) => batchdeck(serve.url, argv);

    const missing = await run(['nodes', 'add', '--name', 'x', '--user', 'u']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/nodes add needs --host/);
    expect(missing.stdout).toMatch(/Usage: batchdeck nodes/);
    expect((await run(['nodes', 'frobnicate'])).code).toBe(2);
    expect((await run(['nodes', 'start'])).code).toBe(2);
    expect((await run(['nodes', 'add', '--name', 'x', '--host', 'h', '--user', 'u', '--ssh-port', 'twenty-two'])).code).toBe(2);
    const noModel = await run(['coordinator', 'start']);
    expect(noModel.code).toBe(2);
    expect(noModel.stdout).toMatch(/needs --model PATH/);

    // The engine's own validation: a shell metacharacter in a field never gets as far as SSH.
    const invalid = await run(['nodes', 'add', '--name', 'x', '--host', 'h;reboot', '--user', 'u', '--json']);
    expect(invalid.code).toBe(1);
    expect(json(invalid)).toMatchObject({ error: { code: 'invalid_input', issues: [expect.objectContaining({ path: 'host' })] } });
    const unknown = await run(['nodes', 'probe', 'nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(/No node named nobody/);

    const noNode = await run(['coordinator', 'start', '--model', model, '--llama-server', llamaServer]);
    expect(noNode.code).toBe(1);
    expect(noNode.stdout).toMatch(/No running node to start the coordinator on/);

    // A start that fails says why on the node and in the exit status, and leaves nothing running.
    const rpcPort = await freePort();
    const bad = await run(['nodes', 'add', ...nodeFlags('cli-nobinary', rpcPort), '--rpc-server', '/nonexistent/rpc-server', '--accept-host-key', sshd.hostKeyFingerprint]);
    expect(bad.code).toBe(0);
    const failed = await run(['nodes', 'start', 'cli-nobinary']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/rpc-server not found at \/nonexistent\/rpc-server/);
    expect(fs.existsSync(pidFile(rpcPort))).toBe(false);
    expect((await run(['nodes', 'remove', 'cli-nobinary'])).code).toBe(0);

    // Nobody listening at --server.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await batchdeck(closed, ['nodes', 'list']);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain(`Could not reach Batchdeck at ${closed}`);
  });
});

describe.skipIf(unavailable !== null)('batchdeck nodes against a serve started with --token', () => {
  const TOKEN = 'cli-test-token-5f2c';
  let serve: Spawned;
  let sshd: SshdInstance;
  let dir: string;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-cli-token-'));
    serve = await startServe(['--data-dir', dir, '--token', TOKEN, '--ssh-keys-dir', path.dirname(sshd.keyPath)]);
  });
  afterAll(async () => {
    await stopServe(serve);
    await sshd?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is refused with 401 and a clear message without the token, and works with --token or BATCHDECK_TOKEN', async () => {
    const raw = await fetch(`${serve.url}/api/nodes.list`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(raw.status).toBe(401);

    const without = await batchdeck(serve.url, ['nodes', 'list', '--json']);
    expect(without.code).toBe(1);
    expect(json(without)).toEqual({ error: { code: 'unauthorized', message: `${serve.url} refused the request (401): pass --token T` } });
    const plain = await batchdeck(serve.url, ['coordinator', 'status']);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain('refused the request (401): pass --token T');
    const wrong = await batchdeck(serve.url, ['nodes', 'list', '--token', 'not-the-token']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('(401)');

    const added = await batchdeck(serve.url, ['nodes', 'add', '--token', TOKEN, '--name', 'tok-1', '--host', sshd.host, '--ssh-port', String(sshd.port),
      '--user', sshd.user, '--key', sshd.keyPath, '--rpc-port', String(await freePort()), '--accept-host-key', sshd.hostKeyFingerprint, '--json']);
    expect(added.code, added.stdout).toBe(0);
    expect(json(added)).toEqual([expect.objectContaining({ name: 'tok-1', state: 'stopped' })]);

    const viaFlag = await batchdeck(serve.url, ['nodes', 'list', '--token', TOKEN, '--json']);
    expect(viaFlag.code).toBe(0);
    expect(json<{ name: string }[]>(viaFlag).map((n) => n.name)).toEqual(['tok-1']);
    const viaEnv = await batchdeck(serve.url, ['coordinator', 'status', '--json'], { BATCHDECK_TOKEN: TOKEN });
    expect(viaEnv.code).toBe(0);
    expect(json(viaEnv)).toMatchObject({ state: 'stopped' });
    expect((await batchdeck(serve.url, ['nodes', 'remove', 'tok-1'], { BATCHDECK_TOKEN: TOKEN })).code).toBe(0);
  });
});
