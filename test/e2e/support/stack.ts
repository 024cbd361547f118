/**
 * The processes an end-to-end spec runs against: `batchdeck simulate` backends and one `batchdeck serve` with its
 * own data folder, optionally with a fake `nvidia-smi` first on its PATH. Everything started here is stopped by
 * `stop()` (by handle or pid, never by name).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RequestInput } from '../../../shared/contract/index.ts';
import { api } from '../../support/batchApi.ts';
import { REPO, startCli, startSimulatorProcess, type Spawned } from '../../support/processes.ts';

export const FAKE_NVIDIA_SMI = path.join(REPO, 'test/support/fake-nvidia-smi/nvidia-smi');
export const NVIDIA_SMI_FIXTURES = path.join(REPO, 'test/fixtures/nvidia-smi');

export type FakeMode = 'ok' | 'fail' | 'hang' | 'garbage';

/**
 * A copy of the fake nvidia-smi alone in a temp folder that goes first on serve's PATH, so a spec can flip its
 * mode, or make it disappear from the PATH and come back, without touching the checked-in script.
 */
export class FakeNvidiaSmi {
  readonly binDir: string;
  readonly modeFile: string;
  readonly callLog: string;
  readonly xml: string;
  private readonly bin: string;
  private readonly hidden: string;

  constructor(root: string, capture: string) {
    this.binDir = path.join(root, 'bin');
    fs.mkdirSync(this.binDir, { recursive: true });
    this.bin = path.join(this.binDir, 'nvidia-smi');
    this.hidden = path.join(root, 'nvidia-smi.away');
    fs.copyFileSync(FAKE_NVIDIA_SMI, this.bin);
    fs.chmodSync(this.bin, 0o755);
    this.modeFile = path.join(root, 'mode');
    this.callLog = path.join(root, 'calls.log');
    // A copy, so a spec can change a reading while serve runs.
    this.xml = path.join(root, 'capture.xml');
    fs.copyFileSync(path.join(NVIDIA_SMI_FIXTURES, capture), this.xml);
    this.setMode('ok');
  }

  /** Rewrites the capture it prints from the next call on (written whole, then renamed into place). */
  rewriteCapture(edit: (xml: string) => string): void {
    const next = `${this.xml}.next`;
    fs.writeFileSync(next, edit(fs.readFileSync(this.xml, 'utf8')));
    fs.renameSync(next, this.xml);
  }

  env(): NodeJS.ProcessEnv {
    return {
      PATH: `${this.binDir}${path.delimiter}${process.env.PATH ?? ''}`,
      FAKE_NVIDIA_SMI_XML: this.xml,
      FAKE_NVIDIA_SMI_MODE_FILE: this.modeFile,
      FAKE_NVIDIA_SMI_LOG: this.callLog,
    };
  }

  setMode(mode: FakeMode): void {
    fs.writeFileSync(this.modeFile, `${mode}\n`);
  }

  /** Takes nvidia-smi off the PATH (as when the driver package is removed). */
  disappear(): void {
    fs.renameSync(this.bin, this.hidden);
  }

  comeBack(): void {
    if (fs.existsSync(this.hidden)) fs.renameSync(this.hidden, this.bin);
  }

  /** How many times serve has run it so far. */
  calls(): number {
    if (!fs.existsSync(this.callLog)) return 0;
    return fs.readFileSync(this.callLog, 'utf8').split('\n').filter((l) => l.startsWith('start ')).length;
  }

  /** Pids of calls hanging right now (mode "hang" execs `sleep`, so the logged pid is the sleep itself). */
  hangingCalls(): number[] {
    if (!fs.existsSync(this.callLog)) return [];
    const started = new Set<number>();
    for (const line of fs.readFileSync(this.callLog, 'utf8').split('\n')) {
      const [what, pid] = line.split(' ');
      if (what === 'start') started.add(Number(pid));
      if (what === 'end') started.delete(Number(pid));
    }
    return [...started].filter((pid) => {
      try {
        // Only our own hanging sleep, never a process that reused the pid.
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\u00002147483647');
      } catch {
        return false; // gone
      }
    });
  }

  /** serve kills a hung call itself on timeout and on stop; this is for a serve that died without doing so. */
  killHangingCalls(): void {
    for (const pid of this.hangingCalls()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
  }
}

export interface StackOptions {
  /** Arguments of each `batchdeck simulate` to start (each gets --port 0); each becomes a backend of serve. */
  simulators?: string[][];
  /** Fake nvidia-smi capture file name (in test/fixtures/nvidia-smi); omitted = serve runs with --no-gpu. */
  gpuCapture?: string;
  /** Settings applied right after serve starts. */
  settings?: RequestInput<'settings.update'>;
  /** More `batchdeck serve` flags (e.g. --llama-server PATH). */
  serveArgs?: string[];
  /** A token serve requires (given as BATCHDECK_TOKEN, as the README advises); `call` then sends it. */
  token?: string;
}

export interface Stack {
  url: string;
  call: ReturnType<typeof api>;
  serve: Spawned;
  simulators: Spawned[];
  /** Simulator base URLs (with /v1), in the order of options.simulators. */
  simulatorUrls: string[];
  gpu: FakeNvidiaSmi | null;
  tmp: string;
  startSimulator(args: string[]): Promise<Spawned>;
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-e2e-'));
  const simulators: Spawned[] = [];
  let serve: Spawned | null = null;
  const gpu = opts.gpuCapture ? new FakeNvidiaSmi(path.join(tmp, 'gpu'), opts.gpuCapture) : null;
  const stop = async () => {
    // SIGTERM: serve stops its poller (killing a call in progress) and closes SQLite; SIGKILL if it hangs.
    const stopOne = async (p: Spawned) => {
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
      await p.kill('SIGTERM');
      clearTimeout(timer);
    };
    if (serve) await stopOne(serve);
    await Promise.all(simulators.map(stopOne));
    gpu?.killHangingCalls();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  const startSimulator = async (args: string[]) => {
    const sim = await startSimulatorProcess(['--port', '0', ...args]);
    simulators.push(sim);
    return sim;
  };
  try {
    for (const args of opts.simulators ?? []) await startSimulator(args);
    const args = ['serve', '--port', '0', '--data-dir', path.join(tmp, 'data'), ...simulators.flatMap((s) => ['--backend', s.url])];
    if (!gpu) args.push('--no-gpu');
    args.push(...(opts.serveArgs ?? []));
    const env = { ...(gpu ? gpu.env() : {}), ...(opts.token ? { BATCHDECK_TOKEN: opts.token } : {}) };
    serve = await startCli(args, /batchdeck serving (http:\/\/\S+)/, { env });
    const call = api(serve.url, opts.token);
    if (opts.settings) await call('settings.update', opts.settings);
    return { url: serve.url, call, serve, simulators, simulatorUrls: simulators.map((s) => s.url), gpu, tmp, startSimulator, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
