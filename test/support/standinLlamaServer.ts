import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { ByteReader } from '../../src-main/core/nodes/byteReader.ts';
import {
  HELLO_V4_REPLY_SIZE, RPC_CMD, RPC_CONN_CAPS_SIZE, decodeDeviceMemory, decodeHello, encodeRequest, u32,
} from '../../src-main/core/nodes/rpcWire.ts';
import { STANDIN_LLAMA_ENTRY, node24Path } from './sshdHarness.ts';

/**
 * A stand-in for llama.cpp's llama-server as a coordinator over rpc-servers, behaving like the real one
 * where Batchdeck can tell: it connects to every --rpc endpoint with HELLO while loading and aborts (exit
 * 134) when one is unreachable; /health answers 503 "Loading model" for a while, then 200; it answers
 * /v1/models and /v1/chat/completions in OpenAI's shapes; it keeps the RPC connections open and dies
 * (134) on the next request after a worker connection dropped.
 */
export interface StandinLlamaOptions {
  rpc: string[];
  model: string;
  host: string;
  port: number;
  alias: string | null;
  loadingMs: number;
  log: (line: string) => void;
}

export function parseStandinLlamaArgs(argv: string[]): StandinLlamaOptions {
  const o: StandinLlamaOptions = {
    rpc: [], model: '', host: '127.0.0.1', port: 8080, alias: null, loadingMs: 800,
    log: (l) => process.stderr.write(`${l}\n`),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => argv[++i] ?? '';
    switch (a) {
      case '--rpc': o.rpc = next().split(',').filter(Boolean); break;
      case '-m': case '--model': o.model = next(); break;
      case '--host': o.host = next(); break;
      case '--port': o.port = Number(next()); break;
      case '-a': case '--alias': o.alias = next(); break;
      case '--standin-loading-ms': o.loadingMs = Number(next()); break;
      default:
        // Unknown flags (-ngl 99, -c 4096, --flash-attn ...) are accepted; a following value is skipped.
        if (a.startsWith('-') && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) i++;
    }
  }
  return o;
}

interface RpcLink {
  endpoint: string;
  socket: net.Socket;
  reader: ByteReader;
  dropped: boolean;
}

/** The abort as the real one prints it (GGML_ABORT), then exit status 134 as SIGABRT gives in a shell. */
function abort(o: StandinLlamaOptions, message: string): never {
  o.log(`/llama.cpp/ggml/src/ggml-rpc/ggml-rpc.cpp:621: ${message}`);
  process.exit(134);
}

async function connectRpc(o: StandinLlamaOptions, endpoint: string): Promise<RpcLink> {
  const i = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, i);
  const port = Number(endpoint.slice(i + 1));
  const socket = await new Promise<net.Socket>((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => resolve(s));
    s.once('error', () => abort(o, `Failed to connect to ${endpoint}`));
  });
  socket.setNoDelay(true);
  const link: RpcLink = { endpoint, socket, reader: new ByteReader(socket), dropped: false };
  socket.on('error', () => { link.dropped = true; });
  socket.on('close', () => { link.dropped = true; });
  try {
    socket.write(encodeRequest(RPC_CMD.HELLO, Buffer.alloc(RPC_CONN_CAPS_SIZE)));
    const size = Number((await link.reader.read(8, 30_000)).readBigUInt64LE(0));
    if (size !== HELLO_V4_REPLY_SIZE) abort(o, 'Remote RPC server crashed or returned malformed response');
    const hello = decodeHello(await link.reader.read(size, 30_000));
    if (hello.major !== 4) {
      o.log(`RPC server version mismatch: ${hello.major}.${hello.minor}.${hello.patch}`);
      abort(o, `RPC handshake failed for ${endpoint}`);
    }
  } catch {
    // A v3 server closes on a v4 HELLO; the real client aborts on that too.
    abort(o, 'Remote RPC server crashed or returned malformed response');
  }
  return link;
}

async function call(link: RpcLink, cmd: number, payload: Buffer, replySize: number): Promise<Buffer> {
  link.socket.write(encodeRequest(cmd, payload));
  const size = Number((await link.reader.read(8, 30_000)).readBigUInt64LE(0));
  if (size !== replySize) throw new Error('malformed');
  return link.reader.read(size, 30_000);
}

