import { RequestFields, scanRequestLine } from './ingest/fastRequestScan.ts';

const fields = new RequestFields();
let modelJson: { model: string; bytes: Buffer } | null = null;

/**
 * The HTTP body to send for a stored request line buf[start, end): the line's `body` bytes as they are, or with
 * body.model replaced when the batch overrides the model. The line was validated at ingest, so the byte scanner
 * finds the body without building it: JSON.parse and JSON.stringify of every body were the executor's largest
 * CPU cost per request. A line the scanner does not vouch for (unusual shapes) still goes through JSON.parse.
 * The result is a copy: `buf` is a read-ahead buffer that the next read overwrites while a send may be queued.
 */
export function requestBody(buf: Buffer, start: number, end: number, model: string | null): Buffer | string {
  if (!scanRequestLine(buf, start, end, fields)) {
    const line = JSON.parse(buf.toString('utf8', start, end)) as { body: Record<string, unknown> };
    if (model !== null) line.body.model = model;
    return JSON.stringify(line.body);
  }
  if (model === null) return Buffer.from(buf.subarray(fields.bodyStart, fields.bodyEnd));
  if (modelJson?.model !== model) modelJson = { model, bytes: Buffer.from(JSON.stringify(model)) };
  // modelStart/modelEnd bound the string's content; its quotes (one byte each) are replaced with it.
  return Buffer.concat([
    buf.subarray(fields.bodyStart, fields.modelStart - 1),
    modelJson.bytes,
    buf.subarray(fields.modelEnd + 1, fields.bodyEnd),
  ]);
}
