import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, NODE24, REPO, startServe, type Spawned } from '../../support/processes.ts';
import { freePort, startSshd, sshdUnavailableReason, type SshdInstance } from '../../support/sshdHarness.ts';
import { writeStandinLlamaServer } from '../../support/standinLlamaServer.ts';
import { spawnSync } from 'node:child_process';

/*
 * Issue 8, item 2: "the machine's operator allows, the API chooses". A real `batchdeck serve --token` on
 * loopback, started with --llama-server / --models-dir / --ssh-keys-dir, attacked by a client that holds the
 * token (the worst case: a leaked token or a bypass of it). A real sshd with a stand-in rpc-server gives it a
 * running node, so without the allow-list every refused request below would have run a program.
 */

const unavailable = sshdUnavailableReason();
if (unavailable) console.warn(`skipping the operator allow-list attacks: ${unavailable}`);

const TOKEN = 'operator-allow-list-test-token';

interface Reply {
  status: number;
  body: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}

async function call(url: string, name: string, input: unknown): Promise<Reply> {
  const res = await fetch(`${url}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

/** One request over the WebSocket transport, as the browser window sends it. */
function overWs(url: string, name: string, input: unknown): Promise<Reply['body']> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer to ${name} over the WebSocket`));
    }, 10_000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'request', id: 1, name, input })));
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { type: string; id?: number; response?: Reply['body'] };
      if (msg.type !== 'response' || msg.id !== 1) return;
      clearTimeout(timer);
      ws.close();
      resolve(msg.response!);
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** The refusal with the requested path taken out: what it reveals about the file itself. */
function shape(reply: Reply, requested: string): string {
  const message = reply.body.error?.message ?? '';
  return `${reply.status} ${reply.body.error?.code}: ${message.split(requested).join('<path>').split(path.dirname(requested)).join('<dir>')}`;
}

