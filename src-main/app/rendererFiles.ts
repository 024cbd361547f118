import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './securityPolicy.ts';

/** What the custom protocol serves, by extension; anything else is refused rather than guessed. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export interface RendererFile {
  file: string;
  contentType: string;
}

/**
 * Maps a `batchdeck://app/...` URL to a file inside the built renderer folder, or null. A path that would
 * leave the folder (`..`, encoded slashes, absolute paths) is refused; an extension-less path is a page of
 * the single-page app and gets index.html.
 */
export function resolveRendererFile(rendererDir: string, requestUrl: string): RendererFile | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.hostname !== APP_HOST || url.port !== '') return null;

  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  if (pathname === '' || pathname === '/') pathname = '/index.html';

  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${path.posix.normalize(pathname)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return null;

  const ext = path.extname(file).toLowerCase();
  if (ext === '') return { file: path.join(root, 'index.html'), contentType: CONTENT_TYPES['.html']! };
  const contentType = CONTENT_TYPES[ext];
  if (!contentType) return null;
  return { file, contentType };
}
