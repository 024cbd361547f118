import fs from 'node:fs';

/**
 * How many non-blank lines a batch file has, read as a stream (a 1 GB upload is never held in memory). Used
 * where a queue limit on requests must be checked before the file is validated; a line of only spaces counts,
 * which can only make the check stricter by a few lines.
 */
export async function countRequestLines(filePath: string): Promise<number> {
  let count = 0;
  let lineLength = 0;
  for await (const chunk of fs.createReadStream(filePath, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(10, from);
      if (nl < 0) {
        lineLength += chunk.length - from;
        break;
      }
      lineLength += nl - from;
      // A CRLF line's \r alone is still a blank line.
      if (lineLength > 1 || (lineLength === 1 && chunk[nl - 1] !== 13)) count++;
      lineLength = 0;
      from = nl + 1;
    }
  }
  if (lineLength > 0) count++;
  return count;
}
