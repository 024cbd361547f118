import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiXml } from '../../../src-main/core/gpu/parseNvidiaSmi.ts';
import { captureFiles, readCapture, sourceRows } from './support/fixtures.ts';

/** Paths of every number in a value that is not a finite number. */
function badNumbers(value: unknown, path = '$'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => badNumbers(item, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => badNumbers(item, `${path}.${key}`));
  return [];
}

const rows = sourceRows();

describe('every captured nvidia-smi document', () => {
  it('is listed in SOURCES.tsv with where it came from and its licence, and every listed capture is here', () => {
    expect(rows.map((row) => row.file).sort()).toEqual(captureFiles());
    for (const row of rows) {
      expect(row.repo, row.file).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(row.license, row.file).not.toBe('');
      expect(Number.isInteger(row.gpuCount), row.file).toBe(true);
    }
  });

  describe.each(rows)('$file (driver $driverVersion)', (row) => {
    const parse = () => parseNvidiaSmiXml(readCapture(row.file), 'local', 1_700_000_000_000);

    it('is read without an error', () => {
      expect(parse).not.toThrow();
    });

    it(`shows the ${row.gpuCount} GPU(s) the capture holds`, () => {
      expect(parse().gpus).toHaveLength(row.gpuCount);
    });

    it('never shows NaN or Infinity for a reading', () => {
      expect(badNumbers(parse())).toEqual([]);
    });

    it('lists GPUs by index, each index once', () => {
      const indexes = parse().gpus.map((gpu) => gpu.index);
      expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
      expect(new Set(indexes).size).toBe(indexes.length);
    });

    it('names every GPU and gives its UUID', () => {
      for (const gpu of parse().gpus) {
        expect(gpu.name).toEqual(expect.any(String));
        expect(gpu.uuid).toMatch(/^GPU-[0-9a-f-]+$/);
      }
    });

    it('reports the driver version SOURCES.tsv lists', () => {
      expect(parse().driverVersion).toBe(row.driverVersion === '-' ? null : row.driverVersion);
    });

    it('keeps the host and time it was given', () => {
      const snapshot = parse();
      expect(snapshot.host).toBe('local');
      expect(snapshot.at).toBe(1_700_000_000_000);
    });
  });
});
