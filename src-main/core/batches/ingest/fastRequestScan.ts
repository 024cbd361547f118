/**
 * A byte-level JSON checker for the common case of a batch line: a well-formed object whose custom_id, method,
 * url and body.model are plain strings and body is an object. It checks the whole line's JSON grammar and
 * records where those strings are, without building the request object: JSON.parse of every line (and the
 * garbage it makes) was half of ingest time for a 1M-line file.
 *
 * Anything unusual (bad JSON, a missing or non-string field, an escaped key, deep nesting) returns false, and
 * the caller falls back to JSON.parse and the full checks, which word the errors. So this scanner may be
 * conservative but must never accept a line JSON.parse would refuse.
 */

/** Where the fields of one line are, as byte ranges of the buffer passed to scanRequestLine. Reused per line. */
export class RequestFields {
  customIdStart = 0;
  customIdEnd = 0;
  customIdEscaped = false;
  methodStart = 0;
  methodEnd = 0;
  methodEscaped = false;
  urlStart = 0;
  urlEnd = 0;
  urlEscaped = false;
  modelStart = 0;
  modelEnd = 0;
  modelEscaped = false;
  /** The body object's bytes, braces included (the last `body` key's, as JSON.parse keeps). */
  bodyStart = 0;
  bodyEnd = 0;
  /** body.stream is the literal true. */
  streamTrue = false;
  /** body.input is a string or an array (what a /v1/responses request needs). */
  inputOk = false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_DEPTH = 256;

// Which field a value belongs to; the values of other keys are only checked for grammar.
const NONE = 0;
const CUSTOM_ID = 1;
const METHOD = 2;
const URL = 3;
const BODY = 4;
const MODEL = 5;
const STREAM = 6;
const INPUT = 7;

const KEY_CUSTOM_ID = new TextEncoder().encode('custom_id');
const KEY_METHOD = new TextEncoder().encode('method');
const KEY_URL = new TextEncoder().encode('url');
const KEY_BODY = new TextEncoder().encode('body');
const KEY_MODEL = new TextEncoder().encode('model');
const KEY_STREAM = new TextEncoder().encode('stream');
const KEY_INPUT = new TextEncoder().encode('input');

// Module state for the line being scanned: plain variables keep the hot loops free of property loads.
let b: Buffer = Buffer.alloc(0);
let p = 0;
let end = 0;
let f = new RequestFields();
let seen = 0; // bit per field found with the right type
let strEscaped = false;

/** True when buf[start, end) is a JSON object with string custom_id, method, url and an object body with a string model. */
export function scanRequestLine(buf: Buffer, start: number, stop: number, fields: RequestFields): boolean {
  b = buf;
  p = start;
  end = stop;
  f = fields;
  seen = 0;
  fields.streamTrue = false;
  fields.inputOk = false;
  skipWs();
  if (p >= end || b[p] !== 0x7b) return false;
  if (!object(1, NONE)) return false;
  skipWs();
  const all = (1 << CUSTOM_ID) | (1 << METHOD) | (1 << URL) | (1 << BODY) | (1 << MODEL);
  return p === end && (seen & all) === all;
}

// The hot loops copy the module state into locals: a module-level `let` lives in a context slot, and reading
// and writing it per byte was several times slower than a register.
function skipWs(): void {
  const buf = b;
  const e = end;
  let i = p;
  while (i < e) {
    const c = buf[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else break;
  }
  p = i;
}

/** At '{'. depth 1 is the request, depth 2 (owner BODY) its body. */
function object(depth: number, owner: number): boolean {
  p++;
  skipWs();
  if (p < end && b[p] === 0x7d) { p++; return true; }
  for (;;) {
    if (p >= end || b[p] !== QUOTE) return false;
    const keyStart = p + 1;
    if (!string()) return false;
    const keyEnd = p - 1;
    let field = NONE;
    if (depth === 1 && owner === NONE) {
      if (strEscaped) return false; // an escaped key could spell a field name; leave it to JSON.parse
      field = keyField1(keyStart, keyEnd);
    } else if (depth === 2 && owner === BODY) {
      if (strEscaped) return false;
      field = keyField2(keyStart, keyEnd);
    }
    skipWs();
    if (p >= end || b[p] !== 0x3a) return false;
    p++;
    skipWs();
    if (!value(depth, field)) return false;
    skipWs();
    if (p >= end) return false;
    const c = b[p];
    p++;
    if (c === 0x7d) return true;
    if (c !== 0x2c) return false;
    skipWs();
  }
}

function keyField1(s: number, e: number): number {
  switch (e - s) {
    case 9: return bytesAre(s, KEY_CUSTOM_ID) ? CUSTOM_ID : NONE;
    case 6: return bytesAre(s, KEY_METHOD) ? METHOD : NONE;
    case 3: return bytesAre(s, KEY_URL) ? URL : NONE;
    case 4: return bytesAre(s, KEY_BODY) ? BODY : NONE;
    default: return NONE;
  }
}

function keyField2(s: number, e: number): number {
  switch (e - s) {
    case 5: return bytesAre(s, KEY_MODEL) ? MODEL : bytesAre(s, KEY_INPUT) ? INPUT : NONE;
    case 6: return bytesAre(s, KEY_STREAM) ? STREAM : NONE;
    default: return NONE;
  }
}

/** Buffer.compare is a native call per key; for keys of a few bytes a loop is several times cheaper. */
function bytesAre(s: number, key: Uint8Array): boolean {
  for (let i = 0; i < key.length; i++) if (b[s + i] !== key[i]) return false;
  return true;
}

/** One value; `field` says which request field it is (NONE for everything else). */
function value(depth: number, field: number): boolean {
  if (p >= end) return false;
  const c = b[p];
  // A repeated key: JSON.parse keeps the last value, so what an earlier one recorded is forgotten.
  if (field !== NONE) seen &= ~(1 << field);
  if (field === BODY) seen &= ~(1 << MODEL);
  if (field === STREAM || field === BODY) f.streamTrue = false;
  if (field === INPUT || field === BODY) f.inputOk = false;
  if (c === QUOTE) {
    const s = p + 1;
    if (!string()) return false;
    if (field === INPUT) f.inputOk = true;
    else if (field !== NONE && field !== BODY && field !== STREAM) recordString(field, s, p - 1);
    return true;
  }
  if (c === 0x7b) {
    if (depth >= MAX_DEPTH) return false;
    const s = p;
    if (!object(depth + 1, field === BODY ? BODY : -1)) return false;
    if (field === BODY) {
      seen |= 1 << BODY;
      f.bodyStart = s;
      f.bodyEnd = p;
    }
    return true;
  }
  if (c === 0x5b) {
    if (depth >= MAX_DEPTH || !array(depth + 1)) return false;
    if (field === INPUT) f.inputOk = true;
    return true;
  }
  if (c === 0x74) {
    if (!literal(0x72, 0x75, 0x65, -1)) return false;
    if (field === STREAM) f.streamTrue = true;
    return true;
  }
  if (c === 0x66) return literal(0x61, 0x6c, 0x73, 0x65);
  if (c === 0x6e) return literal(0x75, 0x6c, 0x6c, -1);
  return number();
}

function recordString(field: number, s: number, e: number): void {
  seen |= 1 << field;
  if (field === CUSTOM_ID) { f.customIdStart = s; f.customIdEnd = e; f.customIdEscaped = strEscaped; }
  else if (field === METHOD) { f.methodStart = s; f.methodEnd = e; f.methodEscaped = strEscaped; }
  else if (field === URL) { f.urlStart = s; f.urlEnd = e; f.urlEscaped = strEscaped; }
  else if (field === MODEL) { f.modelStart = s; f.modelEnd = e; f.modelEscaped = strEscaped; }
}

function array(depth: number): boolean {
  p++;
  skipWs();
  if (p < end && b[p] === 0x5d) { p++; return true; }
  for (;;) {
    if (!value(depth, NONE)) return false;
    skipWs();
    if (p >= end) return false;
    const c = b[p];
    p++;
    if (c === 0x5d) return true;
    if (c !== 0x2c) return false;
    skipWs();
  }
}

/** At '"'; leaves p after the closing quote. Raw control characters are not allowed in JSON strings. */
function string(): boolean {
  const buf = b;
  const e = end;
  let i = p + 1;
  let escaped = false;
  for (;;) {
    if (i >= e) return false;
    const c = buf[i] as number;
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      escaped = true;
      const d = buf[i + 1];
      if (d === 0x75) {
        if (i + 5 >= e || !isHex(buf[i + 2]) || !isHex(buf[i + 3]) || !isHex(buf[i + 4]) || !isHex(buf[i + 5])) return false;
        i += 6;
      } else if (d === QUOTE || d === BACKSLASH || d === 0x2f || d === 0x62 || d === 0x66 || d === 0x6e || d === 0x72 || d === 0x74) {
        i += 2;
      } else {
        return false;
      }
    } else if (c < 0x20) {
      return false;
    } else {
      i++;
    }
  }
  p = i + 1;
  strEscaped = escaped;
  return true;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46));
}

/** At the first letter of true/false/null; checks the remaining letters (c4 -1 when there are only three). */
function literal(c1: number, c2: number, c3: number, c4: number): boolean {
  if (b[p + 1] !== c1 || b[p + 2] !== c2 || b[p + 3] !== c3) return false;
  if (c4 === -1) { p += 4; return p <= end; }
  if (b[p + 4] !== c4) return false;
  p += 5;
  return p <= end;
}

/** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
function number(): boolean {
  if (b[p] === 0x2d) p++;
  if (p >= end) return false;
  if (b[p] === 0x30) p++;
  else if (!digits()) return false;
  if (p < end && b[p] === 0x2e) {
    p++;
    if (!digits()) return false;
  }
  if (p < end && (b[p] === 0x65 || b[p] === 0x45)) {
    p++;
    if (p < end && (b[p] === 0x2b || b[p] === 0x2d)) p++;
    if (!digits()) return false;
  }
  return true;
}

function digits(): boolean {
  const buf = b;
  const e = end;
  const s = p;
  let i = p;
  while (i < e) {
    const c = buf[i] as number;
    if (c >= 0x30 && c <= 0x39) i++;
    else break;
  }
  p = i;
  return i > s;
}
