/**
 * Compare over the window's HTTP API: batch A paged in its own order, each row joined by custom_id with batch
 * B's row, whatever B's order and whether B has that custom_id at all. B's custom_id index is built on the
 * first Compare (there is none on the ingest path).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultRow } from '../../shared/batch.ts';
import { customIdIndexName } from '../../src-main/core/store/customIdIndexes.ts';
import { api, submitText } from '../support/batchApi.ts';
import { startInProcessServer, type InProcessServer } from './api/inProcessServer.ts';

const N = 300;

/** One chat request line whose prompt says which batch and custom_id it belongs to. */
const line = (batch: string, customId: string): string =>
  JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: { model: 'sim-model', messages: [{ role: 'user', content: `${batch} asks ${customId}` }] } });

const prompt = (r: ResultRow | null): string | null => (r ? (r.request as { messages: { content: string }[] }).messages[0]!.content : null);

describe('Compare joins two batches by custom_id', () => {
  let server: InProcessServer;
  let call: ReturnType<typeof api>;
  const ids = Array.from({ length: N }, (_, i) => `q-${i}`);
  // B: the same ids in another order (odd ones backwards, then even ones); C: every 7th id missing, plus ids A lacks.
  const bOrder = [...ids.filter((_, i) => i % 2 === 1).reverse(), ...ids.filter((_, i) => i % 2 === 0)];
  const cIds = [...ids.filter((_, i) => i % 7 !== 3), 'only-in-c-1', 'only-in-c-2'];
  let a: string, b: string, c: string;

  beforeAll(async () => {
    // No backend: the batches stay queued, and each side's request is read from its own input file.
    server = await startInProcessServer([]);
    call = api(server.http.url);
    const submit = async (name: string, order: string[]) =>
      (await submitText(server.http.url, { name, content: order.map((id) => line(name, id)).join('\n') + '\n' })).id;
    a = await submit('A', ids);
    b = await submit('B', bOrder);
    c = await submit('C', cIds);
  });
  afterAll(async () => {
    await server?.close();
  });

  const allRows = async (x: string, y: string) => {
    const rows: { customId: string; a: ResultRow | null; b: ResultRow | null }[] = [];
    for (let offset = 0; ; offset += 128) {
      const page = await call('batches.compare', { a: x, b: y, offset, limit: 128 });
      expect(page.total).toBe(N);
      rows.push(...page.rows);
      if (page.rows.length < 128) return rows;
    }
  };
  const indexes = (): string[] =>
    server.engine.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' AND name GLOB 'requests_custom_id*'").pluck().all() as string[];

  it('has no custom_id index before the first Compare', () => {
    expect(indexes()).toEqual([]);
  });

  it("pairs every row of A with B's row of the same custom_id when B's rows are in another order", async () => {
    const rows = await allRows(a, b);
    expect(rows.map((r) => r.customId)).toEqual(ids);
    for (const r of rows) {
      expect(prompt(r.a)).toBe(`A asks ${r.customId}`);
      expect(prompt(r.b)).toBe(`B asks ${r.customId}`);
      expect(r.b).toMatchObject({ customId: r.customId, index: bOrder.indexOf(r.customId), state: 'pending' });
    }
    expect(indexes()).toEqual([customIdIndexName(b)]);
  });

  it('shows absent where B lacks the custom_id, and leaves out what only B has', async () => {
    const rows = await allRows(a, c);
    expect(rows.map((r) => r.customId)).toEqual(ids);
    const absent = rows.filter((r) => r.b === null).map((r) => r.customId);
    expect(absent).toEqual(ids.filter((_, i) => i % 7 === 3));
    for (const r of rows.filter((x) => x.b !== null)) {
      expect(prompt(r.b)).toBe(`C asks ${r.customId}`);
      expect(r.b!.index).toBe(cIds.indexOf(r.customId));
    }
  });

  it("pages A in A's order when A is the shuffled one, and joins the same way", async () => {
    const page = await call('batches.compare', { a: b, b: a, offset: 10, limit: 20 });
    expect(page.rows.map((r) => r.customId)).toEqual(bOrder.slice(10, 30));
    for (const r of page.rows) expect([prompt(r.a), prompt(r.b), r.b?.index]).toEqual([`B asks ${r.customId}`, `A asks ${r.customId}`, ids.indexOf(r.customId)]);
    expect(indexes().sort()).toEqual([customIdIndexName(a), customIdIndexName(b), customIdIndexName(c)].sort());
  });

  it('says which batch is unknown', async () => {
    await expect(call('batches.compare', { a, b: 'batch-000000000000000000000000', offset: 0, limit: 10 })).rejects.toThrow(/No batch with id batch-0{24}/);
  });
});
