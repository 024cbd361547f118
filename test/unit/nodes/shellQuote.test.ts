import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellCommand, shellPath, shellQuote } from '../../../src-main/core/nodes/shellQuote.ts';

/** What sh actually receives as one argument after quoting. */
function throughSh(quoted: string): string {
  return execFileSync('sh', ['-c', `printf '%s' ${quoted}`], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: '/home/nodeuser' } });
}

const HOSTILE = [
  "it's", '$(touch /tmp/pwned)', '`id`', 'a b\tc', 'x; rm -rf /', '"double"', 'back\\slash', '*', '~', '$HOME',
  'line\nbreak', "''", '-n', '&& echo hi', '|', '>out', '!history', '{a,b}', '',
];

describe('shell quoting', () => {
  it('passes every hostile string to sh as exactly one literal word', () => {
    for (const s of HOSTILE) expect(throughSh(shellQuote(s)), JSON.stringify(s)).toBe(s);
  });

  it('leaves plain words readable', () => {
    expect(shellQuote('/usr/local/bin/rpc-server')).toBe('/usr/local/bin/rpc-server');
    expect(shellQuote('CUDA0,CUDA1')).toBe('CUDA0,CUDA1');
    expect(shellQuote('a=b')).toBe("'a=b'");
  });

  it('builds command lines of quoted words', () => {
    expect(shellCommand('nvidia-smi', ['-q', '-x'])).toBe('nvidia-smi -q -x');
    const cmd = shellCommand('printf', ['%s|', 'a b', "c'd"]);
    expect(execFileSync('sh', ['-c', cmd], { encoding: 'utf8' })).toBe("a b|c'd|");
  });

  it('expands ~/ to the node home but keeps the rest literal', () => {
    expect(throughSh(shellPath('~/llama.cpp/build/bin/rpc-server'))).toBe('/home/nodeuser/llama.cpp/build/bin/rpc-server');
    expect(throughSh(shellPath('~/$(id)'))).toBe('/home/nodeuser/$(id)');
    expect(throughSh(shellPath('/opt/x y'))).toBe('/opt/x y');
  });

  it('refuses a NUL byte, which no shell argument can carry', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});
