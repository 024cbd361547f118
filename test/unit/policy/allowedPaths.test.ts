import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../shared/contract/index.ts';
import { allowedKeyFile, allowedLlamaServer, allowedModel } from '../../../src-main/core/policy/allowedPaths.ts';
import type { OperatorAllowList } from '../../../src-main/core/policy/operatorAllowList.ts';

let root: string;
let list: OperatorAllowList;

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got an answer');
}

/** The refusal with the requested path taken out: what it says about the file itself. */
function shape(err: ApiError, requested: string): string {
  return `${err.code}: ${err.message.split(requested).join('<path>').split(path.dirname(path.normalize(requested))).join('<dir>')}`;
}

beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-policy-')));
  const models = path.join(root, 'models');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(path.join(models, 'sub'), { recursive: true });
  fs.mkdirSync(path.join(outside, 'dir'), { recursive: true });
  fs.writeFileSync(path.join(models, 'm.gguf'), 'GGUF');
  fs.writeFileSync(path.join(outside, 'secret.gguf'), 'secret');
  fs.symlinkSync(path.join(models, 'm.gguf'), path.join(models, 'alias.gguf'));
  fs.symlinkSync('../outside/secret.gguf', path.join(models, 'link-out.gguf'));
  fs.symlinkSync('../outside/nothing.gguf', path.join(models, 'dangling-out.gguf'));
  fs.symlinkSync('../outside', path.join(models, 'outdir'));
  fs.symlinkSync('nothing.gguf', path.join(models, 'dangling-in.gguf'));
  fs.symlinkSync('loop-b', path.join(models, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(models, 'loop-b'));
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'llama-server'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'other'), '#!/bin/sh\n', { mode: 0o755 });
  fs.symlinkSync(path.join(bin, 'llama-server'), path.join(bin, 'llama-link'));
  list = { llamaServers: [path.join(bin, 'llama-server')], modelsDirs: [models], sshKeysDirs: [path.join(root, 'keys')] };
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('models a client may load', () => {
  it('gives the real path of a model under the models folder, also through a symlink that stays inside', () => {
    expect(allowedModel(list, path.join(root, 'models/m.gguf'))).toBe(path.join(root, 'models/m.gguf'));
    expect(allowedModel(list, path.join(root, 'models/alias.gguf'))).toBe(path.join(root, 'models/m.gguf'));
    expect(allowedModel(list, path.join(root, 'models/sub/../m.gguf'))).toBe(path.join(root, 'models/m.gguf'));
  });

  it('refuses every path outside with the same 403, whether it exists, is a folder, a link or a dangling link', () => {
    const attempts = [
      path.join(root, 'outside/secret.gguf'),
      path.join(root, 'outside/nothing.gguf'),
      path.join(root, 'outside/dir'),
      path.join(root, 'outside/secret.gguf/x'),
      path.join(root, 'models/link-out.gguf'),
      path.join(root, 'models/dangling-out.gguf'),
      path.join(root, 'models/outdir/secret.gguf'),
      path.join(root, 'models/outdir/nothing.gguf'),
      `${root}/models/../outside/secret.gguf`,
      `${root}/models/sub/../../outside/nothing.gguf`,
      `${root}/models/./link-out.gguf`,
      '/etc/passwd',
      '/etc/no-such-file-here',
      '/proc/self/environ',
      os.tmpdir(),
    ];
    const shapes = new Set(attempts.map((p) => shape(failure(() => allowedModel(list, p)), p)));
    expect([...shapes]).toEqual(['forbidden: Model <path> is not in a folder allowed on this machine: start serve with --models-dir <dir> (in the desktop app: Settings, Allowed on this machine)']);
  });

  it('refuses a relative path or one with no models folder configured, naming the flag', () => {
    expect(failure(() => allowedModel(list, 'models/m.gguf')).message).toMatch(/--models-dir DIR/);
    expect(failure(() => allowedModel({ ...list, modelsDirs: [] }, path.join(root, 'models/m.gguf'))).code).toBe('forbidden');
  });

  it('gives the usual helpful errors inside the models folder', () => {
    const missing = failure(() => allowedModel(list, path.join(root, 'models/missing.gguf')));
    expect(missing.code).toBe('invalid_input');
    expect(missing.message).toMatch(/does not exist in .*models/);
    expect(failure(() => allowedModel(list, path.join(root, 'models/sub'))).message).toMatch(/is not a regular file/);
    expect(failure(() => allowedModel(list, path.join(root, 'models/dangling-in.gguf'))).code).toBe('invalid_input');
    expect(failure(() => allowedModel(list, path.join(root, 'models/loop-a'))).code).toBe('invalid_input');
  });
});

describe('the llama-server the coordinator may run', () => {
  it('runs the configured one when none is named, and a named one only when its real path is configured', () => {
    const real = path.join(root, 'bin/llama-server');
    expect(allowedLlamaServer(list, undefined)).toBe(real);
    expect(allowedLlamaServer(list, real)).toBe(real);
    expect(allowedLlamaServer(list, path.join(root, 'bin/llama-link'))).toBe(real);
  });

  it('refuses any other program with a 403 that names the flag to set', () => {
    const other = path.join(root, 'bin/other');
    const err = failure(() => allowedLlamaServer(list, other));
    expect(err.code).toBe('forbidden');
    expect(err.message).toBe(`llama-server ${other} is not allowed on this machine: start serve with --llama-server ${other} (in the desktop app: Settings, Allowed on this machine)`);
    const missing = path.join(root, 'bin/nothing');
    expect(shape(failure(() => allowedLlamaServer(list, missing)), missing)).toBe(shape(err, other));
    expect(failure(() => allowedLlamaServer(list, '/bin/sh')).code).toBe('forbidden');
    expect(failure(() => allowedLlamaServer(list, 'llama-server')).code).toBe('forbidden');
    expect(failure(() => allowedLlamaServer({ ...list, llamaServers: [] }, undefined)).message).toMatch(/No llama-server is allowed on this machine: start serve with --llama-server PATH/);
  });
});

describe('SSH key files a node may use', () => {
  it('refuses a key outside the keys folders the same way whether it exists or not', () => {
    const existing = path.join(root, 'outside/secret.gguf');
    const missing = path.join(root, 'outside/id_missing');
    const a = failure(() => allowedKeyFile(list, existing));
    const b = failure(() => allowedKeyFile(list, missing));
    expect(a.code).toBe('forbidden');
    expect(shape(a, existing)).toBe(shape(b, missing));
    expect(a.message).toMatch(/start serve with --ssh-keys-dir /);
  });

  it('reads a key under an allowed folder, including ~/ paths', () => {
    const home = os.homedir();
    const keys = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-keys-'));
    try {
      fs.writeFileSync(path.join(keys, 'id_test'), 'key');
      expect(allowedKeyFile({ ...list, sshKeysDirs: [keys] }, path.join(keys, 'id_test'))).toBe(path.join(fs.realpathSync(keys), 'id_test'));
      expect(failure(() => allowedKeyFile({ ...list, sshKeysDirs: [keys] }, '~/.ssh/id_ed25519')).code).toBe(home.startsWith(keys) ? 'invalid_input' : 'forbidden');
    } finally {
      fs.rmSync(keys, { recursive: true, force: true });
    }
  });
});
