import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = fileURLToPath(new URL('../../../fixtures/nvidia-smi/', import.meta.url));
export const FAKE_NVIDIA_SMI_DIR = fileURLToPath(new URL('../../../support/fake-nvidia-smi/', import.meta.url));
export const FAKE_NVIDIA_SMI = `${FAKE_NVIDIA_SMI_DIR}nvidia-smi`;

export function capturePath(file: string): string {
  return `${FIXTURE_DIR}${file}`;
}

export function readCapture(file: string): string {
  return readFileSync(capturePath(file), 'utf8');
}

export function captureFiles(): string[] {
  return readdirSync(FIXTURE_DIR).filter((name) => name.endsWith('.xml')).sort();
}

export interface SourceRow {
  file: string;
  repo: string;
  driverVersion: string;
  /** The number of <gpu> elements in the capture: the leading number of the gpu_count column. */
  gpuCount: number;
  license: string;
}

/** The rows of SOURCES.tsv that describe XML captures. */
export function sourceRows(): SourceRow[] {
  const [header, ...lines] = readFileSync(`${FIXTURE_DIR}SOURCES.tsv`, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const columns = (header ?? '').split('\t');
  const at = (name: string): number => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`SOURCES.tsv has no ${name} column`);
    return index;
  };
  const [file, repo, driver, count, license] = [at('file'), at('repo'), at('driver_version'), at('gpu_count'), at('license')];
  return lines
    .map((line) => line.split('\t'))
    .filter((cells) => (cells[file] ?? '').endsWith('.xml'))
    .map((cells) => ({
      file: cells[file] ?? '',
      repo: cells[repo] ?? '',
      driverVersion: cells[driver] ?? '',
      gpuCount: Number.parseInt(cells[count] ?? '', 10),
      license: cells[license] ?? '',
    }));
}
