import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveSimulatorOptions, type SimulatorOptions } from './options.ts';
import { seededRandom, hashText } from './random.ts';
import { chatInputText, embeddingInputs, estimateTokens, inputText, responsesInputText } from './requestText.ts';
import {
  chatCompletionBody, completionBody, embeddingsBody, embeddingVector, errorBody, modelsBody, replyText, responseObjectBody,
} from './responses.ts';
import { SlotQueue } from './slotQueue.ts';

export { parseSimulatorArgs, SimulatorArgsError } from './parseSimulatorArgs.ts';
export type { SimulatorOptions } from './options.ts';

export interface SimulatorStats {
  /** Inference requests received (POSTs to the inference endpoints), whatever their outcome. */
  requests: number;
  /** Requests holding a slot right now. */
  inFlight: number;
  maxInFlight: number;
  /** Requests waiting for a slot. */
  queued: number;
  completed: number;
  errors500: number;
  rateLimited429: number;
}

export interface RunningSimulator {
  port: number;
  /** Base URL including /v1, as an OpenAI client's baseURL. */
  url: string;
  close(): Promise<void>;
  stats(): SimulatorStats;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const DEFAULT_COMPLETION_TOKENS = 16;
const DEFAULT_EMBEDDING_DIMENSIONS = 64;
const MAX_EMBEDDING_DIMENSIONS = 4096;

type Endpoint = 'chat' | 'completions' | 'embeddings' | 'responses';
/** A Map, not an object literal: a path like /constructor must not find Object.prototype's members. */
const ENDPOINT_BY_PATH = new Map<string, Endpoint>([
  ['/v1/chat/completions', 'chat'],
  ['/v1/completions', 'completions'],
  ['/v1/embeddings', 'embeddings'],
  ['/v1/responses', 'responses'],
]);

/** A request accepted for processing: what it will answer, worked out before it waits for a slot. */
interface Job {
  endpoint: Endpoint;
  model: string;
  body: Record<string, unknown>;
  seq: number;
  completionTokens: number;
}

/**
 * A simulated OpenAI-compatible inference server on plain node:http (no framework on the hot path: it has to
 * keep up with the executor at thousands of requests a second). It behaves like llama-server where that
 * matters to Batchdeck: a fixed number of slots with a FIFO queue behind them, /health, /props, /v1/models,
 * OpenAI response and error bodies with usage, and configurable latency, speed, 500s and 429s.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const opts = resolveSimulatorOptions(options);
  const random = seededRandom(opts.seed);
  const slots = new SlotQueue(opts.slots);
  const models = new Set(opts.models);
  const timers = new Set<NodeJS.Timeout>();
  const startedAt = Math.floor(Date.now() / 1000);
  const counters = { requests: 0, completed: 0, errors500: 0, rateLimited429: 0, seq: 0 };

  const staticBodies = {
    health: JSON.stringify({ status: 'ok' }),
    models: modelsBody(opts.models, startedAt),
    props: JSON.stringify({
      total_slots: opts.slots,
      model_path: opts.models[0],
      default_generation_settings: { n_ctx: 8192, model: opts.models[0] },
      build_info: 'batchdeck-simulator',
    }),
  };

  const server = http.createServer((req, res) => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const endpoint = ENDPOINT_BY_PATH.get(path);
    if (req.method === 'POST' && endpoint !== undefined) {
      readBody(req, res, (body) => accept(endpoint, body, res));
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/health' || path === '/v1/health') return send(res, 200, staticBodies.health);
      if (path === '/v1/models' || path === '/models') return send(res, 200, staticBodies.models);
      if (path === '/props') return send(res, 200, staticBodies.props);
      if (path.startsWith('/v1/models/')) {
        const id = safeDecode(path.slice('/v1/models/'.length));
        if (models.has(id)) return send(res, 200, JSON.stringify({ id, object: 'model', created: startedAt, owned_by: 'batchdeck-simulator' }));
        return send(res, 404, modelNotFound(id));
      }
    }
    req.resume();
    if (endpoint !== undefined) return send(res, 405, errorBody(`Method ${req.method} is not allowed on ${path}; use POST.`, 'invalid_request_error', 'method_not_allowed'), { allow: 'POST' });
    send(res, 404, errorBody(`Unknown request URL: ${req.method} ${path}.`, 'invalid_request_error', 'unknown_url'));
  });
  // Longer than the executor's idle keep-alive, so the client, not the server, closes idle sockets.
  server.keepAliveTimeout = 30_000;

  function accept(endpoint: Endpoint, raw: Buffer, res: http.ServerResponse): void {
    counters.requests++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      return send(res, 400, errorBody(`We could not parse the JSON body of your request (${(err as Error).message}).`, 'invalid_request_error', 'invalid_json'));
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return send(res, 400, errorBody('The request body must be a JSON object.', 'invalid_request_error', 'invalid_json'));
    }
    const body = parsed as Record<string, unknown>;
    const model = body.model;
    if (typeof model !== 'string' || model.length === 0) {
      return send(res, 400, errorBody('You must provide a model parameter.', 'invalid_request_error', 'missing_required_parameter', 'model'));
    }
    if (!models.has(model)) return send(res, 404, modelNotFound(model));
    if (body.stream === true) {
      return send(res, 400, errorBody('Streaming is not supported by the Batchdeck simulator.', 'invalid_request_error', 'unsupported_parameter', 'stream'));
    }
    if (endpoint === 'chat' && (!Array.isArray(body.messages) || body.messages.length === 0)) {
      return send(res, 400, errorBody("'messages' must be a non-empty array.", 'invalid_request_error', 'missing_required_parameter', 'messages'));
    }
    if (endpoint === 'responses' && typeof body.input !== 'string' && !Array.isArray(body.input)) {
      return send(res, 400, errorBody("'input' is required: a string or an array of input items.", 'invalid_request_error', 'missing_required_parameter', 'input'));
    }
    if (endpoint === 'embeddings' && body.input === undefined) {
      return send(res, 400, errorBody("'input' is required.", 'invalid_request_error', 'missing_required_parameter', 'input'));
    }
    // A real server refuses an impossible parameter with 400; tests use it for requests that must fail for good.
    for (const key of ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const) {
      const v = body[key];
      if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
        return send(res, 400, errorBody(`Invalid '${key}': expected a non-negative integer, got ${JSON.stringify(v)}.`, 'invalid_request_error', 'invalid_value', key));
      }
    }
    // Refused before queueing, as a rate limiter in front of a server would.
    if (opts.rateLimitRate > 0 && random() < opts.rateLimitRate) {
      counters.rateLimited429++;
      return send(res, 429, errorBody('Rate limit reached (simulated). Please retry after 1 second.', 'requests', 'rate_limit_exceeded'), { 'retry-after': '1' });
    }
    const job: Job = { endpoint, model, body, seq: ++counters.seq, completionTokens: endpoint === 'embeddings' ? 0 : completionTokens(body) };
    schedule(job, res);
  }

  /** Waits for a slot, holds it for the simulated generation time, then answers. */
  let timerLateness = 0;