describe.skipIf(unavailable !== null)('a token holder cannot make serve run a program or read a file the operator did not allow', () => {
  let sshd: SshdInstance;
  let serve: Spawned;
  let dir: string;
  let models: string;
  let outside: string;
  let llamaServer: string;
  let evil: string;
  let marker: string;
  let model: string;
  let nodeId: string;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-operator-')));
    models = path.join(dir, 'models');
    outside = path.join(dir, 'outside');
    fs.mkdirSync(models);
    fs.mkdirSync(outside);
    model = path.join(models, 'tiny.gguf');
    fs.writeFileSync(model, 'GGUF stand-in');
    fs.writeFileSync(path.join(outside, 'secret.gguf'), 'not for the API');
    fs.symlinkSync(path.join(outside, 'secret.gguf'), path.join(models, 'link-to-secret.gguf'));
    fs.symlinkSync(path.join(outside, 'nothing.gguf'), path.join(models, 'link-to-nothing.gguf'));
    fs.mkdirSync(path.join(dir, 'bin'));
    llamaServer = writeStandinLlamaServer(path.join(dir, 'bin'), { loadingMs: 200 });
    // A program the attacker would like run: it leaves a marker file if it ever is.
    marker = path.join(dir, 'PWNED');
    evil = path.join(outside, 'evil.sh');
    fs.writeFileSync(evil, `#!/bin/sh\ntouch '${marker}'\nsleep 30\n`, { mode: 0o755 });

    serve = await startServe(['--data-dir', path.join(dir, 'data'), '--token', TOKEN,
      '--llama-server', llamaServer, '--models-dir', models, '--ssh-keys-dir', path.dirname(sshd.keyPath)]);
    const added = await call(serve.url, 'nodes.add', {
      name: 'gpu-1', host: sshd.host, sshPort: sshd.port, user: sshd.user, auth: { method: 'key', keyPath: sshd.keyPath },
      rpcPort: await freePort(), acceptedHostKey: sshd.hostKeyFingerprint,
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    nodeId = (added.body.value as { id: string }).id;
    const started = await call(serve.url, 'nodes.start', { id: nodeId });
    expect((started.body.value as { state: string } | undefined)?.state, JSON.stringify(started.body)).toBe('running');
  });
  afterAll(async () => {
    if (serve) {
      await call(serve.url, 'coordinator.stop', {}).catch(() => undefined);
      await call(serve.url, 'nodes.stopAll', {}).catch(() => undefined);
      await serve.kill('SIGTERM');
    }
    await sshd?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a llama-server that is not the allowed one with 403 naming --llama-server, and runs nothing', async () => {
    const refused = await call(serve.url, 'coordinator.start', { model, llamaServerPath: evil, extraArgs: [] });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({
      code: 'forbidden',
      message: `llama-server ${evil} is not allowed on this machine: start serve with --llama-server ${evil} (in the desktop app: Settings, Allowed on this machine)`,
    });
    for (const program of ['/bin/sh', path.join(outside, 'missing-program'), `${models}/../outside/evil.sh`]) {
      expect((await call(serve.url, 'coordinator.start', { model, llamaServerPath: program, extraArgs: [] })).status).toBe(403);
    }
    const ws = await overWs(serve.url, 'coordinator.start', { model, llamaServerPath: evil, extraArgs: [] });
    expect(ws.error?.code).toBe('forbidden');
    await new Promise((r) => setTimeout(r, 300));
    expect(fs.existsSync(marker)).toBe(false);
    expect((await call(serve.url, 'coordinator.status', {})).body.value).toMatchObject({ state: 'stopped', pid: null });
  });

  it('refuses a model outside the models folder with the same 403 whether the file exists or not, through links too', async () => {
    const attempts = [
      path.join(outside, 'secret.gguf'),
      path.join(outside, 'nothing.gguf'),
      outside,
      '/etc/passwd',
      '/etc/no-such-file',
      path.join(models, 'link-to-secret.gguf'),
      path.join(models, 'link-to-nothing.gguf'),
    ];
    const shapes = new Set<string>();
    for (const requested of attempts) {
      const reply = await call(serve.url, 'coordinator.start', { model: requested, extraArgs: [] });
      shapes.add(shape(reply, requested));
    }
    expect([...shapes]).toEqual([
      '403 forbidden: Model <path> is not in a folder allowed on this machine: start serve with --models-dir <dir> (in the desktop app: Settings, Allowed on this machine)',
    ]);
    // Inside the allowed folder the usual help is given.
    const missing = await call(serve.url, 'coordinator.start', { model: path.join(models, 'missing.gguf'), extraArgs: [] });
    expect(missing.status).toBe(400);
    expect(missing.body.error?.message).toMatch(/does not exist in/);
    expect((await call(serve.url, 'coordinator.status', {})).body.value).toMatchObject({ state: 'stopped', pid: null });
  });

  it('refuses llama-server flags that read or write files, naming the flag, and writes no file', async () => {
    const log = path.join(dir, 'attacker.log');
    for (const extraArgs of [['--log-file', log], ['--slot-save-path', dir], ['-c', '4096', '--chat-template-file', '/etc/passwd'], ['-m', '/etc/passwd'], ['--rpc', '127.0.0.1:1'], ['--host', '0.0.0.0']]) {
      const reply = await call(serve.url, 'coordinator.start', { model, extraArgs });
      expect(reply.status).toBe(403);
      expect(reply.body.error?.message).toContain(`llama-server flag ${extraArgs.find((a) => a.startsWith('-') && a !== '-c')} is not allowed from the API`);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(fs.existsSync(log)).toBe(false);
    expect((await call(serve.url, 'coordinator.status', {})).body.value).toMatchObject({ state: 'stopped', pid: null });
  });

  it('refuses a key file outside the keys folders with the same 403 whether it exists or not, and stores no node', async () => {
    const base = { host: sshd.host, sshPort: sshd.port, user: sshd.user, rpcPort: await freePort() };
    const shapes = new Set<string>();
    for (const [i, keyPath] of [path.join(outside, 'secret.gguf'), path.join(outside, 'id_missing'), outside, '/etc/shadow', '/root/.ssh/nope'].entries()) {
      const reply = await call(serve.url, 'nodes.add', { ...base, name: `evil-${i}`, auth: { method: 'key', keyPath } });
      shapes.add(shape(reply, keyPath));
    }
    expect([...shapes]).toEqual([
      '403 forbidden: Key file <path> is not in a folder allowed on this machine: start serve with --ssh-keys-dir <dir> (in the desktop app: Settings, Allowed on this machine)',
    ]);
    const update = await call(serve.url, 'nodes.update', { id: nodeId, auth: { method: 'key', keyPath: '/etc/shadow' } });
    expect(update.status).toBe(403);
    const nodes = (await call(serve.url, 'nodes.list', {})).body.value as { name: string; state: string }[];
    expect(nodes.map((n) => [n.name, n.state])).toEqual([['gpu-1', 'running']]);
  });

  it('shows clients what is allowed, and never lets them widen it', async () => {
    const list = await call(serve.url, 'operator.allowList', {});
    expect(list.body.value).toMatchObject({ llamaServers: [llamaServer], modelsDirs: [models], sshKeysDirs: [path.dirname(sshd.keyPath)] });
    const pick = await call(serve.url, 'operator.pick', { kind: 'llamaServer' });
    expect(pick.status).toBe(403);
    expect(pick.body.error?.message).toMatch(/desktop window only.*--llama-server PATH/);
    expect((await overWs(serve.url, 'operator.pick', { kind: 'modelsDir' })).error?.code).toBe('forbidden');
    expect(fs.existsSync(path.join(dir, 'data', 'operator.json'))).toBe(false);
  });

  it('runs the allowed llama-server with an allowed model and tuning flags (what the refusals above would have reached)', async () => {
    const started = await call(serve.url, 'coordinator.start', { model, extraArgs: ['-c', '2048', '-np', '2', '-fa', 'auto'] });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect((started.body.value as { pid: number | null }).pid).toBeGreaterThan(1);
    expect((await call(serve.url, 'coordinator.stop', {})).body.value).toMatchObject({ state: 'stopped' });
  });

  it('tells the coordinator CLI user what to set on the server when it refuses', () => {
    const run = spawnSync(NODE24, [CLI, 'coordinator', 'start', '--server', serve.url, '--token', TOKEN, '--model', model, '--llama-server', evil],
      { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`error: llama-server ${evil} is not allowed on this machine: start serve with --llama-server ${evil}`);
    expect(run.stdout).toContain(`the machine that runs batchdeck serve at ${serve.url} decides what it may run and load`);
    expect(fs.existsSync(marker)).toBe(false);
  });
});

describe('the allow-list from <data-dir>/operator.json', () => {
  let dir: string;
  const serves: Spawned[] = [];
  beforeAll(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-operator-file-')));
  });
  afterAll(async () => {
    for (const s of serves) await s.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is read at start, and a serve flag replaces the file\'s list of its kind', async () => {
    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'operator.json'), JSON.stringify({ llamaServers: ['/opt/llama/llama-server'], modelsDirs: ['/srv/models'] }));
    const fromFile = await startServe(['--data-dir', data]);
    serves.push(fromFile);
    expect(fromFile.output()).toContain('llama-server: /opt/llama/llama-server (missing)');
    const plain = await fetch(`${fromFile.url}/api/operator.allowList`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(((await plain.json()) as Reply['body']).value).toEqual({
      llamaServers: ['/opt/llama/llama-server'], modelsDirs: ['/srv/models'], sshKeysDirs: [path.join(os.homedir(), '.ssh')], configFile: path.join(data, 'operator.json'),
    });
    await fromFile.kill('SIGTERM');

    const flagged = await startServe(['--data-dir', data, '--models-dir', dir]);
    serves.push(flagged);
    const res = await fetch(`${flagged.url}/api/operator.allowList`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(((await res.json()) as Reply['body']).value).toMatchObject({ llamaServers: ['/opt/llama/llama-server'], modelsDirs: [dir] });
  });

  it('stops serve at start with what is wrong when the file is broken', async () => {
    const data = path.join(dir, 'broken');
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'operator.json'), JSON.stringify({ modelsDirs: ['relative/models'] }));
    await expect(startServe(['--data-dir', data])).rejects.toThrow(/operator\.json: modelsDirs\.0: must be an absolute path/);
  });
});
