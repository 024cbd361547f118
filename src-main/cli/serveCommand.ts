import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine } from '../core/engine.ts';
import { startHttpServer } from '../server/httpServer.ts';
import { describeAllowList } from './describeAllowList.ts';

export const SERVE_USAGE = `batchdeck serve [--host 127.0.0.1] [--port 4080] [--data-dir DIR] [--backend URL]... [--concurrency N] [--token T] [--allowed-host NAME]... [--no-gpu]
                [--llama-server PATH]... [--models-dir DIR]... [--ssh-keys-dir DIR]...

  A token is required on any address but loopback. Prefer BATCHDECK_TOKEN=... in the environment over
  --token: other users of the machine can read a process's arguments.
  --allowed-host NAME  another name clients use for this server in Host/Origin (a DNS name, a reverse
                       proxy's public name); repeatable, or BATCHDECK_ALLOWED_HOSTS=name1,name2.

  What clients of the API may make this machine run and read (the machine's operator allows, the API
  chooses; anything else is refused with 403):
  --llama-server PATH  a llama-server program the coordinator may run (the first is the default); repeatable
  --models-dir DIR     GGUF models a client may load are files under DIR; repeatable
  --ssh-keys-dir DIR   SSH key files nodes may use are files under DIR; repeatable (default ~/.ssh)
  Without these flags the lists come from <data-dir>/operator.json, for example
  {"llamaServers": ["/opt/llama/llama-server"], "modelsDirs": ["/srv/models"], "sshKeysDirs": ["~/.ssh"]};
  a flag replaces that file's list of its kind.`;

export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'batchdeck');
}

/** `batchdeck serve`: the engine without Electron, with the HTTP API and the window in a browser. */
export async function runServeCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '4080' },
      'data-dir': { type: 'string' },
      backend: { type: 'string', multiple: true, default: [] },
      concurrency: { type: 'string' },
      token: { type: 'string' },
      'allowed-host': { type: 'string', multiple: true, default: [] },
      'no-gpu': { type: 'boolean', default: false },
      'llama-server': { type: 'string', multiple: true, default: [] },
      'models-dir': { type: 'string', multiple: true, default: [] },
      'ssh-keys-dir': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    out(SERVE_USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: expected a port number 0-65535`);
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024)) throw new Error(`--concurrency ${values.concurrency}: expected an integer 1-1024`);
  const token = values.token ?? process.env.BATCHDECK_TOKEN ?? undefined;
  if (values.token) out('note: a --token on the command line is visible to other users of this machine (ps); prefer BATCHDECK_TOKEN in the environment');
  const allowedHosts = [...values['allowed-host'], ...(process.env.BATCHDECK_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean)];
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());

  const engine = await createEngine({ dataDir, backends: values.backend, concurrency, gpu: { enabled: !values['no-gpu'] }, nodes: { enabled: true },
    operator: { llamaServers: values['llama-server'], modelsDirs: values['models-dir'], sshKeysDirs: values['ssh-keys-dir'] } });
  let server;
  try {
    server = await startHttpServer(engine, { host: values.host, port, token, allowedHosts });
  } catch (err) {
    await engine.close();
    throw err;
  }
  out(describeAllowList(engine.operator.info()));
  out(`batchdeck serving ${server.url} (data: ${dataDir}; backends: ${engine.registry.list().map((b) => b.baseUrl).join(', ') || 'none yet'})`);
  out(`open ${server.url}/ in a browser for the window${token ? ' (append ?token=<token>)' : ''}; OpenAI SDKs: baseURL ${server.url}/v1`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      out(`${signal}: stopping (in-flight requests go back to the queue and resume on the next start)`);
      void server.close().then(() => engine.close()).finally(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
