import { randomBytes } from 'node:crypto';

/** OpenAI-style ids: a prefix and 24 random base-36-ish characters. */
export function newId(prefix: 'file' | 'batch' | 'backend' | 'node' | 'alert' | 'req'): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

/** Whether `id` has the exact form of `newId('batch')`: only such ids are ever written into SQL text. */
export function isBatchId(id: string): boolean {
  return /^batch-[0-9a-f]{24}$/.test(id);
}
