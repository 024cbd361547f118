import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError } from '../../../src-main/core/gpu/commandRunner.ts';
import { parseNvidiaSmiXml } from '../../../src-main/core/gpu/parseNvidiaSmi.ts';
import { freePort, startSshd, sshdUnavailableReason, type SshdInstance } from '../../support/sshdHarness.ts';
import { makeKit, type Kit } from './nodeTestKit.ts';

const unavailable = sshdUnavailableReason();
const here = path.dirname(fileURLToPath(import.meta.url));
const fakeSmi = path.resolve(here, '../../support/fake-nvidia-smi/nvidia-smi');
const fixture = path.resolve(here, '../../fixtures/nvidia-smi/datakit__gtx-1card.xml');

describe.skipIf(unavailable !== null)('commands on a node over its SSH session (remote GPU telemetry)', () => {
  let sshd: SshdInstance;
  let kit: Kit;
  let nodeId: string;

  beforeAll(async () => {
    sshd = await startSshd();
    kit = makeKit();
    const node = await kit.service.add({
      name: 'gpu-smi', host: sshd.host, sshPort: sshd.port, user: sshd.user, auth: { method: 'key', keyPath: sshd.keyPath },
      rpcServerPath: '', rpcPort: await freePort(), devices: '', cache: false, bind: 'tunnel', acceptedHostKey: sshd.hostKeyFingerprint,
    });
    nodeId = node.id;
  });
  afterAll(async () => {
    await kit?.close();
    await sshd?.stop();
  });

  it('says a node without nvidia-smi has no such command (a state, not an error loop)', async () => {
    const runner = kit.service.commandRunner(nodeId);
    await expect(runner.run('nvidia-smi', ['-q', '-x'], { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('runs nvidia-smi on the node and its XML parses into the node GPUs', async () => {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    fs.writeFileSync(path.join(sshd.binDir, 'nvidia-smi'), `#!/bin/sh\nFAKE_NVIDIA_SMI_XML=${q(fixture)} exec ${q(fakeSmi)} "$@"\n`, { mode: 0o755 });
    const res = await kit.service.commandRunner(nodeId).run('nvidia-smi', ['-q', '-x'], { timeoutMs: 10_000 });
    expect(res.exitCode).toBe(0);
    const snapshot = parseNvidiaSmiXml(res.stdout, 'gpu-smi', Date.now());
    expect(snapshot.gpus.length).toBeGreaterThan(0);
    expect(snapshot.gpus[0]?.memoryTotalMiB).toBeGreaterThan(0);
  });

  it('passes arguments literally, returns exit codes, and stops a command that overruns its timeout', async () => {
    const runner = kit.service.commandRunner(nodeId);
    const echoed = await runner.run('printf', ['%s|', 'a b', '$(id)', "it's"], { timeoutMs: 5000 });
    expect(echoed.stdout).toBe("a b|$(id)|it's|");
    expect((await runner.run('sh', ['-c', 'echo oops >&2; exit 3'], { timeoutMs: 5000 }))).toMatchObject({ exitCode: 3, stderr: 'oops\n' });
    const slow = runner.run('sleep', ['5'], { timeoutMs: 300 });
    await expect(slow).rejects.toBeInstanceOf(CommandError);
    await expect(slow).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});
