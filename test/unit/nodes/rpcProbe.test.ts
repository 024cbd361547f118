import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteReader } from '../../../src-main/core/nodes/byteReader.ts';
import { isProtocolMismatch, probeRpc, tcpConnector } from '../../../src-main/core/nodes/rpcProbe.ts';
import { encodeDeviceMemory, encodeReply } from '../../../src-main/core/nodes/rpcWire.ts';
import { startStandinRpcServer, type StandinRpcServer } from '../../support/standinRpcServer.ts';

const quiet = { log: () => {}, logError: () => {} };
const GIB = 1024 ** 3;
let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function standin(proto: 3 | 4, devices = 2): Promise<StandinRpcServer> {
  const s = await startStandinRpcServer({ host: '127.0.0.1', port: 0, proto, devices, memTotalBytes: 24 * GIB, cache: false, ignoreTerm: false, ...quiet });
  cleanup.push(() => s.close());
  return s;
}

function probe(port: number, timeoutMs = 1000) {
  return probeRpc({ connect: tcpConnector('127.0.0.1', port), label: `127.0.0.1:${port}`, timeoutMs });
}

/** A server of our own making, for protocol shapes the stand-in does not speak. */
async function customServer(onClient: (socket: net.Socket, reader: ByteReader) => Promise<void>): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    void onClient(socket, new ByteReader(socket)).catch(() => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return (server.address() as net.AddressInfo).port;
}

describe('the RPC protocol probe', () => {
  it('reads version and per-device memory from a v4 rpc-server', async () => {
    const s = await standin(4, 2);
    const p = await probe(s.port);
    expect(p).toMatchObject({ ok: true, busy: false, version: '4.0.0', protocolMajor: 4, error: null });
    expect(p.devices.map((d) => d.index)).toEqual([0, 1]);
    expect(p.devices.every((d) => d.totalBytes === 24 * GIB && d.freeBytes < d.totalBytes)).toBe(true);
    expect(p.latencyMs).toBeGreaterThan(0);
  });

  it('falls back to the v1-v3 HELLO when an older server closes on the v4 form', async () => {
    const s = await standin(3, 1);
    const p = await probe(s.port);
    expect(p).toMatchObject({ ok: true, version: '3.0.0', protocolMajor: 3 });
    expect(p.devices).toHaveLength(1);
  });

  it('calls a server that accepts but does not answer busy, not down', async () => {
    const s = await standin(4);
    const holder = net.connect(s.port, '127.0.0.1');
    cleanup.push(() => holder.destroy());
    await new Promise((r) => holder.once('connect', r));
    const p = await probe(s.port, 300);
    expect(p.ok).toBe(false);
    expect(p.busy).toBe(true);
    expect(p.error).toMatch(/one client at a time/);
    holder.destroy();
    // Once the holder leaves, the same server answers again.
    expect((await probe(s.port)).ok).toBe(true);
  });

  it('calls a refused connection down', async () => {
    const s = await standin(4);
    const port = s.port;
    await s.close();
    const p = await probe(port);
    expect(p).toMatchObject({ ok: false, busy: false });
    expect(p.error).toMatch(/connection refused/);
  });

  it('reads the single device of a pre-v3 server, whose GET_DEVICE_MEMORY takes no argument', async () => {
    const port = await customServer(async (socket, reader) => {
      const header = async () => ({ cmd: (await reader.read(1, 5000))[0], size: Number((await reader.read(8, 5000)).readBigUInt64LE(0)) });
      const hello = await header();
      if (hello.size !== 0) return void socket.destroy();
      socket.write(encodeReply(Buffer.from([2, 0, 0])));
      const mem = await header();
      if (mem.cmd !== 11 || mem.size !== 0) return void socket.destroy();
      socket.write(encodeReply(encodeDeviceMemory(3 * GIB, 8 * GIB)));
    });
    const p = await probe(port);
    expect(p).toMatchObject({ ok: true, version: '2.0.0', protocolMajor: 2 });
    expect(p.devices).toEqual([{ index: 0, freeBytes: 3 * GIB, totalBytes: 8 * GIB }]);
  });

  it('says so when something else answers on the port', async () => {
    const port = await customServer(async (socket) => {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    const p = await probe(port);
    expect(p.ok).toBe(false);
    expect(p.busy).toBe(false);
    expect(p.error).toMatch(/not a llama.cpp rpc-server/);
  });

  it('flags a protocol major that differs from the coordinator', async () => {
    const s = await standin(3);
    const p = await probe(s.port);
    expect(isProtocolMismatch(p, 4)).toBe(true);
    expect(isProtocolMismatch(p, 3)).toBe(false);
    expect(isProtocolMismatch(p, null)).toBe(false);
  });
});
