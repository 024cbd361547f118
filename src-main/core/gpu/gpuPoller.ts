import type { GpuHostStatus, GpuPollerState, GpuSnapshot } from '../../../shared/gpu.ts';
import { CommandError, type CommandResult, type CommandRunner } from './commandRunner.ts';
import { NvidiaSmiParseError, parseNvidiaSmiXml } from './parseNvidiaSmi.ts';
import { realTimers, type PollTimers } from './pollTimers.ts';

export const DEFAULT_POLL_INTERVAL_MS = 2_000;
export const DEFAULT_NO_GPU_RECHECK_MS = 60_000;
export const DEFAULT_MAX_BACKOFF_MS = 30_000;
// Without persistence mode nvidia-smi initialises the driver on every call, which can take seconds
// per GPU on a large box; only a call far beyond that is taken as hung.
export const DEFAULT_COMMAND_TIMEOUT_MS = 20_000;

export const NO_GPU_MESSAGE = 'no NVIDIA GPU found (nvidia-smi not on PATH)';
export const NO_DEVICES_MESSAGE = 'no NVIDIA GPU found (nvidia-smi reports no devices)';

const ARGS = ['-q', '-x'];
// What nvidia-smi says when it is installed on a machine with no NVIDIA GPU: a state, not a failure.
const NO_DEVICES = /no devices were found/i;

export interface GpuPollerOptions {
  host: string;
  runner: CommandRunner;
  /** Called with every new snapshot and on every change of the poller's state. */
  onStatus?: (status: GpuHostStatus) => void;
  intervalMs?: number;
  /** How often to look again for nvidia-smi on a host that has none. */
  noGpuRecheckMs?: number;
  /** Retries of a failing nvidia-smi back off exponentially from intervalMs up to this. */
  maxBackoffMs?: number;
  /** A call still running after this long is killed and counted as a failure. */
  timeoutMs?: number;
  /** The nvidia-smi to run: a name looked up on PATH, or a path. */
  command?: string;
  now?: () => number;
  timers?: PollTimers;
}

type Outcome =
  | { kind: 'ok'; snapshot: GpuSnapshot }
  | { kind: 'no-gpu'; message: string }
  | { kind: 'failing'; message: string };

function checkInterval(name: string, ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`${name} must be a positive number of ms, got ${ms}`);
  return ms;
}

/** The first lines of what a command printed, short enough for an alert. */
function excerpt(output: string): string {
  const lines = output.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  const joined = lines.slice(0, 3).join(' ');
  return joined.length > 300 ? `${joined.slice(0, 300)}…` : joined;
}

/**
 * Runs `nvidia-smi -q -x` on one host, one call at a time: the next call is scheduled only when
 * the previous one has finished, so a slow nvidia-smi can never pile up calls.
 */
export class GpuPoller {
  private readonly host: string;
  private readonly runner: CommandRunner;
  private readonly onStatus: ((status: GpuHostStatus) => void) | undefined;
  private readonly noGpuRecheckMs: number;
  private readonly maxBackoffMs: number;
  private readonly timeoutMs: number;
  private readonly command: string;
  private readonly now: () => number;
  private readonly timers: PollTimers;
  private interval: number;

  private state: GpuPollerState = { state: 'starting' };
  private snapshot: GpuSnapshot | null = null;
  private running = false;
  private inFlight = false;
  private timer: unknown = undefined;
  private abort: AbortController | null = null;
  /** Bumped by start() and stop(), so that the answer to a call made before them is dropped. */
  private generation = 0;
  private failures = 0;
  /** When the pending wait is the ordinary one between two good polls: when it began. */
  private intervalWaitFrom: number | null = null;

