import { randomBytes } from 'node:crypto';

/** OpenAI-style ids: a prefix and 24 random base-36-ish characters. */
export function newId(prefix: 'file' | 'batch' | 'backend' | 'node' | 'alert' | 'req'): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}
