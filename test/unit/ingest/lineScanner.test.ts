import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanLines } from '../../../src-main/core/batches/ingest/lineScanner.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-scan-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Event = [kind: 'line', lineNo: number, offset: number, text: string] | [kind: 'tooLong', lineNo: number, bytes: number];

function scan(content: Buffer | string, maxLineBytes = 1024): { events: Event[]; refusal: unknown } {
  const file = path.join(dir, `f${Math.random().toString(36).slice(2)}.jsonl`);
  fs.writeFileSync(file, content);
  const events: Event[] = [];
  const fd = fs.openSync(file, 'r');
  try {
    const { refusal } = scanLines(fd, maxLineBytes, {
      line: (buf, s, e, lineNo, offset) => events.push(['line', lineNo, offset, buf.toString('utf8', s, e)]),
      tooLong: (lineNo, bytes) => events.push(['tooLong', lineNo, bytes]),
    });
    return { events, refusal };
  } finally {
    fs.closeSync(fd);
  }
}

describe('line scanner', () => {
  it('numbers physical lines from 1, strips LF, CRLF and the BOM, and gives file offsets', () => {
    expect(scan('\uFEFFab\r\n\ncd\nef').events).toEqual([
      ['line', 1, 3, 'ab'], ['line', 2, 7, ''], ['line', 3, 8, 'cd'], ['line', 4, 11, 'ef'],
    ]);
  });

  it('does not invent a line after the final newline', () => {
    expect(scan('a\nb\n').events).toEqual([['line', 1, 0, 'a'], ['line', 2, 2, 'b']]);
  });

  it('accepts a line of exactly the limit and refuses one byte more, the CR not counted', () => {
    const ok = 'x'.repeat(10);
    expect(scan(`${ok}\r\n${ok}x\n${ok}`, 10).events).toEqual([['line', 1, 0, ok], ['tooLong', 2, 11], ['line', 3, 24, ok]]);
  });

  it('skips a line far over the limit without keeping it, across many reads, and goes on', () => {
    const huge = 'y'.repeat(9 * 1024 * 1024);
    const { events } = scan(`first\n${huge}\nlast`, 1024);
    expect(events).toEqual([['line', 1, 0, 'first'], ['tooLong', 2, huge.length], ['line', 3, 6 + huge.length + 1, 'last']]);
  });

  it('keeps a long line within the limit whole, across reads', () => {
    const long = 'z'.repeat(5 * 1024 * 1024);
    const { events } = scan(`a\n${long}\nb\n`, 6 * 1024 * 1024);
    expect(events.map((e) => (e[0] === 'line' ? [e[1], e[2], e[3].length] : e))).toEqual([[1, 0, 1], [2, 2, long.length], [3, 3 + long.length, 1]]);
  });

  it('stops at a NUL byte, naming its line', () => {
    const { events, refusal } = scan(Buffer.concat([Buffer.from('ok\nalso ok\nbin'), Buffer.from([0]), Buffer.from('ary\nnever read\n')]));
    expect(events).toEqual([['line', 1, 0, 'ok'], ['line', 2, 3, 'also ok']]);
    expect(refusal).toEqual({ kind: 'binary', lineNo: 3, fileOffset: 14 });
  });

  it('refuses a UTF-16 file at once', () => {
    expect(scan(Buffer.from([0xff, 0xfe, 0x7b, 0x00])).refusal).toEqual({ kind: 'utf16', lineNo: 1, fileOffset: 0 });
  });
});
