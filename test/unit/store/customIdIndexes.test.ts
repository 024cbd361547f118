import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RequestRowWriter } from '../../../src-main/core/batches/ingest/insertRequests.ts';
import { customIdIndexName, customIdLookupSql, CustomIdIndexes, KEPT_CUSTOM_ID_INDEXES } from '../../../src-main/core/store/customIdIndexes.ts';
import { migrate, openDatabase, type Db } from '../../../src-main/core/store/database.ts';
import { newId } from '../../../src-main/core/store/ids.ts';
import { RequestsRepo } from '../../../src-main/core/store/requestsRepo.ts';

let dir: string;
let dbPath: string;
let db: Db;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-custom-id-'));
  dbPath = path.join(dir, 'engine.sqlite');
  db = openDatabase(dbPath);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Rows written the way ingest writes them; `ids` in file order. */
function ingest(batchId: string, ids: readonly string[]): void {
  const writer = new RequestRowWriter(dbPath, batchId);
  ids.forEach((id, i) => writer.add(id, i * 100, 99));
  writer.finish();
}

const indexesOnRequests = (): string[] =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name").pluck().all() as string[];

const ids = (n: number, prefix = 'req'): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('custom_id lookups for Compare', () => {
  it('leaves ingest with no custom_id index to maintain until a batch is compared', () => {
    ingest(newId('batch'), ids(1000));
    expect(indexesOnRequests()).toEqual(['requests_state']);
  });

  it('takes the index of every batch off a database made before, keeping its rows', () => {
    const b = newId('batch');
    ingest(b, ids(100));
    // The database as version 11 left it: the (batch_id, custom_id) index of migration 8 in place.
    db.exec('CREATE INDEX requests_custom_id ON requests (batch_id, custom_id); DELETE FROM schema_migrations WHERE version = 12;');
    migrate(db);
    expect(indexesOnRequests()).toEqual(['requests_state']);
    expect(db.prepare('SELECT COUNT(*) FROM requests WHERE batch_id = ?').pluck().get(b)).toBe(100);
    expect(db.prepare('SELECT name FROM schema_migrations WHERE version = 12').pluck().get()).toBe('requests_without_custom_id_index');
  });

  it("looks a compared batch's rows up through that batch's own index, searched by custom_id", () => {
    const b = newId('batch');
    const other = newId('batch');
    ingest(b, ids(2000).reverse());
    ingest(other, ids(2000));
    const repo = new RequestsRepo(db);

    const rows = repo.byCustomIds(b, ['req-5', 'req-1999', 'not-there']);
    expect(rows.map((r) => [r.custom_id, r.idx]).sort()).toEqual([['req-1999', 0], ['req-5', 1994]]);
    expect(rows.every((r) => r.batch_id === b)).toBe(true);
    expect(indexesOnRequests()).toEqual([customIdIndexName(b), 'requests_state']);

    const plan = db.prepare(`EXPLAIN QUERY PLAN ${customIdLookupSql(b, 3)}`).all('a', 'b', 'c') as { detail: string }[];
    // A search by custom_id in b's index, not a scan of b's rows by the primary key's batch_id prefix.
    expect(plan.map((p) => p.detail)).toEqual([expect.stringMatching(new RegExp(`^SEARCH requests USING INDEX ${customIdIndexName(b)} \\(custom_id=\\?`))]);
    // The other batch's rows are not in b's index: the same lookup there finds its own rows.
    expect(repo.byCustomIds(other, ['req-5']).map((r) => [r.batch_id, r.idx])).toEqual([[other, 5]]);
  });

  it("drops a batch's index with its rows, so a batch ingested again does not maintain it", () => {
    const b = newId('batch');
    ingest(b, ids(100));
    const repo = new RequestsRepo(db);
    repo.byCustomIds(b, ['req-1']);
    expect(indexesOnRequests()).toContain(customIdIndexName(b));

    repo.deleteBatch(b);
    expect(indexesOnRequests()).toEqual(['requests_state']);
    // Compared again after its rows came back: built again, and right.
    ingest(b, ids(100, 'again'));
    expect(repo.byCustomIds(b, ['again-7']).map((r) => r.idx)).toEqual([7]);
    expect(indexesOnRequests()).toContain(customIdIndexName(b));
  });

  it('drops the index of a batch whose ingest was abandoned after a Compare had built it', () => {
    const b = newId('batch');
    const writer = new RequestRowWriter(dbPath, b);
    ids(30_000).forEach((id, i) => writer.add(id, i * 100, 99));
    new RequestsRepo(db).byCustomIds(b, ['req-1']);
    expect(indexesOnRequests()).toContain(customIdIndexName(b));
    writer.abandon();
    expect(indexesOnRequests()).toEqual(['requests_state']);
  });

  it(`keeps the indexes of the ${KEPT_CUSTOM_ID_INDEXES} batches compared last, and still answers for the others`, () => {
    const batches = Array.from({ length: KEPT_CUSTOM_ID_INDEXES + 2 }, () => newId('batch'));
    for (const b of batches) ingest(b, ids(50));
    const repo = new RequestsRepo(db);
    for (const b of batches) repo.byCustomIds(b, ['req-3']);
    expect(indexesOnRequests()).toEqual([...batches.slice(2).map(customIdIndexName), 'requests_state'].sort());

    // The oldest is built again on its next Compare; the least recently used one goes.
    expect(repo.byCustomIds(batches[0]!, ['req-49']).map((r) => r.idx)).toEqual([49]);
    expect(indexesOnRequests()).toEqual([batches[0]!, ...batches.slice(3)].map(customIdIndexName).concat('requests_state').sort());
  });

  it('finds the indexes an earlier run built, and counts them in what it keeps', () => {
    const batches = Array.from({ length: KEPT_CUSTOM_ID_INDEXES }, () => newId('batch'));
    for (const b of batches) ingest(b, ids(10));
    const first = new RequestsRepo(db);
    for (const b of batches) first.byCustomIds(b, ['req-1']);

    const restarted = new CustomIdIndexes(db);
    const late = newId('batch');
    ingest(late, ids(10));
    restarted.byCustomIds(late, ['req-1']);
    expect(indexesOnRequests().filter((n) => n !== 'requests_state')).toHaveLength(KEPT_CUSTOM_ID_INDEXES);
    expect(indexesOnRequests()).toContain(customIdIndexName(late));
  });

  it('never writes an id of another form into SQL: such a batch is looked up without an index', () => {
    const odd = "batch-x' OR '1'='1";
    ingest(odd, ids(10));
    ingest(newId('batch'), ids(10));
    const rows = new RequestsRepo(db).byCustomIds(odd, ['req-2', 'req-9']);
    expect(rows.map((r) => [r.batch_id, r.idx])).toEqual([[odd, 2], [odd, 9]]);
    expect(indexesOnRequests()).toEqual(['requests_state']);
    expect(() => customIdLookupSql(odd, 1)).toThrow(/not a batch id of this engine/);
  });
});
