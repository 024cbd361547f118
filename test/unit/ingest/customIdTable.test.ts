import { describe, expect, it } from 'vitest';
import { CustomIdTable } from '../../../src-main/core/batches/ingest/customIdTable.ts';

describe('custom_id table', () => {
  it('finds the first line of every duplicate among 200,000 ids, through its growth', () => {
    const table = new CustomIdTable();
    let reportedAsDuplicate = 0;
    for (let i = 0; i < 200_000; i++) if (table.addOrFirstLine(`req-${i}`, i + 1) !== 0) reportedAsDuplicate++;
    expect(reportedAsDuplicate).toBe(0);
    const wrongFirstLines: number[] = [];
    for (let i = 0; i < 200_000; i += 997) if (table.addOrFirstLine(`req-${i}`, 999_999) !== i + 1) wrongFirstLines.push(i);
    expect(wrongFirstLines).toEqual([]);
    expect(table.size).toBe(200_000);
  });

  it('tells apart ids that differ only in case, unicode or length', () => {
    const table = new CustomIdTable();
    const ids = ['a', 'A', 'é', 'e\u0301', 'a ', '', 'a\u0000'];
    ids.forEach((id, i) => expect(table.addOrFirstLine(id, i + 1)).toBe(0));
    expect(table.addOrFirstLine('e\u0301', 50)).toBe(4);
  });
});
