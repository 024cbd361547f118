/**
 * Sent on every response, API and window alike. The page's own `<meta>` CSP cannot forbid framing
 * (browsers ignore frame-ancestors there), so a cross-site page could frame the window and steer a click;
 * the header versions below stop that, and nosniff keeps a JSONL download from being run as script.
 */
export const WINDOW_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "connect-src 'self' ws: wss:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': WINDOW_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
