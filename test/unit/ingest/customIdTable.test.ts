import { describe, expect, it } from 'vitest';
import { CustomIdTable } from '../../../src-main/core/batches/ingest/customIdTable.ts';

/**
 * The table keeps hashes, lines and line offsets, never the ids; it asks isSameId to confirm a hash match.
 * Here the "file" is an array of ids indexed by offset, so the confirmation compares the real ids.
 */
function tableOver(hash?: (id: Uint8Array, start: number, end: number) => number) {
  const byOffset = new Map<number, string>();
  let confirmations = 0;
  const table = new CustomIdTable({
    isSameId: (offset, id, start, end) => {
      confirmations++;
      return Buffer.from(byOffset.get(offset)!, 'utf8').equals(id.subarray(start, end));
    },
    ...(hash ? { hash } : {}),
  });
  const add = (id: string, line: number): number => {
    const offset = line * 1000;
    byOffset.set(offset, id);
    const bytes = Buffer.from(id, 'utf8');
    return table.addOrFirstLine(bytes, 0, bytes.length, line, offset);
  };
  return { table, add, confirmations: () => confirmations };
}

describe('custom_id table', () => {
  it('finds the first line of every duplicate among 200,000 ids, through its growth', () => {
    const { table, add } = tableOver();
    let reportedAsDuplicate = 0;
    for (let i = 0; i < 200_000; i++) if (add(`req-${i}`, i + 1) !== 0) reportedAsDuplicate++;
    expect(reportedAsDuplicate).toBe(0);
    const wrongFirstLines: number[] = [];
    for (let i = 0; i < 200_000; i += 997) if (add(`req-${i}`, 999_999) !== i + 1) wrongFirstLines.push(i);
    expect(wrongFirstLines).toEqual([]);
    expect(table.size).toBe(200_000);
  });

  it('tells apart ids that differ only in case, unicode or length', () => {
    const { add } = tableOver();
    const ids = ['a', 'A', 'é', 'e\u0301', 'a ', 'a\u0000'];
    ids.forEach((id, i) => expect(add(id, i + 1)).toBe(0));
    expect(add('e\u0301', 50)).toBe(4);
  });

  it('does not call different ids duplicates when their hashes collide', () => {
    // Every id hashes alike: each insert probes past all earlier ones, and only the real check decides.
    const { table, add, confirmations } = tableOver(() => 42);
    for (let i = 0; i < 2_000; i++) expect(add(`id-${i}`, i + 1)).toBe(0);
    expect(table.size).toBe(2_000);
    expect(confirmations()).toBeGreaterThan(1_000_000);
    expect(add('id-1234', 5_000)).toBe(1_235);
  });

  it('keeps both the duplicate and the collision apart when a few ids share a hash', () => {
    // Two hash values for 5,000 ids, through several growths of the slot array.
    const weak = (id: Uint8Array, start: number, end: number): number => (id[end - 1]! & 1);
    const { add } = tableOver(weak);
    for (let i = 0; i < 5_000; i++) expect(add(`k${i}`, i + 1)).toBe(0);
    expect(add('k4999', 6_000)).toBe(5_000);
    expect(add('k0', 6_001)).toBe(1);
    expect(add('k5000', 6_002)).toBe(0);
  });
});
