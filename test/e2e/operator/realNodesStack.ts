import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api } from '../../support/batchApi.ts';
import { findLlamaBinaries, type LlamaBinaries } from '../../support/llamaBinaries.ts';
import { tinyLlamaModelPath } from '../../support/gguf/tinyLlamaModel.ts';
import { processAlive } from '../../support/processAlive.ts';
import { REPO, startCli, type Spawned } from '../../support/processes.ts';
import { startSshd, sshdUnavailableReason, type SshdInstance } from '../../support/sshdHarness.ts';
import { ensureRendererBuilt } from '../nodes/support.ts';

/**
 * The operator's view of a real cluster: a real `batchdeck serve` whose coordinator is the real llama-server,
 * and one real OpenSSH sshd on loopback whose sessions run the real rpc-server (llama.cpp built from the pinned
 * source) — every node added on it is the same machine on its own RPC port. The model is the tiny GGUF our
 * own code writes; llama-server serves it under the alias MODEL_ALIAS.
 */
export interface RealNodesStack {
  sshd: SshdInstance;
  serve: Spawned;
  url: string;
  call: ReturnType<typeof api>;
  model: string;
  llama: LlamaBinaries;
  dataDir: string;
  /** Stops serve and starts it again over the same data folder (SQLite, settings, desired state). */
  restartEngine(): Promise<void>;
  stop(): Promise<void>;
}

export const MODEL_ALIAS = 'tiny';

/** Why these specs cannot run here (no sshd, no built llama.cpp), or null. */
export function realStackUnavailable(): string | null {
  const sshd = sshdUnavailableReason();
  if (sshd) return sshd;
  const llama = findLlamaBinaries();
  return 'skip' in llama ? llama.skip : null;
}

async function servesWindow(url: string): Promise<boolean> {
  const res = await fetch(`${url}/`);
  await res.arrayBuffer();
  return res.ok && (res.headers.get('content-type') ?? '').startsWith('text/html');
}

/** serve with GPU telemetry on (startServe turns it off): the nodes' GPUs are polled over SSH. */
function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<Spawned> {
  return startCli(['serve', '--port', '0', ...args], /batchdeck serving (http:\/\/\S+)/, { env });
}

async function stopServe(serve: Spawned): Promise<void> {
  const exited = serve.kill('SIGTERM');
  const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), 15_000).unref());
  if ((await Promise.race([exited, timer])) === 'late') await serve.kill('SIGKILL');
}

/** The fake nvidia-smi printing a real capture: what the engine's GPU poller finds on the node over SSH. */
const FAKE_NVIDIA_SMI = path.join(REPO, 'test/support/fake-nvidia-smi/nvidia-smi');
const NODE_GPU_CAPTURE = path.join(REPO, 'test/fixtures/nvidia-smi/telegraf__3090-v13.xml');

export async function startRealNodesStack(): Promise<RealNodesStack> {
  const llama = findLlamaBinaries();
  if ('skip' in llama) throw new Error(llama.skip);
  ensureRendererBuilt();
  const model = tinyLlamaModelPath();
  const sshd = await startSshd({ withRpcServer: false });
  // The node's rpc-server, found on the session's PATH as the engine looks for it.
  const wrapper = path.join(sshd.binDir, 'rpc-server');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec '${llama.rpcServer}' "$@"\n`, { mode: 0o755 });
  // And a GPU for the GPUs view and the Dashboard (the node is this machine, which has none).
  fs.writeFileSync(path.join(sshd.binDir, 'nvidia-smi'), `#!/bin/sh\nFAKE_NVIDIA_SMI_XML='${NODE_GPU_CAPTURE}' exec '${FAKE_NVIDIA_SMI}' "$@"\n`, { mode: 0o755 });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-e2e-operator-'));
  const args = [
    '--data-dir', dataDir, '--llama-server', llama.llamaServer, '--models-dir', path.dirname(model),
    '--ssh-keys-dir', path.dirname(sshd.keyPath),
  ];
  let serve: Spawned | undefined;
  try {
    serve = await startServe(args, { SSH_AUTH_SOCK: '' });
    // Another user's `vite build` may have emptied dist/renderer at that moment: start again once it is back.
    for (let attempt = 1; !(await servesWindow(serve.url)); attempt++) {
      await stopServe(serve);
      serve = undefined;
      if (attempt > 3) throw new Error('batchdeck serve did not find the built window after 3 starts');
      await new Promise((r) => setTimeout(r, 2_000));
      serve = await startServe(args, { SSH_AUTH_SOCK: '' });
    }
  } catch (err) {
    if (serve) await stopServe(serve);
    await sshd.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const stack: RealNodesStack = {
    sshd, serve, url: serve.url, call: api(serve.url), model, llama, dataDir,
    async restartEngine() {
      await stopServe(stack.serve);
      stack.serve = await startServe(args, { SSH_AUTH_SOCK: '' });
      stack.url = stack.serve.url;
      stack.call = api(stack.url);
    },
    async stop() {
      // The coordinator this engine spawned: serve stops it on SIGTERM; noted first in case serve cannot.
      const coordinator = await stack.call('coordinator.status', {}).catch(() => null);
      await stopServe(stack.serve);
      const pid = coordinator?.pid;
      let cmdline = '';
      try {
        if (pid && processAlive(pid)) cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        // gone meanwhile
      }
      if (pid && cmdline.includes('llama-server')) process.kill(pid, 'SIGKILL');
      // sshd.stop() ends the rpc-servers whose pid files are in the node's home.
      await sshd.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}
