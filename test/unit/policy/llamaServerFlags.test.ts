import { describe, expect, it } from 'vitest';
import { checkLlamaServerFlags } from '../../../src-main/core/policy/llamaServerFlags.ts';

function refusal(args: string[]): string {
  try {
    checkLlamaServerFlags(args);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('forbidden');
    return (err as Error).message;
  }
  throw new Error(`${args.join(' ')} was allowed`);
}

describe('llama-server flags a client may add', () => {
  it('passes the tuning flags with valid values, in llama.cpp spellings', () => {
    const args = ['-c', '8192', '--ctx-size', '4096', '--ctx_size', '2048', '-np', '4', '--parallel', '-1', '-t', '8', '-tb', '8',
      '-b', '2048', '-ub', '512', '-ngl', '99', '--n-gpu-layers', 'auto', '-ts', '3,1', '--tensor-split', '1/1/2', '-fa', 'on', '--flash-attn',
      '-cb', '--no-mmap', '--mlock', '-a', 'my-model', '--temp', '0.7', '-ctk', 'q8_0', '-sm', 'layer', '-dev', 'CUDA0,RPC0', '--seed', '-1'];
    expect(checkLlamaServerFlags(args)).toEqual(args);
    expect(checkLlamaServerFlags([])).toEqual([]);
  });

  it.each([
    ['--log-file', '/tmp/x'], ['--slot-save-path', '/tmp'], ['--chat-template-file', '/etc/passwd'], ['--lora', '/x.gguf'],
    ['--mmproj', '/x.gguf'], ['-m', '/etc/passwd'], ['--model', '/x.gguf'], ['--rpc', '10.0.0.1:50052'], ['--host', '0.0.0.0'],
    ['--port', '80'], ['--api-key-file', '/etc/shadow'], ['--ssl-key-file', '/k'], ['-hf', 'org/repo'], ['--model-url', 'http://x'],
    ['--log_file', '/tmp/x'], ['--grammar-file', '/etc/passwd'], ['-f', '/etc/passwd'], ['--props'], ['--no-such-flag'],
  ])('refuses %s, naming it', (flag, ...rest) => {
    expect(refusal(['-c', '4096', flag, ...rest])).toContain(`llama-server flag ${flag} is not allowed from the API`);
  });

  it('refuses values that are not what the flag takes, so no file name rides along', () => {
    expect(refusal(['-c', '/etc/passwd'])).toMatch(/-c needs a whole number/);
    expect(refusal(['-c', '--log-file'])).toMatch(/-c needs/);
    expect(refusal(['-c'])).toMatch(/-c needs/);
    expect(refusal(['-ts', '3,/etc/x'])).toMatch(/-ts needs proportions/);
    expect(refusal(['-a', '--log-file'])).toMatch(/-a needs/);
    expect(refusal(['-a', '../x'])).toMatch(/-a needs/);
    expect(refusal(['-fa', '/tmp/x'])).toMatch(/-fa needs on, off or auto/);
    expect(refusal(['--ctx-size=4096'])).toMatch(/--ctx-size=4096 is not allowed/);
    expect(refusal(['model.gguf'])).toMatch(/argument "model.gguf" is not allowed/);
  });
});
