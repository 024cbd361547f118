import {
  ApiError, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, isEventName, isRequestName,
  type Api, type ApiErrorBody, type EventName, type EventPayload, type ResponseEnvelope,
} from '../shared/contract/index.ts';
import type { DesktopFileBridge } from '../shared/upload.ts';

/** The part of Electron's ipcRenderer the bridge uses; tests pass a fake, preload.ts the real one. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type AnyHandler = (payload: unknown) => void;

/**
 * The renderer's `Api` over Electron IPC. Only names of the contract go out or come in; the response
 * envelope is unwrapped (a failure becomes an ApiError with code, message and issues); one IPC listener
 * fans events out to the subscribers, which get the payload only, never the Electron event.
 */
export function createBridge(ipcRenderer: IpcRendererLike): Api {
  const handlers = new Map<EventName, Set<AnyHandler>>();

  ipcRenderer.on(IPC_EVENT_CHANNEL, (_event: unknown, name: unknown, payload: unknown) => {
    if (!isEventName(name)) return;
    const set = handlers.get(name);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        handler(payload);
      } catch (err) {
        // A view's broken handler must not starve the other views of the same event.
        console.error(`handler for ${name} failed:`, err);
      }
    }
  });

  const invoke: Api['invoke'] = async (name, input) => {
    if (!isRequestName(name)) {
      throw new ApiError({ code: 'unknown_request', message: `Unknown request ${JSON.stringify(String(name)).slice(0, 120)}` });
    }
    let response: unknown;
    try {
      response = await ipcRenderer.invoke(IPC_INVOKE_CHANNEL, name, input);
    } catch (err) {
      // Structured clone refused the input, or the main process has no handler (yet).
      throw new ApiError({ code: 'unavailable', message: `${name} could not reach the engine: ${(err as Error)?.message ?? String(err)}` });
    }
    return unwrap(name, response) as never;
  };

  const on: Api['on'] = <E extends EventName>(name: E, handler: (payload: EventPayload<E>) => void) => {
    if (!isEventName(name)) throw new ApiError({ code: 'unknown_request', message: `Unknown event ${JSON.stringify(String(name)).slice(0, 120)}` });
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    let set = handlers.get(name);
    if (!set) handlers.set(name, (set = new Set()));
    const wrapped: AnyHandler = (payload) => handler(payload as EventPayload<E>);
    set.add(wrapped);
    return () => {
      set.delete(wrapped);
    };
  };

  return { invoke, on };
}

function unwrap(name: string, response: unknown): unknown {
  if (!isEnvelope(response)) {
    throw new ApiError({ code: 'internal', message: `${name}: malformed response from the engine` });
  }
  if (response.ok) return response.value;
  throw new ApiError(errorBody(response.error));
}

function isEnvelope(v: unknown): v is ResponseEnvelope {
  if (typeof v !== 'object' || v === null || !('ok' in v)) return false;
  const r = v as { ok: unknown; error?: unknown };
  if (r.ok === true) return 'value' in v;
  return r.ok === false && typeof r.error === 'object' && r.error !== null;
}

function errorBody(error: unknown): ApiErrorBody {
  const e = error as Partial<ApiErrorBody>;
  return {
    code: typeof e.code === 'string' ? e.code : 'internal',
    message: typeof e.message === 'string' ? e.message : 'The engine refused the request',
    ...(Array.isArray(e.issues) ? { issues: e.issues } : {}),
  };
}

/** The part of Electron's webUtils the preload uses. */
export interface WebUtilsLike {
  getPathForFile(file: File): string;
}

/**
 * The desktop's way in for a batch file: its path, which the main process reads and stores. A File with no
 * path (one a script built in the page) is refused here, so its content is never sent instead.
 */
export function createFileBridge(api: Api, webUtils: WebUtilsLike): DesktopFileBridge {
  return {
    importFile: async (file, uploadKey) => {
      const path = webUtils.getPathForFile(file);
      if (!path) throw new ApiError({ code: 'invalid_input', message: `${file.name} has no path on this machine; drop or pick a file from disk` });
      return api.invoke('files.importPath', uploadKey === undefined ? { path } : { path, uploadKey });
    },
  };
}

/**
 * contextBridge copies an Error to the page as a bare Error with its message only (custom fields such as
 * `code` and `issues` are dropped), so what crosses to the page is a plain object with the same fields,
 * which the copy keeps. The page can rebuild an ApiError from it: `new ApiError(err)`.
 */
export type CloneableError = ApiErrorBody & { name: 'ApiError'; toString(): string };

export function toCloneableError(err: unknown): CloneableError {
  const body: ApiErrorBody = err instanceof ApiError ? err.toBody() : { code: 'internal', message: (err as Error)?.message ?? String(err) };
  // toString crosses as a proxied function, so `${err}` and String(err) read well in the page too.
  return { name: 'ApiError', ...body, toString: () => `ApiError: ${body.message}` };
}
