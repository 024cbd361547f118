/**
 * The shell's security settings (DESIGN section 10), kept free of 'electron' so that unit tests check the
 * exact values the window uses under plain Node.
 */

/** The renderer is served from this privileged custom scheme, never from http(s) or a bare file:// path. */
export const APP_SCHEME = 'batchdeck';
export const APP_HOST = 'app';
/** `batchdeck://app`: what the window loads and the only origin whose frames may call the engine. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Strict CSP: only the app's own bundles; no eval, no inline script, no remote origin anywhere.
 * `style-src 'self'` is enough for React: style props are applied through the CSSOM, which CSP does not
 * govern. Images may be data:/blob: URLs the renderer makes itself (charts, downloads), never remote.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "media-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "child-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The BrowserWindow's webPreferences. Every value is written out, even the defaults, so that a later
 * Electron default change (or a careless edit) cannot loosen the window without a failing test.
 */
export function secureWebPreferences(preloadPath: string, options: { devTools: boolean }) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    // Middle-click (auxclick) would open links in a new window; the open handler denies it, this stops it earlier.
    disableBlinkFeatures: 'Auxclick',
    // A file dropped outside the drop zone must not make the window navigate to file://.
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: options.devTools,
  } as const;
}

/**
 * Navigation is allowed only inside the app's own origin (a reload, the SPA's own pages). Everything else
 * (http, https, file, data, javascript, blob, other custom schemes) is denied.
 */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/**
 * What the window may fetch at all: the app's own files, data:/blob: URLs the page made itself, and
 * DevTools' own pages. http(s), ws(s), file and every other scheme are cancelled (no remote content).
 */
export function isAllowedRequest(url: string): boolean {
  if (isAppUrl(url)) return true;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  return scheme === 'data' || scheme === 'blob' || scheme === 'devtools';
}

/** Downloads: only blob: URLs the app's own page created (the results and errors files). */
export function isAllowedDownload(url: string): boolean {
  return url.startsWith('blob:') && isAppUrl(url.slice('blob:'.length));
}

/** window.open and target=_blank: always denied; the app never opens a second window or a browser. */
export function windowOpenDecision(_url: string): { action: 'deny' } {
  return { action: 'deny' };
}

/** Who may call the engine: the frame's URL must be the app's own origin (checked with the frame itself). */
export interface ExpectedSender {
  scheme: string;
  host: string;
}

export const APP_SENDER: ExpectedSender = { scheme: APP_SCHEME, host: APP_HOST };

/**
 * True when a frame URL belongs to the app's origin. Node's URL gives custom schemes an opaque origin
 * ('null'), so scheme and host are compared one by one, and anything that could make two different
 * origins look alike (credentials, a port) is refused.
 */
export function isTrustedSender(frameUrl: string | null | undefined, expected: ExpectedSender = APP_SENDER): boolean {
  if (typeof frameUrl !== 'string' || frameUrl.length === 0) return false;
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  return (
    url.protocol === `${expected.scheme}:` &&
    url.hostname === expected.host &&
    url.port === '' &&
    url.username === '' &&
    url.password === ''
  );
}

function isAppUrl(url: string): boolean {
  return isTrustedSender(url, APP_SENDER);
}

/** Every permission a page asks for (camera, notifications, clipboard, geolocation, ...) is refused. */
export function permissionRequestDecision(_permission: string): false {
  return false;
}

/** setPermissionRequestHandler: the answer is always no. */
export function denyPermissionRequest(_webContents: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}

/** setPermissionCheckHandler / setDevicePermissionHandler: the answer is always no. */
export function denyPermissionCheck(): boolean {
  return false;
}

/**
 * Adds the CSP to a response's headers (used by session.webRequest.onHeadersReceived), replacing any CSP a
 * response brought with it whatever the header's case.
 */
export function withCspHeader(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}
