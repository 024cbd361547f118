/**
 * A fresh upload key (a version 4 UUID, what UPLOAD_KEY_HEADER takes). `crypto.randomUUID` exists only in a
 * secure context; a headless server opened as http://LAN-ADDRESS is not one, so the same UUID is built from
 * `crypto.getRandomValues` there, which every context has.
 */
export function newUploadKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
