#!/usr/bin/env node
import { ApiError } from '../shared/contract/index.ts';
import { runServeCommand, SERVE_USAGE } from './cli/serveCommand.ts';
import { runSimulateCommand, SIMULATE_USAGE } from './cli/simulateCommand.ts';
import { RUN_USAGE } from './cli/runUsage.ts';

const USAGE = `Batchdeck: run OpenAI-format batch jobs on your own GPUs.

Usage:
  ${SERVE_USAGE}
  ${SIMULATE_USAGE}
  ${RUN_USAGE}
  batchdeck nodes add|list|start|stop|probe|remove [--server URL] [--token T] [--json] ...
  batchdeck coordinator start|status|stop [--server URL] [--token T] [--json] ...
  batchdeck replicas start|status|stop [--server URL] [--token T] [--json] ...
  batchdeck plan --model PATH [--ctx N] [--parallel N] [--node NAME]... [--replicas] [--json]
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (s: string) => process.stdout.write(s + '\n');
  switch (command) {
    case 'serve':
      return runServeCommand(rest, out);
    case 'simulate':
      return runSimulateCommand(rest, out);
    case 'run': {
      const { runRunCommand } = await import('./cli/runCommand.ts');
      return runRunCommand(rest, out);
    }
    case 'nodes': {
      const { runNodesCommand } = await import('./cli/nodesCommand.ts');
      return runNodesCommand(rest, out);
    }
    case 'coordinator': {
      const { runCoordinatorCommand } = await import('./cli/coordinatorCommand.ts');
      return runCoordinatorCommand(rest, out);
    }
    case 'replicas': {
      const { runReplicasCommand } = await import('./cli/replicasCommand.ts');
      return runReplicasCommand(rest, out);
    }
    case 'plan': {
      const { runPlanCommand } = await import('./cli/planCommand.ts');
      return runPlanCommand(rest, out);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`batchdeck: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const msg = err instanceof ApiError ? `${err.code}: ${err.message}` : (err as Error)?.message ?? String(err);
    process.stderr.write(`batchdeck: ${msg}\n`);
    process.exitCode = err instanceof ApiError && err.code === 'invalid_input' ? 2 : 1;
  },
);
