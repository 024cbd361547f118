import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { BatchSummary } from '../../shared/batch.ts';
import { ENDPOINTS } from '../../shared/batch.ts';
import { createEngine, type Engine } from '../core/engine.ts';
import { ingestFile } from '../core/batches/ingest/ingestFile.ts';
import { RunJobKeys } from './runJobKeys.ts';
import { RunProgress, type ProgressSink } from './runProgress.ts';
import { defaultDataDir } from './serveCommand.ts';

import { RUN_USAGE } from './runUsage.ts';

const HELP = `${RUN_USAGE}

Runs one OpenAI Batch file to completion without a server (like vllm run_batch) and writes the output lines to
OUT.jsonl and the failed ones to OUT.errors.jsonl, in input order.
  -i, --input FILE     the batch JSONL file; - reads standard input
  -o, --output FILE    where the output lines go
  --backend URL        an OpenAI-compatible server (repeatable); without it, the data dir's configured backends
  --concurrency N      most requests in flight per backend
  --data-dir DIR       where the queue lives (default ${defaultDataDir()})
  --endpoint E         require every line's url to be E (${ENDPOINTS.join(', ')})
Exit status: 0 every request succeeded, 1 some failed (or the batch expired), 2 bad input (every bad line is
listed), 130 interrupted. Interrupted or crashed, the same command again resumes the same batch: requests that
finished are not sent again. Ctrl-C lets requests in flight finish first; a second Ctrl-C stops at once.`;

const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);
/** A run has no deadline of its own; the longest completion window keeps a long file from expiring. */
const RUN_COMPLETION_WINDOW = '30d';

export interface RunIo {
  stdin: NodeJS.ReadableStream;
  /** Progress and messages (standard error, so standard output stays free). */
  stderr: ProgressSink;
}

const processIo = (): RunIo => ({
  stdin: process.stdin,
  stderr: {
    write: (t) => void process.stderr.write(t),
    get isTTY() { return process.stderr.isTTY === true; },
    get columns() { return process.stderr.columns; },
  },
});

/** OUT.jsonl -> OUT.errors.jsonl; any other name gets .errors.jsonl appended. */
export function errorsPathFor(outputPath: string): string {
  return outputPath.endsWith('.jsonl') ? `${outputPath.slice(0, -'.jsonl'.length)}.errors.jsonl` : `${outputPath}.errors.jsonl`;
}

class UsageError extends Error {}

function parse(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        input: { type: 'string', short: 'i' },
        output: { type: 'string', short: 'o' },
        backend: { type: 'string', multiple: true, default: [] },
        concurrency: { type: 'string' },
        'data-dir': { type: 'string' },
        endpoint: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return null;
  if (!values.input) throw new UsageError('-i IN.jsonl is required (use -i - to read standard input)');
  if (!values.output) throw new UsageError('-o OUT.jsonl is required');
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024)) throw new UsageError(`--concurrency ${values.concurrency}: expected an integer 1-1024`);
  if (values.endpoint !== undefined && !(ENDPOINTS as readonly string[]).includes(values.endpoint)) {
    throw new UsageError(`--endpoint ${values.endpoint}: expected one of ${ENDPOINTS.join(', ')}`);
  }
  for (const b of values.backend) {
    try {
      const u = new URL(b);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new UsageError(`--backend ${b}: expected an http(s) URL such as http://127.0.0.1:8080/v1`);
    }
  }
  return {
    input: values.input,
    output: path.resolve(values.output),
    backends: values.backend,
    concurrency,
    dataDir: path.resolve(values['data-dir'] ?? defaultDataDir()),
    endpoint: values.endpoint,
  };
}

/** `batchdeck run`: one batch file to completion with the engine in this process, resumable. */
export async function runRunCommand(argv: string[], out: (s: string) => void, io: RunIo = processIo()): Promise<number> {
  let args;
  try {
    args = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`batchdeck run: ${err.message}\n${RUN_USAGE}\n`);
    return 2;
  }
  if (!args) {
    out(HELP);
    return 0;
  }
  const source = args.input === '-' ? io.stdin : args.input;
  if (typeof source === 'string' && !fs.existsSync(source)) {
    io.stderr.write(`batchdeck run: input file ${source} does not exist\n`);
    return 2;
  }
  fs.mkdirSync(path.dirname(args.output), { recursive: true });

  const engine = await createEngine({
    dataDir: args.dataDir, backends: args.backends, concurrency: args.concurrency, gpu: { enabled: false }, nodes: { enabled: false },
  });
  const progress = new RunProgress(io.stderr);
  try {
    if (engine.registry.list().length === 0) {
      progress.message(`batchdeck run: no backend: pass --backend URL, or configure one in ${args.dataDir} (batchdeck serve, Backends view)`);
      return 2;
    }
    const started = await startOrResume(engine, args, typeof source === 'string' ? fs.createReadStream(source) : source, progress);
    if (typeof started === 'number') return started;
    const outcome = await follow(engine, started, progress);
    if (outcome === 'interrupted') return 130;
    writeResults(engine, outcome, args.output);
    const errorsPath = errorsPathFor(args.output);
    const failed = outcome.counts.failed;
    progress.message(`${outcome.status}: ${outcome.counts.completed} succeeded, ${failed} failed -> ${args.output}${failed > 0 ? ` (errors: ${errorsPath})` : ''}`);
    return outcome.status === 'completed' && failed === 0 ? 0 : 1;
  } finally {
    await engine.close();
  }
}

