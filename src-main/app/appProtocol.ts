import fs from 'node:fs/promises';
import { protocol } from 'electron';
import { resolveRendererFile } from './rendererFiles.ts';
import { APP_SCHEME, CONTENT_SECURITY_POLICY } from './securityPolicy.ts';

/**
 * `batchdeck://app/` serves the built renderer. A standard, secure scheme gives the page a real origin of
 * its own (so CSP 'self' and the IPC sender check mean "our files", unlike file:// where every local file
 * shares one origin). Must run before the app is ready.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** Answers the scheme from the renderer folder, with the CSP on every response. After app ready. */
export function serveAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed');
    const target = resolveRendererFile(rendererDir, request.url);
    if (!target) return plain(404, 'Not found');
    let body: Buffer;
    try {
      body = await fs.readFile(target.file);
    } catch {
      return plain(404, `Not found (is the renderer built? run \`npm run build:renderer\`)`);
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: {
        'content-type': target.contentType,
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      },
    });
  });
}

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': CONTENT_SECURITY_POLICY },
  });
}
