/**
 * The floor for the executor's throughput: a bare keep-alive node:http client that sends the same chat
 * requests to the same simulator with the same concurrency, reads each answer and does nothing else (no
 * SQLite, no retries, no bookkeeping). Run as a process of its own so its CPU time is its own:
 *   node test/bench/rawHttpClient.ts URL N CONCURRENCY  ->  {"rps":..., "cpuUsPerRequest":...} on stdout
 */
import http from 'node:http';

export interface RawClientResult { rps: number; cpuUsPerRequest: number }

async function run(url: string, n: number, concurrency: number): Promise<RawClientResult> {
  const target = new URL('/v1/chat/completions', url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency, scheduling: 'lifo' });
  const bodies: string[] = [];
  for (let i = 0; i < n; i++) bodies.push(JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: `Question number ${i}?` }], max_tokens: 16 }));
  const post = (body: string): Promise<void> => new Promise((resolve, reject) => {
    const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
        else { Buffer.concat(chunks).toString('utf8'); resolve(); }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
  let next = 0;
  let last = 0;
  const worker = async (): Promise<void> => {
    while (next < last) await post(bodies[next++]!);
  };
  // Warmed up first (JIT, sockets), so the floor is the client at its best.
  last = Math.min(2_000, Math.floor(n / 10));
  await Promise.all(Array.from({ length: concurrency }, worker));
  next = 0;
  last = n;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return { rps: n / seconds, cpuUsPerRequest: (cpu.user + cpu.system) / n };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, n, concurrency] = process.argv.slice(2);
  process.stdout.write(JSON.stringify(await run(url!, Number(n), Number(concurrency))) + '\n');
}
