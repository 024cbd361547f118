import net from 'node:net';

/**
 * HTTP/1.1 over a bare TCP socket: the request target and headers go out byte for byte, so nothing on the
 * client side normalises a path spelling, fixes a Host header or refuses a character, as an attacker's
 * client would not either.
 */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Body bytes, de-chunked. */
  body: Buffer;
  text: string;
  json(): unknown;
}

export interface RawRequest {
  method: string;
  target: string;
  host: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /**
   * The Content-Length to announce when it is not the body's own: a client that announces a huge body and
   * then waits shows whether the server refuses it from the announcement, before reading any of it.
   */
  declaredLength?: number;
}

export function requestBytes(r: RawRequest): Buffer {
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
  const lines = [`${r.method} ${r.target} HTTP/1.1`, `Host: ${r.host}`, 'Connection: close'];
  for (const [k, v] of Object.entries(r.headers ?? {})) lines.push(`${k}: ${v}`);
  if (body || r.declaredLength !== undefined) lines.push(`Content-Length: ${r.declaredLength ?? body!.length}`);
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** A whole response has arrived (by Content-Length or the last chunk), so a kept-alive socket need not close first. */
function isComplete(data: Buffer): boolean {
  const split = data.indexOf('\r\n\r\n');
  if (split < 0) return false;
  const head = data.subarray(0, split).toString('latin1').toLowerCase();
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head)?.[1];
  if (length !== undefined) return data.length - split - 4 >= Number(length);
  if (/\r\ntransfer-encoding:\s*chunked/.test(head)) return data.subarray(split).includes('\r\n0\r\n\r\n');
  return false;
}

export function parseResponse(data: Buffer): RawResponse {
  const split = data.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`no complete HTTP response head in ${JSON.stringify(data.subarray(0, 200).toString('latin1'))}`);
  const [statusLine, ...headerLines] = data.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? NaN);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rawBody = data.subarray(split + 4);
  const body = headers['transfer-encoding']?.toLowerCase() === 'chunked' ? dechunk(rawBody) : rawBody;
  const text = body.toString('utf8');
  return { status, headers, body, text, json: () => JSON.parse(text) };
}

/**
 * Sends the request and reads until the server closes. A server may answer (413, 401) and close before it
 * has read a big body; the client then stops writing, and the answer is what counts.
 */
export function rawHttp(port: number, r: RawRequest | Buffer, timeoutMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(chunks);
      if (data.indexOf('\r\n\r\n') >= 0) {
        try {
          return resolve(parseResponse(data));
        } catch (parseErr) {
          return reject(parseErr as Error);
        }
      }
      reject(err ?? new Error(`the server closed the connection without an HTTP response (${data.length} bytes read)`));
    };
    const timer = setTimeout(() => finish(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (d) => {
      chunks.push(d);
      if (isComplete(Buffer.concat(chunks))) finish();
    });
    socket.on('end', () => finish());
    // A write into a connection the server already answered and closed fails (EPIPE, ECONNRESET); the
    // socket closes right after, and the answer read by then decides.
    let writeError: Error | undefined;
    socket.on('error', (err) => (writeError = err));
    socket.on('close', () => finish(writeError));
    // Written in slices, and no more once an answer has begun: a client stuck in a failed write would
    // drop the answer already waiting in its receive buffer.
    const bytes = Buffer.isBuffer(r) ? r : requestBytes(r);
    const SLICE = 256 * 1024;
    const writeFrom = (offset: number): void => {
      if (done || chunks.length > 0 || offset >= bytes.length) return;
      socket.write(bytes.subarray(offset, offset + SLICE), (err) => {
        // After the poll phase, so an answer that came in meanwhile is read before the next write.
        if (!err) setImmediate(() => writeFrom(offset + SLICE));
      });
    };
    writeFrom(0);
  });
}

/** A WebSocket upgrade request written by hand, so its target can be spelled any way. */
export function upgradeHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    Upgrade: 'websocket',
    'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'),
    'Sec-WebSocket-Version': '13',
    ...extra,
  };
}

/** Upgrade requests need `Connection: Upgrade`, so they cannot use requestBytes' `Connection: close`. */
export function upgradeBytes(target: string, host: string, headers: Record<string, string>): Buffer {
  const lines = [`GET ${target} HTTP/1.1`, `Host: ${host}`, 'Connection: Upgrade'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

/** Reads just the status line of a WebSocket upgrade answer (a 101 keeps the socket open). */
export function upgradeStatus(port: number, bytes: Buffer, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let head = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the upgrade within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (d) => {
      head += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m) {
        clearTimeout(timer);
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`the server closed the upgrade without a status line: ${JSON.stringify(head.slice(0, 200))}`));
    });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}
