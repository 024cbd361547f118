import type { SimulatorOptions } from './options.ts';

/** A bad command line, with a message meant for the operator who typed it. */
export class SimulatorArgsError extends Error {
  override name = 'SimulatorArgsError';
}

const USAGE = 'usage: --port P [--host H] [--latency-ms N] [--slots N] [--tokens-per-second N] [--error-rate R] [--rate-limit-rate R] [--model NAME]... [--seed N]';

type Kind = 'port' | 'nonNegative' | 'positive' | 'positiveInt' | 'rate' | 'text' | 'int';
const FLAGS: Record<string, { key: keyof SimulatorOptions; kind: Kind }> = {
  '--port': { key: 'port', kind: 'port' },
  '--host': { key: 'host', kind: 'text' },
  '--latency-ms': { key: 'latencyMs', kind: 'nonNegative' },
  '--slots': { key: 'slots', kind: 'positiveInt' },
  '--tokens-per-second': { key: 'tokensPerSecond', kind: 'positive' },
  '--error-rate': { key: 'errorRate', kind: 'rate' },
  '--rate-limit-rate': { key: 'rateLimitRate', kind: 'rate' },
  '--model': { key: 'models', kind: 'text' },
  '--seed': { key: 'seed', kind: 'int' },
};

const RULES: Record<Kind, string> = {
  port: 'a port number from 0 to 65535 (0 = any free port)',
  nonNegative: 'a number >= 0',
  positive: 'a number > 0',
  positiveInt: 'a whole number >= 1',
  rate: 'a fraction from 0 to 1 (e.g. 0.05 for 5%)',
  text: 'a non-empty value',
  int: 'a whole number',
};

/**
 * Parses `batchdeck simulate` arguments into startSimulator options. Accepts `--flag value` and `--flag=value`;
 * `--model` may repeat. Throws SimulatorArgsError naming the flag and the rule it breaks.
 */
export function parseSimulatorArgs(argv: readonly string[]): SimulatorOptions {
  const opts: SimulatorOptions = {};
  const models: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const spec = FLAGS[name];
    if (spec === undefined) {
      throw new SimulatorArgsError(arg.startsWith('-') ? `unknown option ${name}; ${USAGE}` : `unexpected argument "${arg}"; ${USAGE}`);
    }
    let raw: string | undefined;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else {
      raw = argv[i + 1];
      if (raw === undefined || (raw.startsWith('--') && raw.length > 2)) throw new SimulatorArgsError(`${name} needs a value: ${RULES[spec.kind]}`);
      i++;
    }
    const value = parseValue(name, spec.kind, raw);
    if (spec.key === 'models') models.push(value as string);
    else if (spec.key === 'host') opts.host = value as string;
    else (opts as Record<string, unknown>)[spec.key] = value;
  }
  if (opts.port === undefined) throw new SimulatorArgsError(`missing --port (use --port 0 for any free port); ${USAGE}`);
  if (models.length > 0) opts.models = models;
  return opts;
}

function parseValue(name: string, kind: Kind, raw: string): number | string {
  const bad = (): never => { throw new SimulatorArgsError(`${name} must be ${RULES[kind]}, got "${raw}"`); };
  if (kind === 'text') return raw.trim().length > 0 ? raw : bad();
  if (raw.trim() === '') return bad();
  const n = Number(raw);
  if (!Number.isFinite(n)) return bad();
  switch (kind) {
    case 'port': return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : bad();
    case 'nonNegative': return n >= 0 ? n : bad();
    case 'positive': return n > 0 ? n : bad();
    case 'positiveInt': return Number.isInteger(n) && n >= 1 ? n : bad();
    case 'rate': return n >= 0 && n <= 1 ? n : bad();
    case 'int': return Number.isInteger(n) ? n : bad();
  }
}
