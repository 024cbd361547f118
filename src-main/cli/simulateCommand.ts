import { parseSimulatorArgs, startSimulator } from '../simulator/simulator.ts';

export const SIMULATE_USAGE = `batchdeck simulate --port P [--host 127.0.0.1] [--latency-ms N] [--slots N] [--tokens-per-second N] [--error-rate R] [--rate-limit-rate R] [--model NAME]...`;

/** `batchdeck simulate`: a simulated OpenAI-compatible backend for demos, tests and benchmarks. */
export async function runSimulateCommand(argv: string[], out: (s: string) => void): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(SIMULATE_USAGE);
    return 0;
  }
  const opts = parseSimulatorArgs(argv);
  const sim = await startSimulator(opts);
  out(`simulator listening on ${sim.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => void sim.close().finally(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
