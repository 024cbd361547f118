// `npm start` where the desktop window cannot open (no Electron binary, no display): the same engine runs in
// this process as `batchdeck serve` does, and the same window is served over HTTP, opened in the system
// browser when there is a display to show it on. Runs under the project's Node (24), with the engine as
// `npm run serve` runs it: bundled (dist/serve/serveCommand.cjs, built by the caller when stale).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SERVE_BUNDLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'serve', 'serveCommand.cjs');

export const DEFAULT_PORT = 4080;

/** The value of `--name V` / `--name=V` in argv, or undefined. */
function optionValue(argv, name) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) return argv[i + 1];
    if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
  }
  return undefined;
}

export function hasDisplay() {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/** Starts the system browser on `url`, detached from this process; calls `onFail` when it cannot. */
function openInBrowser(url, onFail) {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]]
    : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]]
    : ['xdg-open', [url]];
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  child.on('error', (err) => onFail(`${cmd} could not run (${err.code ?? err.message})`));
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) onFail(`${cmd} exited with status ${code}, no browser opened`);
  });
  // The browser belongs to the user, not to Batchdeck: it must neither keep this process alive nor die with it.
  child.unref();
  return cmd;
}

/** Whether something answers HTTP at `url` (any status: a token-protected serve answers 401). */
async function answers(url) {
  try {
    await fetch(new URL('health', url), { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves true once `url` answers, false if `gaveUp()` turns true first. Waiting for the socket, rather than
 * for a line of serve's output, keeps the browser from opening on a port that does not listen yet.
 */
async function whenAnswering(url, gaveUp) {
  while (!gaveUp()) {
    if (await answers(url)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

/**
 * Serves the window until SIGINT/SIGTERM, then closes the engine; resolves to the exit status.
 * `argv` takes `batchdeck serve`'s options (--port, --host, --data-dir, --backend, ...); without --port the
 * port is BATCHDECK_PORT or 4080.
 */
export async function startHeadless({ reason, argv, who }) {
  const args = [...argv];
  let port = optionValue(args, '--port');
  if (port === undefined) {
    port = process.env.BATCHDECK_PORT || String(DEFAULT_PORT);
    args.push('--port', port);
  }
  const host = optionValue(args, '--host') ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  const inUse = `Something else listens there (another Batchdeck?): choose another port with \`npm start -- --port ${Number(port) + 1}\` or BATCHDECK_PORT.`;
  // Checked first, so that the wait for the window below cannot mistake another server for this one.
  if (await answers(url)) {
    process.stderr.write(`${who}: ${url} is taken. ${inUse}\n`);
    return 1;
  }
  process.stdout.write(`${who}: no desktop window (${reason}); the same window is served at ${url} instead.\n`);

  // Ctrl-C in a terminal reaches this process from the terminal and again from npm or the process that
  // started it under Node 24. serve stops on the first; this listener keeps the repeat from killing the
  // process halfway through closing the engine, and keeps a Ctrl-C that comes before serve listens (and has
  // its own handler) until then.
  let listening = false;
  let stopRequested = null;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (!listening) stopRequested ??= signal;
    });
  }

  const announce = () => {
    if (!hasDisplay()) {
      process.stdout.write(`${who}: no display to open a browser on: open ${url} in a browser here, or from another machine through \`ssh -L ${port}:127.0.0.1:${port} <this host>\`. Ctrl-C stops Batchdeck.\n`);
      return;
    }
    const opener = openInBrowser(url, (why) => process.stdout.write(`${who}: ${why}; open ${url} yourself.\n`));
    process.stdout.write(`${who}: opening ${url} in your browser (${opener}). Ctrl-C stops Batchdeck.\n`);
  };
  const { runServeCommand } = await import(pathToFileURL(SERVE_BUNDLE).href);
  const serving = runServeCommand(args, (line) => process.stdout.write(`${line}\n`));
  let ended = false;
  void serving.finally(() => (ended = true)).catch(() => {});
  void whenAnswering(url, () => ended).then((answering) => {
    listening = true;
    if (answering && stopRequested) process.kill(process.pid, stopRequested);
    else if (answering) announce();
  });
  try {
    return await serving;
  } catch (err) {
    process.stderr.write(`${who}: could not serve the window at ${url}: ${err?.message ?? err}.${err?.code === 'EADDRINUSE' ? ` ${inUse}` : ''}\n`);
    return 1;
  }
}
