import { createHash } from 'node:crypto';

/**
 * OpenSSH's SHA256 fingerprint of a host key: base64 of sha256 over the raw key blob, without padding,
 * so what Batchdeck shows is exactly what `ssh-keygen -lf` prints on the node.
 */
export function sha256Fingerprint(rawKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(rawKey).digest('base64').replace(/=+$/, '')}`;
}

/** Fingerprints compared the way operators paste them: with or without base64 padding. */
export function sameFingerprint(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false;
  return a.replace(/=+$/, '') === b.replace(/=+$/, '');
}
