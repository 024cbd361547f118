import net from 'node:net';
import { ByteReader, WireError } from '../../src-main/core/nodes/byteReader.ts';
import {
  RPC_CMD, RPC_CONN_CAPS_SIZE, encodeDeviceMemory, encodeReply, u32,
} from '../../src-main/core/nodes/rpcWire.ts';

/**
 * A stand-in for llama.cpp's rpc-server that speaks the real wire protocol (HELLO in the v4 or v3 form,
 * DEVICE_COUNT, GET_DEVICE_MEMORY) and behaves like it where Batchdeck can tell: one client at a time
 * (later clients wait in the accept queue, unanswered), a HELLO of the wrong size closes the connection,
 * and a port it cannot bind makes it exit with status 0.
 */
export interface StandinRpcOptions {
  host: string;
  port: number;
  proto: 3 | 4;
  devices: number;
  memTotalBytes: number;
  cache: boolean;
  /** Test knob: ignore SIGTERM, as a wedged rpc-server would, so Stop has to use SIGKILL. */
  ignoreTerm: boolean;
  log: (line: string) => void;
  logError: (line: string) => void;
}

export interface StandinRpcServer {
  port: number;
  close(): Promise<void>;
}

const NEVER_MS = 2 ** 31 - 1;
const MIB = 1024 * 1024;

export function freeBytesOf(index: number, totalBytes: number): number {
  // Something plausible and distinct per device: a little used on each, more on later ones.
  return Math.max(0, totalBytes - (index + 1) * 256 * MIB);
}

export function parseStandinRpcArgs(argv: string[]): StandinRpcOptions {
  const o: StandinRpcOptions = {
    host: '127.0.0.1', port: 50052, proto: 4, devices: 1, memTotalBytes: 24 * 1024 * MIB, cache: false, ignoreTerm: false,
    log: (l) => process.stdout.write(`${l}\n`), logError: (l) => process.stderr.write(`${l}\n`),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => argv[++i] ?? '';
    switch (a) {
      case '-H': case '--host': o.host = next(); break;
      case '-p': case '--port': o.port = Number(next()); break;
      case '--proto': o.proto = next() === '3' ? 3 : 4; break;
      case '--devices': o.devices = Math.max(1, Number(next())); break;
      // llama.cpp's own: -d CUDA0,CUDA1 selects devices; the stand-in offers that many.
      case '-d': case '--device': o.devices = Math.max(1, next().split(',').filter(Boolean).length); break;
      case '--mem-total': o.memTotalBytes = Number(next()); break;
      case '-m': case '--mem': o.memTotalBytes = Number(next()) * MIB; break;
      case '-c': case '--cache': o.cache = true; break;
      case '-t': case '--threads': next(); break;
      case '--standin-ignore-term': o.ignoreTerm = true; break;
      default: break; // unknown flags are ignored, as a newer or older build's would be irrelevant here
    }
  }
  return o;
}

export function startStandinRpcServer(o: StandinRpcOptions): Promise<StandinRpcServer> {
  const version = o.proto === 4 ? '4.0.0' : '3.0.0';
  if (o.host !== '127.0.0.1') {
    // rpc-server's own warning, word for word in substance.
    o.logError('');
    o.logError('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
    o.logError(`WARNING: Host ('${o.host}') is != '127.0.0.1'`);
    o.logError('         Never expose the RPC server to an open network!');
    o.logError('         This is an experimental feature and is not secure!');
    o.logError('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
    o.logError('');
  }
  o.log(`Starting RPC server v${version}`);
  o.log(`  endpoint       : ${o.host}:${o.port}`);
  o.log(`  local cache    : ${o.cache ? '~/.cache/llama.cpp/rpc/' : 'n/a'}`);
  o.log('Devices:');
  for (let i = 0; i < o.devices; i++) {
    o.log(`  CUDA${i}: Stand-in GPU (${Math.round(o.memTotalBytes / MIB)} MiB, ${Math.round(freeBytesOf(i, o.memTotalBytes) / MIB)} MiB free)`);
  }

  const waiting: net.Socket[] = [];
  let serving: net.Socket | null = null;
  const serveNext = (): void => {
    if (serving) return;
    const next = waiting.shift();
    if (!next) return;
    if (next.destroyed) return serveNext();
    serving = next;
    o.log('Accepted client connection');
    next.resume();
    void serveClient(next, o).finally(() => {
      next.destroy();
      o.log('Client connection closed');
      serving = null;
      serveNext();
    });
  };

  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => {
      const i = waiting.indexOf(socket);
      if (i >= 0) waiting.splice(i, 1);
    });
    waiting.push(socket);
    serveNext();
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Backlog 1, like rpc-server's listen(fd, 1).
    server.listen({ host: o.host, port: o.port, backlog: 1, exclusive: true }, () => {
      server.off('error', reject);
      const addr = server.address() as net.AddressInfo;
      resolve({
        port: addr.port,
        close: () =>
          new Promise<void>((res) => {
            for (const s of waiting) s.destroy();
            serving?.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}

/** One client's session, as rpc_serve_client: HELLO first and of the right size, or the connection closes. */
async function serveClient(socket: net.Socket, o: StandinRpcOptions): Promise<void> {
  const reader = new ByteReader(socket);
  const header = async (): Promise<{ cmd: number; size: number }> => {
    const cmd = (await reader.read(1, NEVER_MS)).readUInt8(0);
    const size = Number((await reader.read(8, NEVER_MS)).readBigUInt64LE(0));
    return { cmd, size };
  };
  try {
    const hello = await header();
    if (hello.cmd !== RPC_CMD.HELLO) {
      o.logError('Expected HELLO command, update client');
      return;
    }
    const expected = o.proto === 4 ? RPC_CONN_CAPS_SIZE : 0;
    if (hello.size !== expected) {
      o.logError(`HELLO request size mismatch (${hello.size} vs ${expected}) — client needs upgrade to protocol v${o.proto}.x`);
      return;
    }
    if (expected) await reader.read(expected, NEVER_MS);
    const reply = o.proto === 4 ? Buffer.concat([Buffer.from([4, 0, 0, 0]), Buffer.alloc(RPC_CONN_CAPS_SIZE)]) : Buffer.from([3, 0, 0]);
    socket.write(encodeReply(reply));

    for (;;) {
      const { cmd, size } = await header();
      const payload = size ? await reader.read(size, NEVER_MS) : Buffer.alloc(0);
      if (cmd === RPC_CMD.DEVICE_COUNT) {
        if (size !== 0) return;
        socket.write(encodeReply(u32(o.devices)));
      } else if (cmd === RPC_CMD.GET_DEVICE_MEMORY) {
        if (size !== 4) return;
        const device = payload.readUInt32LE(0);
        if (device >= o.devices) return;
        socket.write(encodeReply(encodeDeviceMemory(freeBytesOf(device, o.memTotalBytes), o.memTotalBytes)));
      } else {
        o.logError(`Unknown command: ${cmd}`);
        return;
      }
    }
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
  }
}
