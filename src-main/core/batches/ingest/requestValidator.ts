import type { Endpoint } from '../../../../shared/batch.ts';
import { CustomIdTable } from './customIdTable.ts';
import type { ErrorList } from './errorList.ts';
import type { RequestFields } from './fastRequestScan.ts';
import { decodeJsonString } from './jsonString.ts';
import type { IngestPreviewItem } from './types.ts';

/**
 * shared/batch.ts's ENDPOINTS, copied because importing that module loads zod, which would add ~80 ms to every
 * ingest worker's start. The two lines below make the typecheck fail if the copy and Endpoint ever differ.
 */
const ENDPOINTS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/responses'] as const satisfies readonly Endpoint[];
const RESPONSES = '/v1/responses';
const _everyEndpointListed: Endpoint extends (typeof ENDPOINTS)[number] ? true : never = true;

const SUPPORTED_URLS: ReadonlySet<string> = new Set(ENDPOINTS);
const URL_LIST = ENDPOINTS.join(', ');

export interface RequestValidatorOptions {
  errors: ErrorList;
  expectedEndpoint?: string | undefined;
  previewCount: number;
  /** Confirms a custom_id hash match against the earlier line (see CustomIdTable). */
  isSameId(earlierOffset: number, id: Uint8Array, start: number, end: number): boolean;
}

/**
 * Checks one request line of an OpenAI Batch JSONL file at a time (DESIGN section 4) and remembers what the
 * file-wide rules need: custom_ids seen, the file's endpoint and model. Every problem of a line is reported,
 * not only the first, so the operator can fix a file in one pass.
 */
export class RequestValidator {
  readonly #errors: ErrorList;
  readonly #expectedEndpoint: string | undefined;
  readonly #previewCount: number;
  /** custom_id -> line it was first seen on, for duplicate messages that point at both lines. */
  readonly #seen: CustomIdTable;
  #endpointLine = 0;
  #modelLine = 0;
  endpoint: string | null = null;
  model: string | null = null;
  readonly preview: IngestPreviewItem[] = [];

  constructor(opts: RequestValidatorOptions) {
    this.#errors = opts.errors;
    this.#expectedEndpoint = opts.expectedEndpoint;
    this.#previewCount = opts.previewCount;
    this.#seen = new CustomIdTable({ isSameId: opts.isSameId });
  }

  /** Whether the next valid request goes into the preview (and so needs its body parsed). */
  get wantsPreview(): boolean {
    return this.preview.length < this.#previewCount;
  }

