// `npm start` where the desktop window cannot open (no Electron binary, no display): the same engine runs in
// this process as `batchdeck serve` does, and the same window is served over HTTP, opened in the system
// browser when there is a display to show it on. Runs under the project's Node (24): it loads the engine's
// TypeScript directly.
import { spawn } from 'node:child_process';
import { runServeCommand } from '../src-main/cli/serveCommand.ts';

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
  process.stdout.write(`${who}: no desktop window (${reason}); the same window is served at ${url} instead.\n`);

  // Ctrl-C in a terminal reaches this process from the terminal and again from npm or the process that
  // started it under Node 24. serve stops on the first; a listener here keeps the repeat from killing the
  // process halfway through closing the engine.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {});

  let announced = false;
  const out = (line) => {
    process.stdout.write(`${line}\n`);
    // serve prints its first line once it listens: the moment the window can be opened. The note follows
    // serve's own lines (printed in the same tick).
    if (announced) return;
    announced = true;
    setImmediate(() => {
      if (!hasDisplay()) {
        process.stdout.write(`${who}: no display to open a browser on: open ${url} in a browser here, or from another machine through \`ssh -L ${port}:127.0.0.1:${port} <this host>\`. Ctrl-C stops Batchdeck.\n`);
        return;
      }
      const opener = openInBrowser(url, (why) => process.stdout.write(`${who}: ${why}; open ${url} yourself.\n`));
      process.stdout.write(`${who}: opening ${url} in your browser (${opener}). Ctrl-C stops Batchdeck.\n`);
    });
  };
  try {
    return await runServeCommand(args, out);
  } catch (err) {
    const inUse = err?.code === 'EADDRINUSE' ? ` Something else listens there (another Batchdeck?): choose another port with \`npm start -- --port ${Number(port) + 1}\` or BATCHDECK_PORT.` : '';
    process.stderr.write(`${who}: could not serve the window at ${url}: ${err?.message ?? err}.${inUse}\n`);
    return 1;
  }
}
