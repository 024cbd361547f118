import fs from 'node:fs/promises';
import type { CommandRunner } from '../gpu/commandRunner.ts';
import { shellPath } from '../nodes/shellQuote.ts';
import { GgufTruncatedError, parseGgufHeader, type GgufHeader } from './ggufHeader.ts';

/**
 * The first bytes of a model file, read in growing pieces until its GGUF header parses: 4 MB is enough for
 * most models, a large vocabulary needs more (gemma's is 15 MB), and the tensor data is never read.
 */
const FIRST_READ_BYTES = 4 * 1024 * 1024;
const MAX_HEADER_BYTES = 256 * 1024 * 1024;

type ReadPrefix = (bytes: number) => Promise<{ data: Buffer; fileBytes: number }>;

async function readHeaderGrowing(source: string, readPrefix: ReadPrefix): Promise<GgufHeader & { fileBytes: number }> {
  for (let want = FIRST_READ_BYTES; ; want *= 2) {
    const { data, fileBytes } = await readPrefix(want);
    try {
      return { ...parseGgufHeader(data, source), fileBytes };
    } catch (err) {
      if (!(err instanceof GgufTruncatedError)) throw err;
      if (data.length >= fileBytes) throw new Error(`${source} ends inside its GGUF header (${fileBytes} bytes): the file is truncated, perhaps still downloading`);
      if (want >= MAX_HEADER_BYTES) throw new Error(`${source}: the GGUF header is larger than ${MAX_HEADER_BYTES / 1024 / 1024} MB, which no real model has; the file is not a valid GGUF`);
    }
  }
}

/** A model file on this machine. */
export async function readLocalModelHeader(filePath: string): Promise<GgufHeader & { fileBytes: number }> {
  let handle;
  try {
    handle = await fs.open(filePath, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `model ${filePath} does not exist on this machine` : `cannot read model ${filePath}: ${(err as Error).message}`);
  }
  try {
    const fileBytes = (await handle.stat()).size;
    return await readHeaderGrowing(filePath, async (bytes) => {
      const buf = Buffer.alloc(Math.min(bytes, fileBytes));
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      return { data: buf.subarray(0, bytesRead), fileBytes };
    });
  } finally {
    await handle.close();
  }
}

/** The SSH session keeps at most 4 MB of a command's output: 2 MiB, base64-encoded, stays under it. */
const REMOTE_CHUNK_BYTES = 2 * 1024 * 1024;

/**
 * A model file on a node, read over its SSH session in 2 MiB pieces (`tail -c +N | head -c`, base64 on the way
 * since the runner returns text): only the header crosses the link, never the weights. `where` names the node.
 */
export async function readRemoteModelHeader(
  runner: CommandRunner,
  where: string,
  filePath: string,
  timeoutMs = 60_000,
): Promise<GgufHeader & { fileBytes: number }> {
  const label = `${filePath} on ${where}`;
  const f = shellPath(filePath);
  let have = Buffer.alloc(0);
  let fileBytes = Number.POSITIVE_INFINITY;
  return readHeaderGrowing(label, async (bytes) => {
    while (have.length < Math.min(bytes, fileBytes)) {
      const script = `[ -r ${f} ] || { echo "no readable file" >&2; exit 3; }; wc -c < ${f}; tail -c +${have.length + 1} ${f} | head -c ${REMOTE_CHUNK_BYTES} | base64`;
      const res = await runner.run('sh', ['-c', script], { timeoutMs });
      if (res.exitCode === 3) throw new Error(`model ${label} does not exist or is not readable by the node's SSH user`);
      if (res.exitCode !== 0) throw new Error(`reading the header of ${label} failed (exit ${res.exitCode}): ${res.stderr.trim().slice(0, 300)}`);
      const newline = res.stdout.indexOf('\n');
      fileBytes = Number(res.stdout.slice(0, newline).trim());
      if (newline < 0 || !Number.isFinite(fileBytes)) throw new Error(`reading the header of ${label}: unexpected answer ${JSON.stringify(res.stdout.slice(0, 80))}`);
      const chunk = Buffer.from(res.stdout.slice(newline + 1), 'base64');
      if (chunk.length === 0) break;
      have = Buffer.concat([have, chunk]);
    }
    return { data: have, fileBytes };
  });
}