  function schedule(job: Job, res: http.ServerResponse): void {
    // One object, not two lets: the callbacks below change it, and TypeScript's narrowing would not see that.
    const run: { state: 'waiting' | 'running' | 'done'; timer: NodeJS.Timeout | null } = { state: 'waiting', timer: null };
    const finish = (failed: boolean): void => {
      if (run.timer) timers.delete(run.timer);
      run.state = 'done';
      slots.release();
      if (failed) {
        counters.errors500++;
        send(res, 500, errorBody('The server had an error while processing your request (simulated).', 'server_error', 'simulated_error'));
      } else {
        counters.completed++;
        send(res, 200, responseBody(job), { 'x-request-id': `req_sim_${job.seq}` });
      }
    };
    const withdraw = slots.acquire(() => {
      run.state = 'running';
      const failed = opts.errorRate > 0 && random() < opts.errorRate;
      let delay = opts.latencyMs;
      if (!failed && opts.tokensPerSecond !== null) delay += (job.completionTokens / opts.tokensPerSecond) * 1000;
      if (delay <= 0) return finish(failed);
      // Timers fire late when this process is busy; the simulated server's service time must not drift with
      // that, so the measured lateness (a moving average) is taken off the next waits.
      const wait = Math.max(0, delay - timerLateness);
      const armedAt = performance.now();
      run.timer = setTimeout(() => {
        timerLateness = Math.min(delay, Math.max(0, timerLateness * 0.95 + (performance.now() - armedAt - wait) * 0.05));
        finish(failed);
      }, wait);
      timers.add(run.timer);
    });
    if (run.state === 'done') return;
    // A client that goes away frees its slot (llama-server cancels the task) or leaves the queue.
    res.once('close', () => {
      if (run.state === 'waiting') withdraw();
      else if (run.state === 'running') {
        if (run.timer) {
          clearTimeout(run.timer);
          timers.delete(run.timer);
        }
        slots.release();
      }
      run.state = 'done';
    });
  }

