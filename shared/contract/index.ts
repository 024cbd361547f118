import type { z } from 'zod';
import { requests } from './requests.ts';
import { events } from './events.ts';
import type { EventDef, RequestDef } from './define.ts';

export { requests, events };
export { DESKTOP_ONLY_REQUESTS } from './requests.ts';
export type { Snapshot } from './requests.ts';

export type Requests = typeof requests;
export type RequestName = keyof Requests;
export type EventName = keyof typeof events;

/** What a caller passes: the schema's input side (defaults may be omitted). */
export type RequestInput<K extends RequestName> = Requests[K] extends RequestDef<infer I, unknown> ? z.input<I> : never;
/** What a handler receives: the schema's parsed output. */
export type ParsedInput<K extends RequestName> = Requests[K] extends RequestDef<infer I, unknown> ? z.output<I> : never;
export type RequestOutput<K extends RequestName> = Requests[K] extends RequestDef<z.ZodType, infer O> ? O : never;
export type EventPayload<E extends EventName> = (typeof events)[E] extends EventDef<infer P> ? P : never;

export const requestNames = Object.keys(requests) as RequestName[];
export const eventNames = Object.keys(events) as EventName[];

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.hasOwn(requests, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

export { ApiError, type ApiErrorBody } from './apiError.ts';
import type { ApiErrorBody } from './apiError.ts';

/** The only surface the renderer uses; the preload bridge and the WebSocket client both implement it. */
export interface Api {
  invoke<K extends RequestName>(name: K, input: RequestInput<K>): Promise<RequestOutput<K>>;
  on<E extends EventName>(name: E, handler: (payload: EventPayload<E>) => void): () => void;
}

/** Wire messages of the transports (IPC and WebSocket share them). */
export type ResponseEnvelope = { ok: true; value: unknown } | { ok: false; error: ApiErrorBody };
export interface WsRequestMessage { type: 'request'; id: number; name: string; input: unknown }
export interface WsResponseMessage { type: 'response'; id: number; response: ResponseEnvelope }
export interface WsEventMessage { type: 'event'; name: EventName; payload: unknown }

/** Names the preload bridge exposes on IPC channels. */
export const IPC_INVOKE_CHANNEL = 'batchdeck:invoke';
export const IPC_EVENT_CHANNEL = 'batchdeck:event';
