import { ApiError } from '../../shared/contract/apiError.ts';
import type {
  Api, EventName, EventPayload, RequestInput, RequestName, RequestOutput, WsRequestMessage, WsResponseMessage, WsEventMessage,
} from '../../shared/contract/index.ts';
import type { Connection, ConnectionStatus, Transport } from './connection.ts';

export interface WsApiOptions {
  /** ws:// or wss:// URL of the engine's WebSocket endpoint, token included. */
  url: string;
  /** How long a request made while disconnected waits for the socket before it fails. */
  queueTimeoutMs?: number;
  /** Backoff bounds between reconnect attempts. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Injected in tests; the browser's WebSocket otherwise. */
  WebSocketImpl?: typeof WebSocket;
}

interface Pending {
  name: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Queued extends Pending {
  message: WsRequestMessage;
  timer: ReturnType<typeof setTimeout>;
}

type AnyHandler = (payload: unknown) => void;

/**
 * The browser / headless transport: the contract over one WebSocket. It reconnects with backoff; requests sent
 * before a drop are rejected (the engine may or may not have applied them, so they are never resent blindly),
 * requests made while disconnected wait for the next connection for a bounded time.
 */
export function createWsApi(options: WsApiOptions): Transport & { close(): void } {
  const WS = options.WebSocketImpl ?? WebSocket;
  const queueTimeoutMs = options.queueTimeoutMs ?? 15_000;
  const minBackoff = options.minBackoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 10_000;

  let socket: WebSocket | null = null;
  let status: ConnectionStatus = 'connecting';
  let nextId = 1;
  let failedAttempts = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  let closedForGood = false;
  /** Why the last connection ended; reported with 'connecting' too, so the window keeps saying why it is retrying. */
  let lastCloseReason: string | null = null;
  const pending = new Map<number, Pending>();
  const outbox: Queued[] = [];
  const handlers = new Map<string, Set<AnyHandler>>();
  const statusListeners = new Set<(status: ConnectionStatus, detail: string | null) => void>();

  function setStatus(next: ConnectionStatus, detail: string | null): void {
    status = next;
    for (const listener of statusListeners) listener(next, detail);
  }

  function connect(): void {
    reconnectTimer = null;
    setStatus('connecting', lastCloseReason);
    let ws: WebSocket;
    try {
      ws = new WS(options.url);
    } catch (err) {
      lastCloseReason = `could not open ${redact(options.url)}: ${(err as Error).message}`;
      scheduleReconnect(lastCloseReason);
      return;
    }
    socket = ws;
    ws.onopen = () => {
      failedAttempts = 0;
      lastCloseReason = null;
      setStatus('open', null);
      flushOutbox();
    };
    ws.onmessage = (msg) => onMessage(msg.data);
    ws.onclose = (ev) => {
      if (socket !== ws) return;
      socket = null;
      const why = `closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`;
      lastCloseReason = why;
      failPending(why);
      if (closedForGood) {
        setStatus('closed', why);
        return;
      }
      scheduleReconnect(why);
    };
    // An error is always followed by close, which does the work; this only keeps it from being unhandled.
    ws.onerror = () => {};
  }

  function scheduleReconnect(why: string): void {
    setStatus('closed', why);
    const base = Math.min(maxBackoff, minBackoff * 2 ** failedAttempts);
    failedAttempts += 1;
    // Jitter, so that many windows do not reconnect in lockstep after an engine restart.
    const delay = base / 2 + Math.random() * (base / 2);
    reconnectTimer = setTimeout(connect, delay);
  }

  function failPending(why: string): void {
    for (const [id, entry] of pending) {
      pending.delete(id);
      entry.reject(new ApiError({
        code: 'unavailable',
        message: `${entry.name}: the connection to the engine ${why} before it answered; the engine may or may not have applied it. Reconnecting…`,
      }));
    }
  }

  function flushOutbox(): void {
    while (outbox.length > 0 && socket && socket.readyState === WS.OPEN) {
      const entry = outbox.shift()!;
      clearTimeout(entry.timer);
      send(entry);
    }
  }

  function send(entry: Pending & { message: WsRequestMessage }): void {
    pending.set(entry.message.id, entry);
    try {
      socket!.send(JSON.stringify(entry.message));
    } catch (err) {
      pending.delete(entry.message.id);
      entry.reject(new ApiError({ code: 'unavailable', message: `${entry.name}: could not send to the engine: ${(err as Error).message}` }));
    }
  }

  function onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let msg: WsResponseMessage | WsEventMessage;
    try {
      msg = JSON.parse(data) as WsResponseMessage | WsEventMessage;
    } catch {
      console.error('batchdeck ws: a message that is not JSON was ignored:', data.slice(0, 200));
      return;
    }
    if (msg.type === 'response') {
      const entry = pending.get(msg.id);
      if (!entry) return;
      pending.delete(msg.id);
      if (msg.response.ok) entry.resolve(msg.response.value);
      else entry.reject(new ApiError(msg.response.error));
    } else if (msg.type === 'event') {
      const set = handlers.get(msg.name);
      if (!set) return;
      for (const handler of set) {
        try {
          handler(msg.payload);
        } catch (err) {
          // One broken view must not stop the others from receiving the change.
          console.error(`batchdeck ws: a handler of ${msg.name} failed:`, err);
        }
      }
    }
  }

  const api: Api = {
    invoke<K extends RequestName>(name: K, input: RequestInput<K>): Promise<RequestOutput<K>> {
      return new Promise<RequestOutput<K>>((resolve, reject) => {
        if (closedForGood) {
          reject(new ApiError({ code: 'unavailable', message: `${name}: the connection to the engine was closed` }));
          return;
        }
        const message: WsRequestMessage = { type: 'request', id: nextId++, name, input: input ?? {} };
        const entry = { name, message, resolve: resolve as (value: unknown) => void, reject };
        if (socket && socket.readyState === WS.OPEN) {
          send(entry);
          return;
        }
        const queued: Queued = {
          ...entry,
          timer: setTimeout(() => {
            const at = outbox.indexOf(queued);
            if (at >= 0) outbox.splice(at, 1);
            reject(new ApiError({
              code: 'unavailable',
              message: `${name}: not connected to the Batchdeck engine (waited ${Math.round(queueTimeoutMs / 1000)} s). Is it running?`,
            }));
          }, queueTimeoutMs),
        };
        outbox.push(queued);
      });
    },
    on<E extends EventName>(name: E, handler: (payload: EventPayload<E>) => void): () => void {
      let set = handlers.get(name);
      if (!set) handlers.set(name, (set = new Set()));
      const h = handler as AnyHandler;
      set.add(h);
      return () => set.delete(h);
    },
  };

  const connection: Connection = {
    get status() {
      return status;
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
  };

  connect();

  return {
    api,
    connection,
    kind: 'websocket',
    close() {
      closedForGood = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      socket?.close(1000, 'closed by the window');
    },
  };
}

/** Keeps the token out of messages that end up on screen. */
function redact(url: string): string {
  return url.replace(/([?&]token=)[^&]*/, '$1…');
}
