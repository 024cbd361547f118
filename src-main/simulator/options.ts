/** How the simulated OpenAI-compatible backend behaves. */
export interface SimulatorOptions {
  /** 0 = any free port (default). */
  port?: number;
  /** Default 127.0.0.1: the simulator is for this machine. */
  host?: string;
  /** Time to first token, added to every request (default 0). */
  latencyMs?: number;
  /** Requests processed at once; more wait in a FIFO queue, like llama-server's slots (default 4). */
  slots?: number;
  /** Generation speed per request; unset = completions take no time beyond latencyMs. */
  tokensPerSecond?: number;
  /** Fraction of requests answered with a 500 after their latency (0..1, default 0). */
  errorRate?: number;
  /** Fraction of requests refused at once with a 429 and Retry-After: 1 (0..1, default 0). */
  rateLimitRate?: number;
  /** Models served; a request for any other model gets a 404 (default ['sim-model']). */
  models?: string[];
  /** Seeds the error and 429 draws, so a test run is repeatable (default: random). */
  seed?: number;
}

export type ResolvedSimulatorOptions = Required<Omit<SimulatorOptions, 'tokensPerSecond'>> & { tokensPerSecond: number | null };

export const DEFAULT_SIM_MODEL = 'sim-model';

/** Fills defaults and refuses values that make no sense, with a message naming the option. */
export function resolveSimulatorOptions(opts: SimulatorOptions): ResolvedSimulatorOptions {
  const r: ResolvedSimulatorOptions = {
    port: opts.port ?? 0,
    host: opts.host ?? '127.0.0.1',
    latencyMs: opts.latencyMs ?? 0,
    slots: opts.slots ?? 4,
    tokensPerSecond: opts.tokensPerSecond ?? null,
    errorRate: opts.errorRate ?? 0,
    rateLimitRate: opts.rateLimitRate ?? 0,
    models: opts.models && opts.models.length > 0 ? [...opts.models] : [DEFAULT_SIM_MODEL],
    seed: opts.seed ?? Math.floor(Math.random() * 2 ** 32),
  };
  const fail = (name: string, rule: string, value: unknown): never => {
    throw new RangeError(`simulator ${name} must be ${rule} (got ${String(value)})`);
  };
  if (!Number.isInteger(r.port) || r.port < 0 || r.port > 65535) fail('port', 'an integer from 0 to 65535', r.port);
  if (!Number.isFinite(r.latencyMs) || r.latencyMs < 0) fail('latencyMs', 'a number >= 0', r.latencyMs);
  if (!Number.isInteger(r.slots) || r.slots < 1) fail('slots', 'an integer >= 1', r.slots);
  if (r.tokensPerSecond !== null && (!Number.isFinite(r.tokensPerSecond) || r.tokensPerSecond <= 0)) fail('tokensPerSecond', 'a number > 0', r.tokensPerSecond);
  if (!(r.errorRate >= 0 && r.errorRate <= 1)) fail('errorRate', 'between 0 and 1', r.errorRate);
  if (!(r.rateLimitRate >= 0 && r.rateLimitRate <= 1)) fail('rateLimitRate', 'between 0 and 1', r.rateLimitRate);
  if (r.models.some((m) => typeof m !== 'string' || m.length === 0)) fail('models', 'non-empty names', r.models.join(','));
  return r;
}
