import type { Session, WebContents } from 'electron';
import {
  denyPermissionCheck, denyPermissionRequest, isAllowedDownload, isAllowedNavigation, isAllowedRequest, windowOpenDecision, withCspHeader,
} from './securityPolicy.ts';

/**
 * Session-wide rules: every permission refused (camera, notifications, clipboard, USB, ...), and the CSP
 * added to every response that passes through the network stack. The app's own pages come from the custom
 * protocol, which sets the same CSP itself (webRequest does not see custom-scheme responses).
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler(denyPermissionRequest);
  session.setPermissionCheckHandler(denyPermissionCheck);
  session.setDevicePermissionHandler(denyPermissionCheck);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCspHeader(details.responseHeaders) });
  });
  // No remote content: a request for anything but the app's own files is cancelled before it leaves.
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequest(details.url);
    if (!allowed) console.warn(`request to ${details.url.slice(0, 200)} blocked`);
    callback({ cancel: !allowed });
  });
  // Downloads are the results files the page builds as blob: URLs; Electron asks where to save them.
  // Anything else a page might try to download is refused.
  session.on('will-download', (event, item) => {
    if (!isAllowedDownload(item.getURL())) {
      event.preventDefault();
      console.warn(`download of ${item.getURL().slice(0, 200)} refused`);
    }
  });
}

/**
 * Rules for every web contents the app ever gets (main.ts applies them in 'web-contents-created'):
 * no navigation away from the app, no new windows, no <webview>.
 */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) {
      event.preventDefault();
      console.warn(`navigation to ${url.slice(0, 200)} denied`);
    }
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAllowedNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  // Links with target=_blank and window.open: denied, and not handed to shell.openExternal either.
  contents.setWindowOpenHandler(({ url }) => {
    console.warn(`window.open of ${url.slice(0, 200)} denied`);
    return windowOpenDecision(url);
  });
}
