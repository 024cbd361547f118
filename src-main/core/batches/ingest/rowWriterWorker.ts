import { parentPort, workerData } from 'node:worker_threads';
import { RequestRowWriter } from './insertRequests.ts';
import { CHUNKS_WRITTEN, IN_FLIGHT, WRITER_FAILED, WRITER_STARTED, type RowChunk, type RowWriterData, type RowWriterReply, type RowWriterCommand } from './rowWriterProtocol.ts';

/**
 * Worker entry: writes the request rows the validating thread hands over, chunk by chunk, so SQLite's work runs
 * beside validation instead of after it. Its own thread: one thread doing both took the sum of the two times.
 */
const { dbPath, batchId, abortFlag, shared } = workerData as RowWriterData;
const port = parentPort!;
Atomics.store(shared, WRITER_STARTED, 1);

function reply(message: RowWriterReply): void {
  port.postMessage(message);
}

/** Lets the validating thread go on, and tells it (through memory it can read mid-scan) to stop sending. */
function fail(err: unknown): void {
  Atomics.store(shared, WRITER_FAILED, 1);
  Atomics.store(shared, IN_FLIGHT, 0);
  Atomics.notify(shared, IN_FLIGHT);
  const e = err instanceof Error ? err : new Error(String(err));
  reply({ type: 'failed', name: e.name, message: e.message, ...(e.stack === undefined ? {} : { stack: e.stack }) });
  port.close();
}

function open(): RequestRowWriter | null {
  try {
    return new RequestRowWriter(dbPath, batchId, () => Atomics.load(abortFlag, 0) !== 0);
  } catch (err) {
    fail(err);
    return null;
  }
}

const writer = open();

port.on('message', (command: RowWriterCommand) => {
  if (writer === null) return;
  try {
    if (command.type === 'rows') {
      write(writer, command.chunk);
      Atomics.add(shared, CHUNKS_WRITTEN, 1);
      Atomics.sub(shared, IN_FLIGHT, 1);
      Atomics.notify(shared, IN_FLIGHT);
    } else if (command.type === 'finish') {
      reply({ type: 'finished', written: writer.finish(), writeMs: writer.writeMs });
      port.close();
    } else {
      writer.abandon();
      reply({ type: 'abandoned' });
      port.close();
    }
  } catch (err) {
    // The writer has already deleted what it wrote (RequestRowWriter abandons itself on a failed write).
    writer.abandon();
    fail(err);
  }
});

function write(writer: RequestRowWriter, chunk: RowChunk): void {
  const bytes = Buffer.from(chunk.idBytes.buffer, chunk.idBytes.byteOffset, chunk.idBytes.byteLength);
  let start = 0;
  for (let i = 0; i < chunk.count; i++) {
    const end = chunk.idEnds[i]!;
    writer.add(bytes.toString('utf8', start, end), chunk.offsets[i]!, chunk.lengths[i]!);
    start = end;
  }
}
