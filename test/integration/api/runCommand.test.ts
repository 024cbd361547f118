import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src-main/simulator/simulator.ts';
import { chatLines, waitFor } from '../../support/batchApi.ts';
import { CLI, NODE24, REPO } from '../../support/processes.ts';

const ERASE_LINE = '\u001b[K';

interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** `batchdeck run ...` with pipes (no TTY); resolves when it exits. */
function runCli(args: string[], opts: { stdin?: string; onStart?: (kill: (s: NodeJS.Signals) => void) => void } = {}): Promise<RunResult> {
  const child = spawn(NODE24, [CLI, 'run', ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
  else child.stdin.end();
  opts.onStart?.((s) => child.kill(s));
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/**
 * A counting backend: forwards to the simulator and counts every inference request by its question, so a test
 * can prove that no request was sent twice.
 */
async function startCountingProxy(target: RunningSimulator): Promise<{ url: string; sent: Map<string, number>; total(): number; close(): Promise<void> }> {
  const sent = new Map<string, number>();
  const base = target.url.replace(/\/v1$/, '');
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST') {
        const q = (JSON.parse(body.toString()) as { messages: { content: string }[] }).messages.at(-1)!.content;
        sent.set(q, (sent.get(q) ?? 0) + 1);
      }
      fetch(base + req.url, { method: req.method, headers: { 'content-type': 'application/json' }, body: req.method === 'POST' ? body : undefined }).then(
        async (r) => {
          res.writeHead(r.status, { 'content-type': 'application/json' });
          res.end(Buffer.from(await r.arrayBuffer()));
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    sent,
    total: () => [...sent.values()].reduce((a, b) => a + b, 0),
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

const readJsonl = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; response: { status_code: number } | null; error: { code: string } | null });

describe('batchdeck run: one batch file to completion without a server', () => {
  let sim: RunningSimulator;
  let dir: string;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, latencyMs: 5, slots: 8, models: ['sim-model'] });
  });
  afterAll(async () => {
    await sim?.close();
  });
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  const fresh = () => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-run-')));

  it('writes output and OUT.errors.jsonl in input order, prints plain progress lines without a TTY, and exits 1 when some failed', async () => {
    const d = fresh();
    const input = path.join(d, 'in.jsonl');
    // A negative max_tokens is refused by the backend (400, not retried): those lines must fail.
    fs.writeFileSync(input, chatLines(30, { extra: (i) => (i % 10 === 4 ? { max_tokens: -1 } : {}) }));
    const out = path.join(d, 'out.jsonl');
    const r = await runCli(['-i', input, '-o', out, '--backend', sim.url, '--data-dir', path.join(d, 'data')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).not.toContain(ERASE_LINE);
    expect(r.stderr).toMatch(/^progress 30\/30 \(100%, 3 failed\) .* req\/s ETA/m);
    expect(r.stderr).toMatch(/completed: 27 succeeded, 3 failed/);
    const output = readJsonl(out);
    expect(output.map((l) => l.custom_id)).toEqual(Array.from({ length: 30 }, (_, i) => `req-${i}`).filter((_, i) => i % 10 !== 4));
    const errors = readJsonl(path.join(d, 'out.errors.jsonl'));
    expect(errors.map((l) => l.custom_id)).toEqual(['req-4', 'req-14', 'req-24']);
    expect(errors[0]!.error!.code).toBe('request_rejected');
  });

  it('exits 2 on bad input, listing every bad line with its number, and sends nothing', async () => {
    const d = fresh();
    const before = sim.stats().requests;
    const lines = chatLines(6).trim().split('\n');
    lines[1] = '{"custom_id": "x", "method": "POST"';
    lines[4] = lines[3]!;
    fs.writeFileSync(path.join(d, 'bad.jsonl'), lines.join('\n') + '\n');
    const r = await runCli(['-i', path.join(d, 'bad.jsonl'), '-o', path.join(d, 'out.jsonl'), '--backend', sim.url, '--data-dir', path.join(d, 'data')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has 2 error\(s\); nothing was sent/);
    expect(r.stderr).toMatch(/line 2: not valid JSON/);
    expect(r.stderr).toMatch(/line 5: duplicate custom_id "req-3" \(first seen on line 4\)/);
    expect(fs.existsSync(path.join(d, 'out.jsonl'))).toBe(false);
    expect(sim.stats().requests).toBe(before);
  });

  it('reads standard input with -i - and exits 0 when every request succeeded', async () => {
    const d = fresh();
    const out = path.join(d, 'out.jsonl');
    const r = await runCli(['-i', '-', '-o', out, '--backend', sim.url, '--data-dir', path.join(d, 'data'), '--endpoint', '/v1/chat/completions'], { stdin: chatLines(12) });
    expect(r.code, r.stderr).toBe(0);
    expect(readJsonl(out)).toHaveLength(12);
    expect(fs.existsSync(path.join(d, 'out.errors.jsonl'))).toBe(false);
  });

  it('uses the data dir\'s configured backends when --backend is omitted', async () => {
    const d = fresh();
    const data = path.join(d, 'data');
    const input = path.join(d, 'in.jsonl');
    fs.writeFileSync(input, chatLines(5));
    const first = await runCli(['-i', input, '-o', path.join(d, 'a.jsonl'), '--backend', sim.url, '--data-dir', data]);
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(['-i', input, '-o', path.join(d, 'b.jsonl'), '--data-dir', data]);
    expect(second.code, second.stderr).toBe(0);
    expect(readJsonl(path.join(d, 'b.jsonl'))).toHaveLength(5);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('draws one redrawn progress bar with done/total, req/s and ETA under a pseudo-terminal', async () => {
    const slow = await startSimulator({ port: 0, latencyMs: 40, slots: 4, models: ['sim-model'] });
    try {
      const d = fresh();
      const input = path.join(d, 'in.jsonl');
      fs.writeFileSync(input, chatLines(60));
      const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
      const cmd = [NODE24, CLI, 'run', '-i', input, '-o', path.join(d, 'out.jsonl'), '--backend', slow.url, '--data-dir', path.join(d, 'data')].map(quote).join(' ');
      // util-linux script(1) runs the command on a fresh pseudo-terminal and copies what it draws.
      // Not spawnSync: the simulated backend runs in this process and must keep answering.
      const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: REPO, env: { ...process.env, COLUMNS: '100' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
      const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      const r = { status, stdout };
      expect(r.status, r.stdout.slice(-2000)).toBe(0);
      expect(r.stdout).toMatch(/\r\[[#-]+\] \d+\/60 \(\d+%\) [\d.]+ req\/s ETA \S+/);
      // Each redraw erases the rest of the line, so a shorter bar leaves no stale characters.
      expect(r.stdout.split(ERASE_LINE).length).toBeGreaterThan(3);
      expect(r.stdout).toMatch(/\[#+\] 60\/60 \(100%\)/);
      expect(r.stdout).not.toMatch(/^progress /m);
      expect(readJsonl(path.join(d, 'out.jsonl'))).toHaveLength(60);
    } finally {
      await slow.close();
    }
  });

  it('resumes the same batch after Ctrl-C and sends no request twice', async () => {
    const slow = await startSimulator({ port: 0, latencyMs: 60, slots: 2, models: ['sim-model'] });
    const proxy = await startCountingProxy(slow);
    try {
      const d = fresh();
      const input = path.join(d, 'in.jsonl');
      fs.writeFileSync(input, chatLines(40));
      const args = ['-i', input, '-o', path.join(d, 'out.jsonl'), '--backend', proxy.url, '--concurrency', '2', '--data-dir', path.join(d, 'data')];
      const first = await runCli(args, {
        onStart: (kill) => void waitFor('some requests sent', () => proxy.total() >= 8, 30_000, 20).then(() => kill('SIGINT')),
      });
      expect(first.code, first.stderr).toBe(130);
      expect(first.stderr).toMatch(/SIGINT: stopping; \d+ requests in flight finish first/);
      expect(first.stderr).toMatch(/run the same command again to resume/);
      const sentBefore = proxy.total();
      expect(sentBefore).toBeGreaterThanOrEqual(8);
      expect(sentBefore).toBeLessThan(40);
      expect(fs.existsSync(path.join(d, 'out.jsonl'))).toBe(false);

      const second = await runCli(args);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toMatch(new RegExp(`Resuming batch \\S+: ${sentBefore} of 40 requests already done are not sent again`));
      expect(readJsonl(path.join(d, 'out.jsonl')).map((l) => l.custom_id)).toEqual(Array.from({ length: 40 }, (_, i) => `req-${i}`));
      expect(proxy.sent.size).toBe(40);
      expect([...proxy.sent.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    } finally {
      await proxy.close();
      await slow.close();
    }
  });

  it('resumes after a crash (SIGKILL) without sending a recorded request again', async () => {
    const slow = await startSimulator({ port: 0, latencyMs: 60, slots: 2, models: ['sim-model'] });
    const proxy = await startCountingProxy(slow);
    try {
      const d = fresh();
      const input = path.join(d, 'in.jsonl');
      fs.writeFileSync(input, chatLines(30));
      const args = ['-i', input, '-o', path.join(d, 'out.jsonl'), '--backend', proxy.url, '--concurrency', '2', '--data-dir', path.join(d, 'data')];
      const first = await runCli(args, {
        onStart: (kill) => void waitFor('some requests sent', () => proxy.total() >= 8, 30_000, 20).then(() => kill('SIGKILL')),
      });
      expect(first.signal).toBe('SIGKILL');
      const second = await runCli(args);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/Resuming batch/);
      expect(readJsonl(path.join(d, 'out.jsonl'))).toHaveLength(30);
      expect(proxy.sent.size).toBe(30);
      // Only requests without a recorded result go again: the two in flight at the kill (--concurrency 2) and
      // at most two more that finished within the last 20 ms write interval. At least 6 had finished before the
      // kill, so a resume that sent finished requests again would exceed this.
      expect([...proxy.sent.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(4);
      expect(Math.max(...proxy.sent.values())).toBeLessThanOrEqual(2);
    } finally {
      await proxy.close();
      await slow.close();
    }
  });
});
