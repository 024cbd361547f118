import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freeLocalPort } from '../../src-main/core/net/freeLocalPort.ts';
import { requireLlamaBinaries } from './llamaBinaries.ts';

/**
 * The real llama.cpp processes started directly (no Batchdeck, no SSH) on 127.0.0.1, and a raw RPC HELLO:
 * for tests that pin down how the real binaries behave.
 *
 *   const rpc = await startRealRpcServer({ ignoreSigpipe: true });       // rpc.port, rpc.log(), rpc.exited
 *   const coord = await startRealLlamaServer({ model: tinyLlamaModelPath(), rpcPorts: [rpc.port] });
 *   await rpcHello(rpc.port, 1_000);    // null: llama-server holds rpc-server's single connection
 *   await coord.stop();                 // SIGTERM and wait
 *
 * Every process is killed (SIGKILL) by `stop()` and by `stopAllRealLlama()`, which an afterEach should call.
 */

export interface RealProcess {
  child: ChildProcess;
  port: number;
  /** stdout and stderr so far. */
  log(): string;
  running(): boolean;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (or the given signal), then waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<RealProcess>();

function startProcess(cmd: string, args: string[], port: number): RealProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const take = (d: Buffer) => {
    log += d.toString();
    if (log.length > 1_000_000) log = log.slice(-500_000);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const proc: RealProcess = {
    child,
    port,
    log: () => log,
    running: () => child.exitCode === null && child.signalCode === null,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (proc.running()) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      started.delete(proc);
      return exited;
    },
  };
  started.add(proc);
  void exited.then(() => started.delete(proc));
  return proc;
}

/** Kills every process this module started and is still running. */
export async function stopAllRealLlama(): Promise<void> {
  await Promise.all([...started].map((p) => p.stop('SIGKILL')));
}

/** HELLO as llama.cpp's RPC client sends it: cmd 14, u64 payload size 24, 24 capability bytes (none asked). */
export function rpcHelloFrame(): Buffer {
  const frame = Buffer.alloc(1 + 8 + 24);
  frame.writeUInt8(14, 0);
  frame.writeBigUInt64LE(24n, 1);
  return frame;
}

/**
 * Connects, sends HELLO, waits up to `waitMs` for the whole reply, then closes. The reply (u64 size 28,
 * then major, minor, patch, padding, 24 capability bytes) or null when none came in time: what a health
 * probe does. Rejects when the connection is refused.
 */
export function rpcHello(port: number, waitMs: number, host = '127.0.0.1'): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, host);
    let got = Buffer.alloc(0);
    const done = (reply: Buffer | null) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => done(null), waitMs);
    sock.once('connect', () => sock.write(rpcHelloFrame()));
    sock.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 8 + 28) done(got);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, proc: RealProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.running()) throw new Error(`${what}: the process exited (${JSON.stringify(await proc.exited)}). Its log:\n${proc.log().slice(-3000)}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms. Its log:\n${proc.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The real rpc-server on 127.0.0.1 (a free port unless given), ready when it answers a HELLO. With
 * `ignoreSigpipe` it is started as `sh -c 'trap "" PIPE; exec rpc-server ...'`: an ignored signal stays
 * ignored across exec, so it is the same pid with SIGPIPE ignored, as Batchdeck starts it on nodes.
 */
export async function startRealRpcServer(options: { ignoreSigpipe: boolean; port?: number }): Promise<RealProcess> {
  const { rpcServer } = requireLlamaBinaries();
  const port = options.port ?? await freeLocalPort();
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const proc = options.ignoreSigpipe
    ? startProcess('sh', ['-c', 'trap "" PIPE; exec "$0" "$@"', rpcServer, ...args], port)
    : startProcess(rpcServer, args, port);
  await until(`rpc-server on 127.0.0.1:${port}`, async () => (await rpcHello(port, 2_000)) !== null, 15_000, proc);
  return proc;
}

/**
 * The real llama-server over the given rpc-server ports (-ngl 99: every layer on them), ready when
 * /health answers 200. `baseUrl` is the OpenAI-style root (http://127.0.0.1:PORT/v1).
 */
export async function startRealLlamaServer(options: { model: string; rpcPorts?: number[]; extraArgs?: string[] }): Promise<RealProcess & { baseUrl: string }> {
  const { llamaServer } = requireLlamaBinaries();
  const port = await freeLocalPort();
  const args = ['-m', options.model, '--host', '127.0.0.1', '--port', String(port), '-c', '512', '-np', '1', '-t', '1'];
  if (options.rpcPorts?.length) args.push('--rpc', options.rpcPorts.map((p) => `127.0.0.1:${p}`).join(','), '-ngl', '99');
  args.push(...(options.extraArgs ?? []));
  const proc = startProcess(llamaServer, args, port);
  await until(`llama-server on 127.0.0.1:${port}`, async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200, 60_000, proc);
  return Object.assign(proc, { baseUrl: `http://127.0.0.1:${port}/v1` });
}