  /**
   * Validates one non-blank line (starting at byte lineOffset of the file); returns its custom_id when the line
   * is a valid request, else null.
   */
  validate(text: string, line: number, lineOffset: number): string | null {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.#errors.add(line, 'invalid_json_line', `not valid JSON (${jsonErrorDetail(err)})`);
      return null;
    }
    if (!isPlainObject(value)) {
      this.#errors.add(line, 'invalid_json_line',
        `expected a JSON object {"custom_id", "method", "url", "body"}, got ${describe(value)}`);
      return null;
    }
    const errorsBefore = this.#errors.count;
    const customId = this.#checkCustomId(value.custom_id, line, lineOffset);
    this.#checkMethod(value.method, line);
    this.#checkUrl(value.url, line);
    const body = value.body;
    if (isPlainObject(body)) {
      this.#checkModel(body.model, line);
      this.#checkStream(body.stream, line);
      if (value.url === RESPONSES) this.#checkResponsesInput(typeof body.input === 'string' || Array.isArray(body.input), body.input, line);
    } else {
      const message = body === undefined ? 'missing body (the request parameters object)' : `body must be a JSON object, got ${describe(body)}`;
      this.#errors.add(line, 'invalid_body', message, 'body');
    }
    if (this.#errors.count !== errorsBefore || customId === null) return null;
    if (this.preview.length < this.#previewCount) this.preview.push({ line, customId, body });
    return customId;
  }

  /**
   * The same checks for a line fastRequestScan has already found well-formed, reading the fields from the
   * buffer; the usual url and model are compared in place instead of being decoded again for every line, and
   * an unescaped custom_id is checked for duplicates by its bytes, never decoded. True when the line is valid.
   */
  validateScanned(buf: Buffer, f: RequestFields, line: number, lineOffset: number): boolean {
    const errorsBefore = this.#errors.count;
    if (f.customIdEscaped) this.#checkCustomId(decodeJsonString(buf, f.customIdStart, f.customIdEnd, true), line, lineOffset);
    else this.#checkIdBytes(buf, f.customIdStart, f.customIdEnd, line, lineOffset);
    this.#checkMethod(f.methodEscaped ? decodeJsonString(buf, f.methodStart, f.methodEnd, true) : sameOrDecoded(buf, f.methodStart, f.methodEnd, 'POST'), line);
    const url = f.urlEscaped ? decodeJsonString(buf, f.urlStart, f.urlEnd, true) : sameOrDecoded(buf, f.urlStart, f.urlEnd, this.endpoint);
    this.#checkUrl(url, line);
    this.#checkModel(f.modelEscaped ? decodeJsonString(buf, f.modelStart, f.modelEnd, true) : sameOrDecoded(buf, f.modelStart, f.modelEnd, this.model), line);
    this.#checkStream(f.streamTrue, line);
    if (url === RESPONSES) this.#checkResponsesInput(f.inputOk, f.inputOk ? '' : undefined, line);
    return this.#errors.count === errorsBefore;
  }

  #checkCustomId(id: unknown, line: number, lineOffset: number): string | null {
    if (id === undefined || id === null) {
      this.#errors.add(line, 'missing_custom_id', 'missing custom_id (every request needs a unique string custom_id)', 'custom_id');
      return null;
    }
    if (typeof id !== 'string') {
      this.#errors.add(line, 'invalid_custom_id', `custom_id must be a string, got ${describe(id)}`, 'custom_id');
      return null;
    }
    if (id.length === 0) {
      this.#errors.add(line, 'missing_custom_id', 'custom_id is empty (every request needs a unique string custom_id)', 'custom_id');
      return null;
    }
    const bytes = Buffer.from(id, 'utf8');
    return this.#checkIdBytes(bytes, 0, bytes.length, line, lineOffset) ? id : null;
  }

  /** The uniqueness check, on the id's UTF-8 bytes; false (and an error) for a duplicate. */
  #checkIdBytes(id: Uint8Array, start: number, end: number, line: number, lineOffset: number): boolean {
    if (start === end) {
      this.#errors.add(line, 'missing_custom_id', 'custom_id is empty (every request needs a unique string custom_id)', 'custom_id');
      return false;
    }
    const firstLine = this.#seen.addOrFirstLine(id, start, end, line, lineOffset);
    if (firstLine === 0) return true;
    const text = Buffer.from(id.buffer, id.byteOffset + start, end - start).toString('utf8');
    this.#errors.add(line, 'duplicate_custom_id', `duplicate custom_id ${quote(text)} (first seen on line ${firstLine})`, 'custom_id');
    return false;
  }

  #checkMethod(method: unknown, line: number): void {
    if (method === 'POST') return;
    const message = method === undefined ? 'missing method (it must be "POST")' : `method must be "POST", got ${describe(method)}`;
    this.#errors.add(line, 'invalid_method', message, 'method');
  }

  #checkUrl(url: unknown, line: number): void {
    if (typeof url !== 'string' || !SUPPORTED_URLS.has(url)) {
      const got = url === undefined ? 'missing url' : `url ${describe(url)} is not supported`;
      this.#errors.add(line, 'invalid_url', `${got}; use one of ${URL_LIST}`, 'url');
      return;
    }
    if (this.#expectedEndpoint !== undefined && url !== this.#expectedEndpoint) {
      this.#errors.add(line, 'mismatched_endpoint',
        `url ${quote(url)} does not match the batch's endpoint ${quote(this.#expectedEndpoint)}`, 'url');
      return;
    }
    if (this.endpoint === null) {
      this.endpoint = url;
      this.#endpointLine = line;
    } else if (url !== this.endpoint) {
      this.#errors.add(line, 'mismatched_endpoint',
        `url ${quote(url)} differs from ${quote(this.endpoint)} used on line ${this.#endpointLine}; all requests of a batch must use one endpoint`, 'url');
    }
  }

  #checkModel(model: unknown, line: number): void {
    if (typeof model !== 'string' || model.length === 0) {
      const message = model === undefined ? 'body.model is missing' : `body.model must be a non-empty string, got ${describe(model)}`;
      this.#errors.add(line, 'missing_model', message, 'body.model');
    } else if (this.model === null) {
      this.model = model;
      this.#modelLine = line;
    } else if (model !== this.model) {
      this.#errors.add(line, 'mismatched_model',
        `model ${quote(model)} differs from ${quote(this.model)} used on line ${this.#modelLine}; a batch file must use one model`, 'body.model');
    }
  }

  /** A Responses request needs `input`: a string, or an array of input items (what OpenAI and llama-server accept). */
  #checkResponsesInput(ok: boolean, input: unknown, line: number): void {
    if (ok) return;
    const message = input === undefined ? 'body.input is missing (a /v1/responses request needs input: a string or an array of input items)'
      : `body.input must be a string or an array of input items, got ${describe(input)}`;
    this.#errors.add(line, 'missing_input', message, 'body.input');
  }

  #checkStream(stream: unknown, line: number): void {
    if (stream === true) {
      this.#errors.add(line, 'stream_not_supported', 'body.stream is true; batches cannot stream (remove it or set it to false)', 'body.stream');
    }
  }
}

/** `expected` itself when buf[start, end) spells it (ASCII compare, no allocation), else the decoded bytes. */
function sameOrDecoded(buf: Buffer, start: number, end: number, expected: string | null): string {
  if (expected !== null && expected.length === end - start) {
    let i = 0;
    while (i < expected.length && buf[start + i] === expected.charCodeAt(i)) i++;
    if (i === expected.length) return expected;
  }
  return buf.toString('utf8', start, end);
}

/**
 * V8's message says "at position 41 (line 1 column 42)"; within a JSONL file "line 1" reads like the file's
 * line 1, so only the column is kept.
 */
function jsonErrorDetail(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/ in JSON at position (\d+)(?: \(line \d+ column \d+\))?/, (_m, pos: string) => ` at column ${Number(pos) + 1}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, quoted rendering of a value for a message; long values are cut so a message stays readable. */
function quote(text: string): string {
  const json = JSON.stringify(text);
  return json.length > 82 ? `${json.slice(0, 80)}…"` : json;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
