import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const NODE24 = path.join(REPO, 'node_modules/.bin/node');
/** The sources; BATCHDECK_TEST_CLI=dist/serve/cli.cjs runs a suite against the bundle `npm run serve` runs. */
export const CLI = path.resolve(REPO, process.env['BATCHDECK_TEST_CLI'] ?? 'src-main/cli.ts');

export interface Spawned {
  child: ChildProcess;
  url: string;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `batchdeck <args>` and resolves with the URL it prints once listening. `entry` runs another build of
 * the CLI than the sources, such as the bundle `npm run serve` runs (dist/serve/cli.cjs).
 */
export function startCli(args: string[], urlPattern: RegExp, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; entry?: string } = {}): Promise<Spawned> {
  const child = spawn(NODE24, [opts.entry ?? CLI, ...args], { cwd: REPO, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`batchdeck ${args.join(' ')} did not start within ${opts.timeoutMs ?? 20_000} ms:\n${out}`));
    }, opts.timeoutMs ?? 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = urlPattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1]!,
          output: () => out,
          kill: (signal: NodeJS.Signals = 'SIGTERM') =>
            new Promise<void>((res) => {
              if (child.exitCode !== null || child.signalCode !== null) return res();
              child.once('exit', () => res());
              child.kill(signal);
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`batchdeck ${args.join(' ')} exited with ${code} before listening:\n${out}`));
    });
  });
}

export function startServe(args: string[], env?: NodeJS.ProcessEnv, entry?: string): Promise<Spawned> {
  return startCli(['serve', '--port', '0', '--no-gpu', ...args], /batchdeck serving (http:\/\/\S+)/, { env, ...(entry ? { entry } : {}) });
}

export function startSimulatorProcess(args: string[]): Promise<Spawned> {
  return startCli(['simulate', ...args], /simulator listening on (http:\/\/\S+)/);
}
