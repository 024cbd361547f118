import http from 'node:http';
import https from 'node:https';

export interface InferenceResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface InferenceRequest {
  url: URL;
  /** JSON text, or its UTF-8 bytes (the executor sends a stored line's body bytes as they are). */
  body: string | Buffer;
  apiKey: string | null;
  timeoutMs: number;
}

/** A request on its way: its answer, and a way to stop it (its promise then rejects with ABORTED). */
export interface InferenceCall {
  response: Promise<InferenceResponse>;
  abort(): void;
}

/** A failure before any HTTP status arrived: connection refused or reset, timeout, abort. */
export class TransportError extends Error {
  readonly code: string;
  /** True when the backend itself looks gone (refused, reset), as opposed to a slow request. */
  readonly connection: boolean;
  constructor(code: string, message: string, connection: boolean) {
    super(message);
    this.code = code;
    this.connection = connection;
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * A keep-alive client per backend. Node's http agent is used directly (not fetch) because at thousands of
 * requests per second its per-request cost is several times lower.
 */
export class InferenceClient {
  private agent: http.Agent;
  private readonly isHttps: boolean;

  constructor(baseUrl: string, maxSockets: number) {
    this.isHttps = baseUrl.startsWith('https:');
    this.agent = this.makeAgent(maxSockets);
  }

  private makeAgent(maxSockets: number): http.Agent {
    const opts = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' as const };
    return this.isHttps ? new https.Agent(opts) : new http.Agent(opts);
  }

  setMaxSockets(n: number): void {
    this.agent.maxSockets = n;
    this.agent.maxFreeSockets = n;
  }

  /**
   * Sends one request. Stopping it is a plain callback rather than an AbortSignal: at thousands of requests a
   * second an AbortController and its listener per request were a measurable share of the executor's CPU.
   */
  start(req: InferenceRequest): InferenceCall {
    let abort: () => void = () => {};
    const response = new Promise<InferenceResponse>((resolve, reject) => {
      const mod = this.isHttps ? https : http;
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/json',
        'content-length': typeof req.body === 'string' ? Buffer.byteLength(req.body) : req.body.length,
      };
      if (req.apiKey) headers.authorization = `Bearer ${req.apiKey}`;
      let settled = false;
      const r = mod.request(req.url, { method: 'POST', agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) => fail(err));
      });
      const fail = (err: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const code = err.code ?? (err.message === 'socket hang up' ? 'ECONNRESET' : 'EUNKNOWN');
        reject(new TransportError(code, `${err.message} (${req.url.host})`, CONNECTION_CODES.has(code)));
      };
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        r.destroy();
        reject(new TransportError('ETIMEDOUT', `no response within ${req.timeoutMs} ms (${req.url.host})`, false));
      }, req.timeoutMs);
      r.on('error', fail);
      abort = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        r.destroy();
        reject(new TransportError('ABORTED', 'aborted', false));
      };
      r.end(req.body);
    });
    return { response, abort: () => abort() };
  }

  /** Drops idle sockets, e.g. after the backend restarted. */
  reset(maxSockets: number): void {
    this.agent.destroy();
    this.agent = this.makeAgent(maxSockets);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A small GET with a timeout for health and model checks (not on the hot path, so fetch is fine). */
export async function getJson(url: string, apiKey: string | null, timeoutMs: number): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json };
}