  constructor(options: GpuPollerOptions) {
    this.host = options.host;
    this.runner = options.runner;
    this.onStatus = options.onStatus;
    this.interval = checkInterval('intervalMs', options.intervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    this.noGpuRecheckMs = checkInterval('noGpuRecheckMs', options.noGpuRecheckMs ?? DEFAULT_NO_GPU_RECHECK_MS);
    this.maxBackoffMs = checkInterval('maxBackoffMs', options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS);
    this.timeoutMs = checkInterval('timeoutMs', options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
    this.command = options.command ?? 'nvidia-smi';
    this.now = options.now ?? (() => Date.now());
    this.timers = options.timers ?? realTimers;
  }

  get intervalMs(): number {
    return this.interval;
  }

  get isRunning(): boolean {
    return this.running;
  }

  status(): GpuHostStatus {
    return { host: this.host, poller: this.state, snapshot: this.snapshot };
  }

  /** Polls at once, then every intervalMs. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation += 1;
    // A call from before a stop() may still be winding down; it schedules the next one when it ends.
    if (!this.inFlight) this.schedule(0);
  }

  /** No more calls; one in progress is killed and its answer dropped. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation += 1;
    this.cancelTimer();
    this.abort?.abort();
  }

  /** Takes effect for the next wait: a wait in progress is shortened or lengthened to match. */
  setIntervalMs(ms: number): void {
    this.interval = checkInterval('intervalMs', ms);
    // Backoff and no-GPU waits keep their own pace; only the wait between good polls follows the interval.
    const from = this.intervalWaitFrom;
    if (!this.running || this.timer === undefined || from === null) return;
    this.schedule(Math.max(0, from + this.interval - this.now()), from);
  }

  private schedule(delayMs: number, intervalWaitFrom: number | null = null): void {
    this.cancelTimer();
    this.intervalWaitFrom = intervalWaitFrom;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, delayMs);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (!this.running || this.inFlight) return;
    this.inFlight = true;
    const generation = this.generation;
    const abort = new AbortController();
    this.abort = abort;
    let outcome: Outcome;
    try {
      const result = await this.runner.run(this.command, ARGS, { timeoutMs: this.timeoutMs, signal: abort.signal });
      outcome = this.interpret(result);
    } catch (err) {
      outcome = this.interpretError(err);
    } finally {
      this.inFlight = false;
      this.abort = null;
    }
    if (generation !== this.generation) {
      if (this.running && this.timer === undefined) this.schedule(0);
      return;
    }
    this.apply(outcome);
  }

  private describeCommand(): string {
    return [this.command, ...ARGS].join(' ');
  }

  private interpret(result: CommandResult): Outcome {
    if (result.exitCode === 0) {
      try {
        return { kind: 'ok', snapshot: parseNvidiaSmiXml(result.stdout, this.host, this.now()) };
      } catch (err) {
        if (!(err instanceof NvidiaSmiParseError)) throw err;
        if (NO_DEVICES.test(result.stdout)) return { kind: 'no-gpu', message: NO_DEVICES_MESSAGE };
        return { kind: 'failing', message: `${this.describeCommand()} printed output that could not be read (${err.message})` };
      }
    }
    // nvidia-smi prints its own errors ("couldn't communicate with the NVIDIA driver") on stdout.
    const said = excerpt(result.stderr) || excerpt(result.stdout);
    if (NO_DEVICES.test(said)) return { kind: 'no-gpu', message: NO_DEVICES_MESSAGE };
    return { kind: 'failing', message: `${this.describeCommand()} exited with code ${result.exitCode}${said ? `: ${said}` : ' and printed nothing'}` };
  }

  private interpretError(err: unknown): Outcome {
    const code = err instanceof CommandError ? err.code : (err as { code?: unknown } | null)?.code;
    if (code === 'ENOENT') return { kind: 'no-gpu', message: NO_GPU_MESSAGE };
    if (code === 'ETIMEDOUT') {
      return {
        kind: 'failing',
        message: `${this.describeCommand()} did not answer within ${this.timeoutMs / 1000} s and was stopped (a hung driver or a GPU that fell off the bus can do this)`,
      };
    }
    return { kind: 'failing', message: `could not run ${this.describeCommand()}: ${(err as Error)?.message ?? String(err)}` };
  }

  private apply(outcome: Outcome): void {
    const previous = this.state;
    let changed: boolean;
    if (outcome.kind === 'ok') {
      this.failures = 0;
      this.snapshot = outcome.snapshot;
      this.state = previous.state === 'ok' ? previous : { state: 'ok' };
      changed = true;
      this.schedule(this.interval, this.now());
    } else if (outcome.kind === 'no-gpu') {
      this.failures = 0;
      this.snapshot = null;
      changed = previous.state !== 'no-gpu' || previous.message !== outcome.message;
      if (changed) this.state = { state: 'no-gpu', message: outcome.message };
      this.schedule(this.noGpuRecheckMs);
    } else {
      this.failures += 1;
      this.snapshot = null;
      // One report per failure, however many retries it lasts; a new kind of failure is news.
      const since = previous.state === 'failing' ? previous.since : this.now();
      changed = previous.state !== 'failing' || previous.message !== outcome.message;
      if (changed) this.state = { state: 'failing', message: outcome.message, since };
      this.schedule(this.backoff());
    }
    if (changed) this.emit();
  }

  private backoff(): number {
    const exponential = this.interval * 2 ** Math.min(this.failures - 1, 30);
    return Math.max(this.interval, Math.min(this.maxBackoffMs, exponential));
  }

  private emit(): void {
    if (!this.onStatus) return;
    try {
      this.onStatus(this.status());
    } catch (err) {
      // A broken listener must not stop the polling.
      console.error(`gpu poller (${this.host}): a status listener failed:`, err);
    }
  }
}