/** Finds the batch this job started before (same input bytes, same output path), or validates and creates it. */
async function startOrResume(engine: Engine, args: NonNullable<ReturnType<typeof parse>>, source: NodeJS.ReadableStream, progress: RunProgress): Promise<string | number> {
  const hash = crypto.createHash('sha256');
  const hashed = Readable.from((async function* () {
    for await (const chunk of source as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      hash.update(buf);
      yield buf;
    }
  })());
  const name = args.input === '-' ? 'stdin.jsonl' : path.basename(args.input);
  const saved = await engine.fileStore.saveStream(name, 'batch', hashed);
  const keys = new RunJobKeys(engine.db);
  const key = RunJobKeys.key(hash.digest('hex'), args.output);
  const known = keys.get(key);
  if (known && engine.batches.exists(known)) {
    engine.fileStore.remove(saved);
    const b = engine.batches.summary(known);
    if (b.status === 'paused') engine.batches.resume(known);
    const left = b.counts.total - b.counts.completed - b.counts.failed;
    progress.message(TERMINAL.has(b.status)
      ? `Batch ${known} for this input and output already ${b.status}; writing its results again`
      : `Resuming batch ${known}: ${b.counts.completed + b.counts.failed} of ${b.counts.total} requests already done are not sent again; ${left} to go`);
    return known;
  }

  const report = await ingestFile({ filePath: saved.path!, ...(args.endpoint ? { expectedEndpoint: args.endpoint } : {}), previewCount: 0 });
  if (!report.ok || report.lineCount === 0) {
    engine.fileStore.remove(saved);
    const errors = report.errors.length ? report.errors : [{ message: 'the file has no requests', line: null }];
    progress.message(`batchdeck run: ${args.input === '-' ? 'standard input' : args.input} has ${errors.length} error(s); nothing was sent:`);
    for (const e of errors) progress.message(`  ${e.message}`);
    return 2;
  }
  const b = engine.batches.create({
    inputFileId: saved.id, endpoint: args.endpoint ?? report.endpoint ?? '/v1/chat/completions', completionWindow: RUN_COMPLETION_WINDOW,
    name, requestCount: report.lineCount,
  });
  // Recorded in the same tick as the batch row: nothing is sent before the key exists.
  keys.set(key, b.id);
  progress.message(`Batch ${b.id}: ${report.lineCount} requests for model ${report.model ?? '?'} on ${report.endpoint}`);
  return b.id;
}

/**
 * Shows progress until the batch ends. Ctrl-C (or SIGTERM) pauses it so that nothing new is sent, waits for
 * the requests in flight, and leaves; the next run resumes. A second Ctrl-C leaves at once: what was in
 * flight is sent again on resume (the backend may have done it, but no result was recorded).
 */
function follow(engine: Engine, id: string, progress: RunProgress): Promise<BatchSummary | 'interrupted'> {
  return new Promise((resolve) => {
    let stopping = false;
    const cleanup = () => {
      clearInterval(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        cleanup();
        progress.message(`${signal} again: stopping now; requests that were in flight will be sent again when you resume`);
        resolve('interrupted');
        return;
      }
      stopping = true;
      const status = engine.batches.summary(id).status;
      if (status === 'queued' || status === 'in_progress') engine.batches.pause(id);
      const inFlight = engine.executor.run(id)?.inFlight.size ?? 0;
      progress.message(`${signal}: stopping; ${inFlight} requests in flight finish first (${signal} again to stop at once). Run the same command again to resume.`);
    };
    const timer = setInterval(() => {
      const b = engine.batches.summary(id);
      if (TERMINAL.has(b.status)) {
        cleanup();
        progress.finish(b);
        resolve(b);
        return;
      }
      if (stopping) {
        if ((engine.executor.run(id)?.inFlight.size ?? 0) > 0) return;
        cleanup();
        engine.executor.flush();
        progress.finish(engine.batches.summary(id));
        progress.message(`Stopped with ${b.counts.completed + b.counts.failed} of ${b.counts.total} requests done; run the same command again to resume`);
        resolve('interrupted');
        return;
      }
      progress.update(b);
    }, 200);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Output and error lines in input order; written to a temporary file first so a reader never sees half. */
function writeResults(engine: Engine, b: BatchSummary, outputPath: string): void {
  const write = (file: string, kind: 'output' | 'error'): number => {
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w');
    let n = 0;
    try {
      let chunk = '';
      for (const line of engine.queries.lines(b.id, kind)) {
        chunk += line + '\n';
        n++;
        if (chunk.length > 1 << 20) {
          fs.writeSync(fd, chunk);
          chunk = '';
        }
      }
      if (chunk) fs.writeSync(fd, chunk);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    return n;
  };
  write(outputPath, 'output');
  const errorsPath = errorsPathFor(outputPath);
  // No stale error file from an earlier run of another input may sit next to a clean output.
  if (b.counts.failed > 0) write(errorsPath, 'error');
  else fs.rmSync(errorsPath, { force: true });
}
