import {
  ApiError, DESKTOP_ONLY_REQUESTS, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, requests,
  type ParsedInput, type RequestOutput, type ResponseEnvelope,
} from '../../shared/contract/index.ts';
import type { ChangeFeed } from '../core/events/changeFeed.ts';
import { isTrustedSender, type ExpectedSender, APP_SENDER } from './securityPolicy.ts';

/*
 * The main side of the IPC transport. Written against the few members of Electron's objects it uses, so
 * the sender check is unit-tested without Electron; main.ts passes the real ipcMain and windows.
 */

export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly frameTreeNodeId: number;
  readonly processId: number;
  readonly routingId: number;
}

export interface WebContentsLike {
  readonly id: number;
  readonly mainFrame: FrameLike;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

export interface InvokeEventLike {
  readonly sender: WebContentsLike;
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface RouterLike {
  dispatch(name: unknown, input: unknown): Promise<ResponseEnvelope>;
}

/**
 * The requests the shell answers itself for its own window (they read or write paths on this machine, or
 * open a dialog); the engine's router refuses them to every other client.
 */
export type DesktopHandlers = {
  [K in (typeof DESKTOP_ONLY_REQUESTS)[number]]?: (input: ParsedInput<K>) => Promise<RequestOutput<K>>;
};

/** The windows the app itself created; only their main frames may call the engine or receive events. */
export class TrustedWindows {
  private readonly contents = new Map<number, WebContentsLike>();

  add(webContents: WebContentsLike): void {
    this.contents.set(webContents.id, webContents);
  }

  remove(id: number): void {
    this.contents.delete(id);
  }

  get(id: number): WebContentsLike | undefined {
    const wc = this.contents.get(id);
    if (wc && wc.isDestroyed()) {
      this.contents.delete(id);
      return undefined;
    }
    return wc;
  }

  live(): WebContentsLike[] {
    return [...this.contents.keys()].map((id) => this.get(id)).filter((wc): wc is WebContentsLike => wc !== undefined);
  }
}

export type SenderVerdict = { ok: true } | { ok: false; reason: string };

/**
 * The sender check of every call: the frame must exist, be the main frame (not an iframe) of a window the
 * app created, and show the app's own origin. Anything else is refused before the router sees it.
 */
export function checkSender(event: InvokeEventLike, windows: TrustedWindows, expected: ExpectedSender = APP_SENDER): SenderVerdict {
  const frame = event.senderFrame;
  if (!frame) return { ok: false, reason: 'the sending frame is gone' };
  const ours = windows.get(event.sender.id);
  if (!ours) return { ok: false, reason: 'the sender is not a Batchdeck window' };
  if (frame.parent !== null) return { ok: false, reason: 'the sender is a subframe' };
  const main = ours.mainFrame;
  if (frame.frameTreeNodeId !== main.frameTreeNodeId || frame.processId !== main.processId || frame.routingId !== main.routingId) {
    return { ok: false, reason: "the sender is not the window's main frame" };
  }
  if (!isTrustedSender(frame.url, expected)) return { ok: false, reason: `the sender's origin is not the app's (${safeOrigin(frame.url)})` };
  return { ok: true };
}

/**
 * Installs the one invoke handler and the feed fan-out. Handlers never see the Electron event: the router
 * gets the name and the raw input only, and parses the input with the contract's schema.
 */
export function installIpcBridge(deps: {
  ipcMain: IpcMainLike;
  router: RouterLike;
  feed: Pick<ChangeFeed, 'subscribe'>;
  windows: TrustedWindows;
  expected?: ExpectedSender;
  desktop?: DesktopHandlers;
}): () => void {
  const { ipcMain, router, feed, windows } = deps;
  const expected = deps.expected ?? APP_SENDER;

  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, name, input): Promise<ResponseEnvelope> => {
    const verdict = checkSender(event, windows, expected);
    if (!verdict.ok) {
      console.warn(`IPC call ${String(name).slice(0, 80)} refused: ${verdict.reason}`);
      return { ok: false, error: { code: 'forbidden', message: `Refused: ${verdict.reason}.` } };
    }
    if (deps.desktop && isDesktopRequest(name) && deps.desktop[name]) return dispatchDesktop(deps.desktop, name, input);
    return router.dispatch(name, input);
  });

  const unsubscribe = feed.subscribe((name, payload) => {
    for (const wc of windows.live()) {
      // A window that navigated away (it cannot, but if it did) gets no engine data.
      if (!isTrustedSender(wc.mainFrame.url, expected)) continue;
      try {
        wc.send(IPC_EVENT_CHANNEL, name, payload);
      } catch (err) {
        // One window being torn down must not keep the event from the others.
        console.warn(`event ${name} not delivered to window ${wc.id}: ${(err as Error).message}`);
      }
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
  };
}

function isDesktopRequest(name: unknown): name is keyof DesktopHandlers {
  return (DESKTOP_ONLY_REQUESTS as readonly unknown[]).includes(name);
}

/** The same parsing and error envelope as the engine's router, for the shell's own requests. */
async function dispatchDesktop(handlers: DesktopHandlers, name: keyof DesktopHandlers, input: unknown): Promise<ResponseEnvelope> {
  const parsed = requests[name].input.safeParse(input ?? undefined);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message }));
    return { ok: false, error: { code: 'invalid_input', message: `Invalid input for ${name}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues } };
  }
  try {
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, error: err.toBody() };
    return { ok: false, error: { code: 'internal', message: `${name} failed: ${(err as Error)?.message ?? String(err)}` } };
  }
}

function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'unparseable URL';
  }
}
