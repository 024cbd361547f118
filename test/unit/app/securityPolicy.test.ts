import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL, CONTENT_SECURITY_POLICY, denyPermissionCheck, denyPermissionRequest, isAllowedNavigation,
  isAllowedDownload, isAllowedRequest, isTrustedSender, secureWebPreferences, windowOpenDecision, withCspHeader,
} from '../../../src-main/app/securityPolicy.ts';

function cspDirectives(): Map<string, string[]> {
  return new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
      const [name, ...values] = d.split(/\s+/);
      return [name!, values];
    }),
  );
}

describe('window webPreferences', () => {
  const prefs = secureWebPreferences('/app/dist/app/preload.cjs', { devTools: false });

  it('isolates and sandboxes the page, with no Node anywhere', () => {
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: false,
    });
    expect(prefs.preload).toBe('/app/dist/app/preload.cjs');
  });

  it('enables no Blink feature behind a flag', () => {
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('additionalArguments');
  });
});

describe('content security policy', () => {
  const csp = cspDirectives();

  it('allows no eval, no inline script and no remote origin', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|unsafe-inline|unsafe-hashes|wasm-unsafe-eval|strict-dynamic/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|wss?:|\*/);
    expect(csp.get('script-src')).toEqual(["'self'"]);
  });

  it('falls back to nothing and forbids frames, plugins, base and form targets', () => {
    expect(csp.get('default-src')).toEqual(["'none'"]);
    for (const d of ['object-src', 'frame-src', 'frame-ancestors', 'base-uri', 'form-action']) expect(csp.get(d)).toEqual(["'none'"]);
  });

  it('lets the page talk only to its own origin', () => {
    expect(csp.get('connect-src')).toEqual(["'self'"]);
  });

  it('is put on responses, replacing whatever CSP they had', () => {
    const headers = withCspHeader({ 'content-security-policy': ["default-src *"], 'Content-Type': 'text/html' });
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    expect(withCspHeader(undefined)).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });
});

describe('navigation and new windows', () => {
  it("allows only the app's own pages", () => {
    expect(isAllowedNavigation(APP_ENTRY_URL)).toBe(true);
    expect(isAllowedNavigation('batchdeck://app/batches/batch_1')).toBe(true);
  });

  it.each([
    'https://example.com/',
    'http://127.0.0.1:4080/',
    'http://localhost:5173/',
    'file:///etc/passwd',
    'file:///home/op/batch.jsonl',
    'data:text/html,<script>alert(1)</script>',
    'javascript:alert(1)',
    'blob:batchdeck://app/1234',
    'batchdeck://evil/index.html',
    'batchdeck://app:8080/index.html',
    'batchdeck://user@app/index.html',
    'about:blank',
    'not a url',
    '',
  ])('denies navigation to %s', (url) => {
    expect(isAllowedNavigation(url)).toBe(false);
  });

  it.each(['https://example.com/', 'http://127.0.0.1/', 'file:///tmp/x.html', APP_ENTRY_URL])('denies window.open of %s', (url) => {
    expect(windowOpenDecision(url)).toEqual({ action: 'deny' });
  });

  it('lets the window fetch only its own files and what it made itself', () => {
    expect(isAllowedRequest('batchdeck://app/assets/index-abc.js')).toBe(true);
    expect(isAllowedRequest('data:image/png;base64,AAAA')).toBe(true);
    expect(isAllowedRequest('blob:batchdeck://app/5d1c')).toBe(true);
    for (const url of ['https://cdn.example.com/x.js', 'http://127.0.0.1:4080/api/x', 'ws://127.0.0.1:4080/ws', 'file:///etc/hosts', 'ftp://x/y']) {
      expect(isAllowedRequest(url)).toBe(false);
    }
  });
});

describe('downloads', () => {
  it('allows only blob: URLs made by the app page', () => {
    expect(isAllowedDownload('blob:batchdeck://app/6f0c2a9e-1111-4f00-8000-000000000000')).toBe(true);
    for (const url of ['https://example.com/x.jsonl', 'blob:https://example.com/1', 'data:text/plain,hi', 'file:///etc/passwd', 'blob:batchdeck://evil/1']) {
      expect(isAllowedDownload(url)).toBe(false);
    }
  });
});

describe('permissions', () => {
  it.each(['media', 'notifications', 'geolocation', 'clipboard-read', 'clipboard-sanitized-write', 'openExternal', 'usb', 'fullscreen'])(
    'refuses a %s request',
    (permission) => {
      let granted: boolean | undefined;
      denyPermissionRequest({}, permission, (g) => { granted = g; });
      expect(granted).toBe(false);
    },
  );

  it('answers every permission check with no', () => {
    expect(denyPermissionCheck()).toBe(false);
  });
});

describe('trusted sender URL', () => {
  it("accepts the app's own origin", () => {
    expect(isTrustedSender('batchdeck://app/index.html')).toBe(true);
    expect(isTrustedSender('batchdeck://app/')).toBe(true);
  });

  it.each([
    'https://app/index.html',
    'file:///work/main/dist/renderer/index.html',
    'batchdeck://other/index.html',
    'batchdeck://app.evil/index.html',
    'batchdeck://app:1/index.html',
    'batchdeck://a:b@app/index.html',
    'about:blank',
    '',
  ])('refuses %s', (url) => {
    expect(isTrustedSender(url)).toBe(false);
  });

  it('refuses a missing URL', () => {
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });
});
