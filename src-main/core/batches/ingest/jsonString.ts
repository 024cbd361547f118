/**
 * The value of the JSON string whose content (between the quotes) is buf[start, end). Without escapes that is
 * the bytes themselves; with escapes, JSON.parse of the quoted span decodes them exactly as it would have in
 * the whole line.
 */
export function decodeJsonString(buf: Buffer, start: number, end: number, escaped: boolean): string {
  return escaped ? (JSON.parse(buf.toString('utf8', start - 1, end + 1)) as string) : buf.toString('utf8', start, end);
}
