import type { Api } from '../../shared/contract/index.ts';
import { alwaysOpen, type Transport } from './connection.ts';
import { createWsApi } from './wsApi.ts';

/** The Electron preload exposes the contract as `window.batchdeck`; without it we are in a browser. */
function electronBridge(win: Window): Api | null {
  const candidate = (win as unknown as { batchdeck?: Partial<Api> }).batchdeck;
  if (candidate && typeof candidate.invoke === 'function' && typeof candidate.on === 'function') return candidate as Api;
  return null;
}

/** `/ws` on the page's own origin; a `?token=T` in the page URL is passed on as `/ws?token=T`. */
export function webSocketUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = new URL(`${scheme}//${location.host}/ws`);
  const token = new URLSearchParams(location.search).get('token');
  if (token) url.searchParams.set('token', token);
  return url.toString();
}

export function pickApi(win: Window = window): Transport {
  const bridge = electronBridge(win);
  if (bridge) return { api: bridge, connection: alwaysOpen, kind: 'electron' };
  return createWsApi({ url: webSocketUrl(win.location) });
}
