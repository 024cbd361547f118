import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandError, localCommandRunner } from '../../../src-main/core/gpu/commandRunner.ts';
import { capturePath, readCapture } from './support/fixtures.ts';

const scratch = mkdtempSync(join(tmpdir(), 'batchdeck-runner-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<CommandError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof CommandError) return err;
    throw err;
  }
  throw new Error('expected the command to be refused');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 25));
  return check();
}

describe('local command runner', () => {
  it('gives back what the command printed and its exit status', async () => {
    const result = await localCommandRunner.run('sh', ['-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 10_000 });
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
  });

  it('passes arguments as they are, without a shell reading them', async () => {
    const result = await localCommandRunner.run('printf', ['%s|', '$HOME', 'a b', ';rm -rf /'], { timeoutMs: 10_000 });
    expect(result.stdout).toBe('$HOME|a b|;rm -rf /|');
  });

  it('reads a whole 8-GPU nvidia-smi document', async () => {
    const result = await localCommandRunner.run('cat', [capturePath('datakit__gtx-8card.xml')], { timeoutMs: 10_000 });
    expect(result.stdout).toBe(readCapture('datakit__gtx-8card.xml'));
  });

  it('reports a command that does not exist as ENOENT', async () => {
    const err = await rejection(localCommandRunner.run('/nonexistent/batchdeck/nvidia-smi', ['-q', '-x'], { timeoutMs: 10_000 }));
    expect(err.code).toBe('ENOENT');
    expect(err.message).toMatch(/command not found/);
  });

  it('kills a command that runs past its timeout and reports ETIMEDOUT', async () => {
    const pidFile = join(scratch, 'timeout.pid');
    const err = await rejection(localCommandRunner.run('sh', ['-c', `echo $$ > ${pidFile}; exec sleep 60`], { timeoutMs: 1000 }));
    expect(err.code).toBe('ETIMEDOUT');
    expect(err.message).toMatch(/did not finish within 1000 ms/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await eventually(() => !isAlive(pid))).toBe(true);
  });

  it('still times out when a child of the command keeps its output open', async () => {
    const err = await rejection(localCommandRunner.run('sh', ['-c', 'sleep 5; echo never'], { timeoutMs: 1000 }));
    expect(err.code).toBe('ETIMEDOUT');
  });

  it('stops a command when asked to, reporting ABORT_ERR', async () => {
    const abort = new AbortController();
    const running = localCommandRunner.run('sleep', ['60'], { timeoutMs: 60_000, signal: abort.signal });
    abort.abort();
    expect((await rejection(running)).code).toBe('ABORT_ERR');
  });
});