  function responseBody(job: Job): string {
    const { body, model } = job;
    if (job.endpoint === 'embeddings') {
      const inputs = embeddingInputs(body.input);
      const dims = typeof body.dimensions === 'number' && body.dimensions >= 1
        ? Math.min(Math.floor(body.dimensions), MAX_EMBEDDING_DIMENSIONS) : DEFAULT_EMBEDDING_DIMENSIONS;
      const base64 = body.encoding_format === 'base64';
      const { tokens } = inputText(body.input);
      return embeddingsBody(model, inputs.map((t) => embeddingVector(t, dims, base64)), tokens);
    }
    if (job.endpoint === 'responses') {
      const text = responsesInputText(body.input);
      const input = estimateTokens(text);
      const cut = typeof body.max_output_tokens === 'number';
      return responseObjectBody(`resp_sim${job.seq}`, model, replyText(hashText(text), job.completionTokens), cut, { input_tokens: input, output_tokens: job.completionTokens });
    }
    const finishReason = typeof body.max_tokens === 'number' || typeof body.max_completion_tokens === 'number' ? 'length' : 'stop';
    if (job.endpoint === 'chat') {
      const text = chatInputText(body.messages);
      const usage = usageOf(estimateTokens(text), job.completionTokens);
      return chatCompletionBody(`chatcmpl-sim${job.seq}`, model, replyText(hashText(text), job.completionTokens), finishReason, usage);
    }
    const { text, tokens } = inputText(body.prompt);
    const usage = usageOf(tokens, job.completionTokens);
    return completionBody(`cmpl-sim${job.seq}`, model, replyText(hashText(text), job.completionTokens), finishReason, usage);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  let closing: Promise<void> | null = null;
  return {
    port,
    url: `http://${hostInUrl}:${port}/v1`,
    stats: () => ({
      requests: counters.requests,
      inFlight: slots.running,
      maxInFlight: slots.maxRunning,
      queued: slots.waiting,
      completed: counters.completed,
      errors500: counters.errors500,
      rateLimited429: counters.rateLimited429,
    }),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        slots.clear();
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function completionTokens(body: Record<string, unknown>): number {
  const max = body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens;
  return typeof max === 'number' && max >= 1 ? Math.floor(max) : DEFAULT_COMPLETION_TOKENS;
}

function usageOf(prompt: number, completion: number): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function modelNotFound(model: string): string {
  return errorBody(`The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found', 'model');
}

function readBody(req: http.IncomingMessage, res: http.ServerResponse, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    if (tooLarge) return;
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      tooLarge = true;
      send(res, 413, errorBody(`Request body over ${MAX_BODY_BYTES} bytes.`, 'invalid_request_error', 'request_too_large'), { connection: 'close' });
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (!tooLarge) done(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  });
}

function send(res: http.ServerResponse, status: number, body: string, extra?: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (extra) Object.assign(headers, extra);
  res.writeHead(status, headers);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
