import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { NodeProbe, RpcDeviceMemory } from '../../../shared/nodes.ts';
import { ByteReader, WireError } from './byteReader.ts';
import {
  HELLO_V3_REPLY_SIZE, HELLO_V4_REPLY_SIZE, RPC_CMD, RPC_CONN_CAPS_SIZE,
  decodeDeviceMemory, decodeHello, encodeRequest, u32, type HelloReply,
} from './rpcWire.ts';

/**
 * Opens one connection to an rpc-server. Through an SSH tunnel this is a forwardOut channel; directly it is
 * a TCP socket. It must reject with `code: 'ECONNREFUSED'` when nothing listens, so "down" is told apart.
 */
export type RpcConnector = () => Promise<Duplex>;

export interface ProbeOptions {
  connect: RpcConnector;
  /** Where the probe went, for messages ("127.0.0.1:50052 on gpu-1"). */
  label: string;
  /** Per read; also how long a silent server may take before it counts as busy. */
  timeoutMs?: number;
}

/** More devices than this in one reply means the reply is garbage, not a machine. */
const MAX_DEVICES = 256;

export function tcpConnector(host: string, port: number, timeoutMs = 3000): RpcConnector {
  return () =>
    new Promise<Duplex>((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
}

/**
 * The health check of DESIGN section 7: the real protocol, not a bare TCP connect.
 * HELLO in the v4 form first; a server that closes on it is an older one, so reconnect and try the v1-v3
 * form. Then DEVICE_COUNT and GET_DEVICE_MEMORY. A server that accepts but stays silent is busy serving
 * its one client (a coordinator), which is not the same as down.
 */
export async function probeRpc(options: ProbeOptions): Promise<NodeProbe> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const at = Date.now();
  const result = (p: Partial<NodeProbe>): NodeProbe => ({
    ok: false, busy: false, version: null, protocolMajor: null, devices: [], latencyMs: null, error: null, at, ...p,
  });

  let attempt: Attempt;
  try {
    attempt = await helloAttempt(options, 'v4', timeoutMs);
    if (attempt.kind === 'closed') attempt = await helloAttempt(options, 'v3', timeoutMs);
  } catch (err) {
    return result({ error: connectFailure(options.label, err) });
  }
  if (attempt.kind === 'busy') {
    return result({
      busy: true,
      error: `${options.label} accepted the connection but did not answer HELLO within ${timeoutMs} ms: rpc-server serves one client at a time, so another client (a running coordinator) holds it`,
    });
  }
  if (attempt.kind === 'closed') {
    return result({
      error: `${options.label} closed the connection on both HELLO forms (v4 and v1-v3): it is not a llama.cpp rpc-server, or one that speaks a protocol Batchdeck does not know`,
    });
  }
  if (attempt.kind === 'bad') return result({ error: `${options.label}: ${attempt.message}` });

  const { socket, reader, hello, latencyMs } = attempt;
  const version = `${hello.major}.${hello.minor}.${hello.patch}`;
  try {
    const devices = await queryDevices(socket, reader, hello.major, timeoutMs);
    return result({ ok: true, version, protocolMajor: hello.major, devices, latencyMs });
  } catch (err) {
    return result({
      version,
      protocolMajor: hello.major,
      latencyMs,
      error: `${options.label} answered HELLO (v${version}) but not the device queries: ${(err as Error).message}`,
    });
  } finally {
    // rpc-server serves one client at a time: hold the connection no longer than needed.
    socket.destroy();
  }
}

/** True when a node's RPC protocol major differs from the coordinator's: llama-server would refuse it. */
export function isProtocolMismatch(probe: NodeProbe | null, coordinatorMajor: number | null): boolean {
  return probe?.protocolMajor != null && coordinatorMajor != null && probe.protocolMajor !== coordinatorMajor;
}

type Attempt =
  | { kind: 'ok'; socket: Duplex; reader: ByteReader; hello: HelloReply; latencyMs: number }
  | { kind: 'busy' }
  | { kind: 'closed' }
  | { kind: 'bad'; message: string };

async function helloAttempt(options: ProbeOptions, form: 'v4' | 'v3', timeoutMs: number): Promise<Attempt> {
  const socket = await options.connect();
  const reader = new ByteReader(socket);
  const payload = form === 'v4' ? Buffer.alloc(RPC_CONN_CAPS_SIZE) : Buffer.alloc(0);
  const started = performance.now();
  try {
    socket.write(encodeRequest(RPC_CMD.HELLO, payload));
    const size = Number((await reader.read(8, timeoutMs)).readBigUInt64LE(0));
    const expected = form === 'v4' ? HELLO_V4_REPLY_SIZE : HELLO_V3_REPLY_SIZE;
    if (size !== expected) {
      socket.destroy();
      return { kind: 'bad', message: `HELLO (${form} form) got a ${size}-byte reply, expected ${expected}: not a llama.cpp rpc-server Batchdeck understands` };
    }
    const hello = decodeHello(await reader.read(size, timeoutMs));
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    return { kind: 'ok', socket, reader, hello, latencyMs };
  } catch (err) {
    socket.destroy();
    if (err instanceof WireError) return err.kind === 'timeout' ? { kind: 'busy' } : { kind: 'closed' };
    throw err;
  }
}

async function call(socket: Duplex, reader: ByteReader, cmd: number, payload: Buffer, replySize: number, timeoutMs: number): Promise<Buffer> {
  socket.write(encodeRequest(cmd, payload));
  const size = Number((await reader.read(8, timeoutMs)).readBigUInt64LE(0));
  if (size !== replySize) throw new Error(`command ${cmd} got a ${size}-byte reply, expected ${replySize}`);
  return reader.read(size, timeoutMs);
}

async function queryDevices(socket: Duplex, reader: ByteReader, major: number, timeoutMs: number): Promise<RpcDeviceMemory[]> {
  if (major < 3) {
    // Before v3 a server had one device and GET_DEVICE_MEMORY took no argument.
    const mem = decodeDeviceMemory(await call(socket, reader, RPC_CMD.GET_DEVICE_MEMORY, Buffer.alloc(0), 16, timeoutMs));
    return [{ index: 0, ...mem }];
  }
  const count = (await call(socket, reader, RPC_CMD.DEVICE_COUNT, Buffer.alloc(0), 4, timeoutMs)).readUInt32LE(0);
  if (count > MAX_DEVICES) throw new Error(`DEVICE_COUNT replied ${count}, which is not plausible`);
  const devices: RpcDeviceMemory[] = [];
  for (let index = 0; index < count; index++) {
    const mem = decodeDeviceMemory(await call(socket, reader, RPC_CMD.GET_DEVICE_MEMORY, u32(index), 16, timeoutMs));
    devices.push({ index, ...mem });
  }
  return devices;
}

/**
 * In a probe's error when the connection itself was not accepted in time. A live rpc-server does that when
 * its accept queue is full (backlog 1, while it serves a coordinator), so with its process alive it is busy.
 */
export const CONNECT_TIMEOUT_MARK = 'the connection was not accepted in time';

function connectFailure(label: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException & { kind?: string };
  if (e.code === 'ECONNREFUSED') return `${label}: connection refused: no rpc-server listens there`;
  if (e.code === 'ETIMEDOUT' || e.kind === 'timeout') return `${label}: ${CONNECT_TIMEOUT_MARK} (${e.message})`;
  return `${label}: could not connect: ${e.message ?? String(err)}`;
}
