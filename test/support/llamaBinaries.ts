import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipUnlessCi } from './prerequisite.ts';

/**
 * The real llama.cpp binaries (rpc-server, llama-server) that `npm run llama:build` builds from the source in
 * the pinned node-llama-cpp release, and the vocab GGUF that came with that source.
 *
 *   const llama = findLlamaBinaries();
 *   const unavailable = skipUnlessCi('skip' in llama ? llama.skip : null);  // throws under CI=true
 *   describe.skipIf(unavailable !== null)('...', () => {
 *     const { rpcServer, llamaServer, vocabSpm } = llama as LlamaBinaries;
 *   });
 *
 * Looked up in BATCHDECK_LLAMA_BIN_DIR (a folder holding rpc-server and llama-server, e.g. a build's bin/),
 * then in the cache for the pinned commit: $BATCHDECK_LLAMA_CACHE or ~/.cache/batchdeck/llama, /<commit>/.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const PIN_FILE = path.resolve(here, '../../scripts/llama-pin.json');

export interface LlamaPin { nodeLlamaCppVersion: string; commit: string }

export function llamaPin(): LlamaPin {
  return JSON.parse(fs.readFileSync(PIN_FILE, 'utf8')) as LlamaPin;
}

export function llamaCacheRoot(): string {
  return process.env.BATCHDECK_LLAMA_CACHE || path.join(os.homedir(), '.cache', 'batchdeck', 'llama');
}

/** The folder for the pinned commit: bin/, models/, manifest.json. */
export function llamaCacheDir(): string {
  return path.join(llamaCacheRoot(), llamaPin().commit);
}

export interface LlamaBinaries {
  rpcServer: string;
  llamaServer: string;
  /** models/ggml-vocab-llama-spm.gguf from the same source tree: the tokenizer of the tiny test model. */
  vocabSpm: string;
  /** Where derived files (the tiny model) are cached: the pinned commit's cache folder. */
  cacheDir: string;
}

const BUILD_HINT = 'run npm run llama:build';

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findLlamaBinaries(): LlamaBinaries | { skip: string } {
  const cacheDir = llamaCacheDir();
  const cachedVocab = path.join(cacheDir, 'models', 'ggml-vocab-llama-spm.gguf');
  const override = process.env.BATCHDECK_LLAMA_BIN_DIR;
  if (override) {
    const rpcServer = ['rpc-server', 'ggml-rpc-server'].map((n) => path.join(override, n)).find(executable);
    const llamaServer = path.join(override, 'llama-server');
    if (!rpcServer || !executable(llamaServer)) {
      return { skip: `BATCHDECK_LLAMA_BIN_DIR=${override} holds no executable rpc-server and llama-server: point it at a llama.cpp build's bin/ or unset it and ${BUILD_HINT}` };
    }
    // A bare build folder has no vocab next to it; the cache (or the source tree beside the build) does.
    const vocabSpm = [path.join(override, '..', 'models', 'ggml-vocab-llama-spm.gguf'), cachedVocab].find((f) => fs.existsSync(f));
    if (!vocabSpm) return { skip: `no models/ggml-vocab-llama-spm.gguf beside ${override} or in ${cacheDir}: ${BUILD_HINT}` };
    return { rpcServer, llamaServer, vocabSpm, cacheDir };
  }
  const bin = path.join(cacheDir, 'bin');
  const rpcServer = path.join(bin, 'rpc-server');
  const llamaServer = path.join(bin, 'llama-server');
  const complete = fs.existsSync(path.join(cacheDir, 'manifest.json')) && executable(rpcServer) && executable(llamaServer) && fs.existsSync(cachedVocab);
  if (!complete) return { skip: `real llama.cpp not built (nothing complete in ${cacheDir}): ${BUILD_HINT}` };
  return { rpcServer, llamaServer, vocabSpm: cachedVocab, cacheDir };
}

/** The reason to skip, or null; throws under CI=true, where a missing build is a failure. */
export function llamaUnavailableReason(): string | null {
  const found = findLlamaBinaries();
  return skipUnlessCi('skip' in found ? found.skip : null);
}

/** For use inside a suite that was not skipped. */
export function requireLlamaBinaries(): LlamaBinaries {
  const found = findLlamaBinaries();
  if ('skip' in found) throw new Error(found.skip);
  return found;
}
