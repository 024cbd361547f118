import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/**
 * `POST /v1/files` as `curl -F purpose=batch -F file=@FILE` sends it: one multipart body, the file streamed
 * from disk into the socket. The bench's API client (its own cost on these two cores is a client's, where
 * fetch with FormData and a Blob re-chunks the whole file in JS first: ~0.75 s of CPU for 294 MB), and tests'.
 */
export function uploadMultipart(server: string, file: string): Promise<{ id: string }> {
  const boundary = `----batchdeck-bench-${Date.now().toString(16)}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${path.basename(file)}"\r\nContent-Type: application/jsonl\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = head.length + fs.statSync(file).size + tail.length;
  return new Promise((resolve, reject) => {
    const req = http.request(`${server}/v1/files`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': length } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as { id: string }) : reject(new Error(`upload: HTTP ${res.statusCode}: ${body}`))));
    });
    req.on('error', reject);
    req.write(head);
    const source = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    source.on('error', reject);
    source.pipe(req, { end: false });
    source.on('end', () => req.end(tail));
  });
}