export async function runStandinLlamaServer(o: StandinLlamaOptions): Promise<void> {
  o.log('build: 0 (stand-in) with node for testing');
  o.log(`system info: n_threads = 1 | RPC = 1 | endpoints = ${o.rpc.join(',') || '(none)'}`);
  if (!o.model || !fs.existsSync(o.model)) {
    o.log(`gguf_init_from_file: failed to open GGUF file '${o.model}'`);
    o.log(`llama_model_load: error loading model: llama_model_loader: failed to load model from ${o.model}`);
    o.log('main: exiting due to model loading error');
    process.exit(1);
  }
  const modelId = o.alias ?? o.model;
  let ready = false;
  const links: RpcLink[] = [];
  let requests = 0;
  let passes: Promise<void> = Promise.resolve();

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const loading = () => send(503, { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
    const url = req.url ?? '/';
    if (req.method === 'GET' && url === '/health') return ready ? send(200, { status: 'ok' }) : loading();
    if (!ready) return loading();
    if (req.method === 'GET' && url === '/props') return send(200, { total_slots: 4, model_path: o.model });
    if (req.method === 'GET' && url === '/v1/models') {
      return send(200, { object: 'list', data: [{ id: modelId, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'llamacpp', meta: null }] });
    }
    if (req.method === 'POST' && url === '/v1/chat/completions') {
      let raw = '';
      req.on('data', (d) => { raw += d; });
      req.on('end', () => {
        void (async () => {
          // Every request goes through the workers, as a real forward pass would; like llama-server's single
          // inference loop, one pass at a time uses the worker connections.
          const previous = passes;
          let release!: () => void;
          passes = new Promise<void>((r) => (release = r));
          await previous;
          try {
            for (const link of links) {
              if (link.dropped) abort(o, 'Remote RPC server crashed or returned malformed response');
              try {
                await call(link, RPC_CMD.DEVICE_COUNT, Buffer.alloc(0), 4);
              } catch {
                abort(o, 'Remote RPC server crashed or returned malformed response');
              }
            }
          } finally {
            release();
          }
          let body: { messages?: { content?: unknown }[]; max_tokens?: number } = {};
          try {
            body = JSON.parse(raw) as typeof body;
          } catch {
            return send(400, { error: { code: 400, message: 'Invalid JSON', type: 'invalid_request_error' } });
          }
          requests += 1;
          const prompt = (body.messages ?? []).map((m) => String(m.content ?? '')).join(' ');
          const content = `stand-in reply ${requests} over ${links.length} rpc-server(s)`;
          const promptTokens = Math.max(1, prompt.split(/\s+/).filter(Boolean).length);
          const completionTokens = content.split(/\s+/).length;
          send(200, {
            id: `chatcmpl-standin-${requests}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: modelId,
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
          });
        })();
      });
      return;
    }
    send(404, { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } });
  });

  await new Promise<void>((resolve) => {
    server.once('error', (err) => {
      o.log(`main: couldn't bind HTTP server socket, hostname: ${o.host}, port: ${o.port}: ${err.message}`);
      process.exit(1);
    });
    server.listen(o.port, o.host, () => {
      // --port 0 (as replicas start it): report the port the kernel chose, as the real llama-server does.
      const addr = server.address();
      if (addr && typeof addr === 'object') o.port = addr.port;
      resolve();
    });
  });
  o.log(`main: HTTP server is listening, hostname: ${o.host}, port: ${o.port}, http threads: 1`);
  o.log('main: loading model');
  o.log(`srv    load_model: loading model '${o.model}'`);

  for (const endpoint of o.rpc) {
    const link = await connectRpc(o, endpoint);
    const count = (await call(link, RPC_CMD.DEVICE_COUNT, Buffer.alloc(0), 4)).readUInt32LE(0);
    for (let d = 0; d < count; d++) {
      const mem = decodeDeviceMemory(await call(link, RPC_CMD.GET_DEVICE_MEMORY, u32(d), 16));
      o.log(`llama_model_load_from_file_impl: using device RPC${links.length}:${d} (${endpoint}) - ${Math.round(mem.freeBytes / 2 ** 20)} MiB free`);
    }
    links.push(link);
  }
  await new Promise((r) => setTimeout(r, o.loadingMs));
  ready = true;
  o.log('main: model loaded');
  o.log(`main: server is listening on http://${o.host}:${o.port} - starting the main loop`);
  o.log('srv  update_slots: all slots are idle');
  process.on('SIGTERM', () => {
    o.log('srv    operator(): operator(): cleaning up before exit...');
    for (const l of links) l.socket.destroy();
    server.close();
    process.exit(0);
  });
}

/** An executable `llama-server` in `dir` that runs the stand-in with node 24; returns its path. */
export function writeStandinLlamaServer(dir: string, options: { loadingMs?: number } = {}): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const file = path.join(dir, 'llama-server');
  const extra = options.loadingMs !== undefined ? ` --standin-loading-ms ${options.loadingMs}` : '';
  fs.writeFileSync(file, `#!/bin/sh\nexec ${q(node24Path())} ${q(STANDIN_LLAMA_ENTRY)} "$@"${extra}\n`, { mode: 0o755 });
  return file;
}
