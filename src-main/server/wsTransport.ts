import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WsEventMessage, WsRequestMessage, WsResponseMessage } from '../../shared/contract/index.ts';
import type { Engine } from '../core/engine.ts';
import { WS_MESSAGE_LIMIT_BYTES } from './bodyLimits.ts';
import { rawOpenAiErrorResponse } from './openaiErrors.ts';
import type { RequestGuard } from './requestGuard.ts';

/** Messages a slow client may have unsent before it is dropped (it reloads a snapshot when it reconnects). */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** The contract over a WebSocket at /ws: requests in, responses and pushed events out. */
export class WsTransport {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: WS_MESSAGE_LIMIT_BYTES });
  private readonly engine: Engine;
  private readonly guard: RequestGuard;
  private readonly unsubscribe: () => void;

  constructor(engine: Engine, guard: RequestGuard) {
    this.engine = engine;
    this.guard = guard;
    this.unsubscribe = engine.feed.subscribe((name, payload) => {
      if (this.wss.clients.size === 0) return;
      const msg: WsEventMessage = { type: 'event', name, payload };
      const text = JSON.stringify(msg);
      for (const ws of this.wss.clients) this.send(ws, text);
    });
  }

  private send(ws: WebSocket, text: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      ws.close(1013, 'client too slow; reconnect for a fresh snapshot');
      return;
    }
    ws.send(text);
  }

  /**
   * The upgrade is guarded like any API route: /ws exactly (any other spelling matches no route), the
   * token from Authorization or `?token=` (a browser cannot set headers on a WebSocket), Host and Origin.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = req.url ?? '';
    const isWsRoute = target === '/ws' || target.startsWith('/ws?');
    const query = isWsRoute && target.includes('?') ? new URLSearchParams(target.slice(target.indexOf('?') + 1)) : null;
    const verdict = this.guard.check(req, isWsRoute ? 'api' : 'no-route', { tokenFromQuery: query?.get('token') ?? null });
    if (!verdict.ok) {
      socket.on('error', () => socket.destroy());
      socket.end(rawOpenAiErrorResponse(verdict.status, verdict.message));
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws));
  }

  private attach(ws: WebSocket): void {
    ws.on('message', async (data) => {
      let msg: WsRequestMessage;
      try {
        msg = JSON.parse(String(data)) as WsRequestMessage;
      } catch {
        return this.send(ws, JSON.stringify({ type: 'response', id: -1, response: { ok: false, error: { code: 'invalid_input', message: 'Message is not JSON' } } }));
      }
      if (msg?.type !== 'request' || typeof msg.id !== 'number') {
        return this.send(ws, JSON.stringify({ type: 'response', id: typeof msg?.id === 'number' ? msg.id : -1, response: { ok: false, error: { code: 'invalid_input', message: 'Expected {type:"request", id, name, input}' } } }));
      }
      const response = await this.engine.router.dispatch(msg.name, msg.input);
      const out: WsResponseMessage = { type: 'response', id: msg.id, response };
      this.send(ws, JSON.stringify(out));
    });
    // An oversized message makes ws close with 1009 (Message Too Big) before buffering it; let that close
    // frame go out instead of cutting the socket, so the client learns why.
    ws.on('error', () => {
      if (ws.readyState === ws.OPEN) ws.terminate();
    });
  }

  close(): void {
    this.unsubscribe();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
