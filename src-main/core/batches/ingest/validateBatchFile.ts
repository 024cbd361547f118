import fs from 'node:fs';
import type { LineError } from '../../../../shared/batch.ts';
import { EarlierCustomIds } from './earlierCustomId.ts';
import { ErrorList } from './errorList.ts';
import { RequestFields, scanRequestLine } from './fastRequestScan.ts';
import { decodeJsonString } from './jsonString.ts';
import { GrowingFileReader } from './growingFile.ts';
import { scanLines, type ScanRefusal } from './lineScanner.ts';
import { RequestValidator } from './requestValidator.ts';
import { DEFAULT_MAX_LINE_BYTES, DEFAULT_PREVIEW_COUNT, type IngestOptions, type IngestResult } from './types.ts';
import { firstInvalidUtf8Byte, isUtf8Range } from './utf8Check.ts';

const MiB = 1024 * 1024;

export interface ValidationProgress { bytesRead: number; totalBytes: number; lines: number; errors: ErrorList }

/**
 * Where the valid requests go while the file is read, in file order (RequestRowWriter). At the first bad line
 * it is abandoned and gets nothing more: nothing is queued when any line is bad.
 */
export interface RequestRows {
  /** The request whose custom_id's UTF-8 bytes are id[start, end), at byte offset of the file, length bytes long. */
  add(id: Uint8Array, start: number, end: number, offset: number, length: number): void;
  abandon(): void;
}

/**
 * Streams a batch file through every check of DESIGN section 4. Synchronous and CPU-bound: it runs inside the
 * ingest worker (ingestWorker.ts), never on the engine's event loop. Hands each valid request to `rows` (when
 * given) as it goes, so nothing per line is kept here but the custom_id table's 16 bytes.
 */
export function validateBatchFile(
  opts: IngestOptions, onProgress?: (progress: ValidationProgress) => void, rows?: RequestRows, shouldStop: () => boolean = () => false,
): IngestResult {
  const started = performance.now();
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const errors = new ErrorList();
  const fd = fs.openSync(opts.filePath, 'r');
  const earlier = new EarlierCustomIds(fd, maxLineBytes);
  const validator = new RequestValidator({
    errors,
    expectedEndpoint: opts.expectedEndpoint,
    previewCount: opts.previewCount ?? DEFAULT_PREVIEW_COUNT,
    isSameId: (offset, id, start, end) => earlier.isSameId(offset, id, start, end),
  });
  const fields = new RequestFields();
  let lineCount = 0;
  let writing = rows !== undefined;
  const addDecoded = (customId: string, offset: number, length: number): void => {
    const bytes = Buffer.from(customId, 'utf8');
    rows!.add(bytes, 0, bytes.length, offset, length);
  };
  const stopWriting = (): void => {
    writing = false;
    rows?.abandon();
  };
  // The first line that is not UTF-8 is reported; the total is added to its message at the end.
  const encoding = { badLines: 0, error: null as LineError | null, message: '' };

  let totalBytes: number;
  let refusal: ScanRefusal | null;
  try {
    // A file still being uploaded is read as it grows; its size is the one the client announced, if any.
    totalBytes = opts.growing ? (opts.expectedBytes ?? 0) : fs.fstatSync(fd).size;
    const source = opts.growing ? new GrowingFileReader(fd, opts.growing, shouldStop) : fd;
    let bytesRead: number;
    ({ refusal, bytesRead } = scanLines(source, maxLineBytes, {
      line(buf, start, end, lineNo, fileOffset) {
        if (isBlank(buf, start, end)) return;
        lineCount++;
        if (!isUtf8Range(buf, start, end)) {
          // Reported once, with where to look; the line is still checked (decoded lossily) for other problems.
          if (encoding.badLines++ === 0) {
            const at = firstInvalidUtf8Byte(buf, start, end);
            const byte = (buf[start + at] ?? 0).toString(16).padStart(2, '0').toUpperCase();
            encoding.message = `not valid UTF-8 (byte 0x${byte} at byte ${at + 1} of the line); save the file as UTF-8`;
            encoding.error = errors.add(lineNo, 'invalid_encoding', encoding.message);
          }
        }
        // Fast path for the usual well-formed line; JSON.parse for the preview and for anything the scanner
        // does not vouch for, which also words the errors.
        if (!validator.wantsPreview && scanRequestLine(buf, start, end, fields)) {
          // The custom_id is never decoded here unless escaped: the duplicate check and the row take its bytes.
          if (validator.validateScanned(buf, fields, lineNo, fileOffset) && writing && errors.count === 0) {
            if (fields.customIdEscaped) addDecoded(decodeJsonString(buf, fields.customIdStart, fields.customIdEnd, true), fileOffset, end - start);
            else rows!.add(buf, fields.customIdStart, fields.customIdEnd, fileOffset, end - start);
          }
        } else {
          const customId = validator.validate(buf.toString('utf8', start, end), lineNo, fileOffset);
          if (customId !== null && writing && errors.count === 0) addDecoded(customId, fileOffset, end - start);
        }
        if (writing && errors.count > 0) stopWriting();
      },
      tooLong(lineNo, bytes) {
        lineCount++;
        errors.add(lineNo, 'line_too_large',
          `too large: ${formatBytes(bytes)}, over the ${formatBytes(maxLineBytes)} limit for one request line`);
        if (writing) stopWriting();
      },
      progress: onProgress && ((read) => onProgress({ bytesRead: read, totalBytes: Math.max(totalBytes, read), lines: lineCount, errors })),
    }));
    if (opts.growing) totalBytes = bytesRead;
  } finally {
    fs.closeSync(fd);
  }

  if (encoding.error !== null && encoding.badLines > 1) {
    errors.amend(encoding.error, `${encoding.message} (${encoding.badLines.toLocaleString('en-US')} lines in the file are not valid UTF-8)`);
  }
  if (refusal !== null) reportRefusal(errors, refusal);
  else if (lineCount === 0) errors.add(null, 'empty_file', 'the file has no requests (it is empty or only blank lines)');
  if (writing && errors.count > 0) stopWriting();

  const result: IngestResult = {
    ok: errors.count === 0,
    lineCount,
    model: validator.model,
    endpoint: validator.endpoint,
    errors: errors.toArray(),
    preview: validator.preview,
    bytes: totalBytes,
    insertedRows: 0,
    timings: { validateMs: Math.round(performance.now() - started), insertMs: 0 },
  };
  return result;
}

function reportRefusal(errors: ErrorList, refusal: ScanRefusal): void {
  if (refusal.kind === 'utf16') {
    errors.add(refusal.lineNo, 'invalid_encoding', 'the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8');
  } else {
    errors.add(refusal.lineNo, 'binary_file',
      `contains a NUL byte (at byte offset ${refusal.fileOffset}): this is a binary file, not JSONL text; upload the .jsonl file itself (decompressed, UTF-8)`);
  }
}

/** Blank = empty or only spaces, tabs and CRs; such lines are skipped but still counted in line numbers. */
function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  }
  return true;
}

function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB`;
  return `${bytes} bytes`;
}
