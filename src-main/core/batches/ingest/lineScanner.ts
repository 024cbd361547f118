import fs from 'node:fs';

/** Receives the physical lines of a file from scanLines. Line numbers are 1-based and count blank lines. */
export interface LineSink {
  /** A complete line without its terminator (LF or CRLF) or BOM, as buf[start, end). */
  line(buf: Buffer, start: number, end: number, lineNo: number, fileOffset: number): void;
  /** A line longer than the limit; its bytes were skipped, never held in memory at once. */
  tooLong(lineNo: number, bytes: number): void;
  /** How far the scan got, called after every read. */
  progress?(bytesRead: number): void;
}

/** Why a scan stopped before the end of the file: content that is not JSONL text at all. */
export type ScanRefusal =
  | { kind: 'binary'; lineNo: number; fileOffset: number }
  | { kind: 'utf16'; lineNo: 1; fileOffset: 0 };

export interface ScanOutcome { bytesRead: number; refusal: ScanRefusal | null }

/** Where the bytes come from: a file descriptor, or a reader that may wait for bytes still being written. */
export interface PositionalReader {
  read(buf: Buffer, offset: number, length: number, position: number): number;
}

const READ_SIZE = 2 * 1024 * 1024;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Streams a file through one reusable buffer and hands out its lines by position, so a 1 GB file costs a few MB
 * and no per-line Buffer. The buffer grows only for a long line, and never much past maxLineBytes: a longer
 * line is skipped to its end and reported. A NUL byte stops the scan (a binary file, refused at once).
 */
export function scanLines(source: number | PositionalReader, maxLineBytes: number, sink: LineSink): ScanOutcome {
  const read = typeof source === 'number'
    ? (b: Buffer, o: number, l: number, p: number) => fs.readSync(source, b, o, l, p)
    : (b: Buffer, o: number, l: number, p: number) => source.read(b, o, l, p);
  let buf = Buffer.allocUnsafe(READ_SIZE);
  let start = 0; // unprocessed bytes are buf[start, end)
  let end = 0;
  let base = 0; // file offset of buf[0]
  let scanFrom = 0; // where the newline search resumes, so a long partial line is not rescanned
  let lineNo = 1;
  let skipping = false; // inside a line that is over the limit
  let skipped = 0;
  let bytesRead = 0;

  const emit = (s: number, e: number): void => {
    if (e > s && buf[e - 1] === CR) e--;
    if (e - s > maxLineBytes) sink.tooLong(lineNo, e - s);
    else sink.line(buf, s, e, lineNo, base + s);
  };

  for (;;) {
    if (start > 0) {
      // Keep only the partial line at the front; it is short unless it is a long line being collected.
      buf.copyWithin(0, start, end);
      base += start;
      end -= start;
      scanFrom -= start;
      start = 0;
    }
    if (end === buf.length) {
      const grown = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(grown, 0, 0, end);
      buf = grown;
    }
    const readStart = end;
    const n = read(buf, end, buf.length - end, bytesRead);
    if (n === 0) break;
    end += n;
    bytesRead += n;

    if (bytesRead === n) {
      // The first read of a file still being written may be a byte or two; the BOM checks need three.
      for (let more = 1; end < 3 && more > 0; end += more, bytesRead += more) more = read(buf, end, buf.length - end, bytesRead);
      if (startsWithUtf16Bom(buf, end)) return { bytesRead, refusal: { kind: 'utf16', lineNo: 1, fileOffset: 0 } };
      if (end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = scanFrom = 3;
    }
    const nulInChunk = buf.subarray(readStart, end).indexOf(0);
    const nul = nulInChunk < 0 ? -1 : readStart + nulInChunk;

    for (;;) {
      // indexOf may look past `end` into stale bytes; a hit there means "no newline yet".
      const nl = buf.indexOf(LF, scanFrom);
      if (nl < 0 || nl >= end) break;
      if (nul >= 0 && nul < nl) return { bytesRead, refusal: { kind: 'binary', lineNo, fileOffset: base + nul } };
      if (skipping) {
        sink.tooLong(lineNo, skipped + (nl - start));
        skipping = false;
      } else {
        emit(start, nl);
      }
      lineNo++;
      start = scanFrom = nl + 1;
    }
    if (nul >= start) return { bytesRead, refusal: { kind: 'binary', lineNo, fileOffset: base + nul } };
    if (skipping) {
      skipped += end - start;
      start = scanFrom = end;
    } else if (end - start > maxLineBytes + 1) {
      // +1 leaves room for a CR before the LF. From here on the line's bytes are counted, not kept.
      skipping = true;
      skipped = end - start;
      start = scanFrom = end;
    } else {
      scanFrom = end;
    }
    sink.progress?.(bytesRead);
  }

  if (skipping) sink.tooLong(lineNo, skipped);
  else if (end > start) emit(start, end);
  return { bytesRead, refusal: null };
}

function startsWithUtf16Bom(buf: Buffer, end: number): boolean {
  return end >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff));
}
