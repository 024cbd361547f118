/** Kept apart from runCommand.ts so `batchdeck --help` does not load the engine. */
export const RUN_USAGE = `batchdeck run -i IN.jsonl|- -o OUT.jsonl [--backend URL]... [--concurrency N] [--data-dir DIR] [--endpoint E]`;
