import { describe, expect, it } from 'vitest';
import { parseCoordinatorArgs } from '../../../src-main/cli/coordinatorCommand.ts';
import { DEFAULT_SERVER, UsageError, parseNodesArgs, runNodesCommand } from '../../../src-main/cli/nodesCommand.ts';
import { runCoordinatorCommand } from '../../../src-main/cli/coordinatorCommand.ts';

describe('batchdeck nodes arguments', () => {
  it('builds a node from add flags, with ssh-agent unless a key is given', () => {
    const cmd = parseNodesArgs(['add', '--name', 'gpu-1', '--host', '10.0.0.5', '--user', 'ml', '--ssh-port', '2222',
      '--key', '/home/me/.ssh/id_ed25519', '--rpc-port', '50053', '--rpc-server', '~/llama.cpp/build/bin/rpc-server',
      '--bind', 'lan', '--devices', 'CUDA0,CUDA1', '--cache', '--accept-host-key', 'SHA256:abc', '--json']);
    expect(cmd).toEqual({
      kind: 'add',
      flags: { target: { server: DEFAULT_SERVER, token: process.env.BATCHDECK_TOKEN }, json: true },
      input: {
        name: 'gpu-1', host: '10.0.0.5', user: 'ml', sshPort: 2222, auth: { method: 'key', keyPath: '/home/me/.ssh/id_ed25519' },
        rpcPort: 50053, rpcServerPath: '~/llama.cpp/build/bin/rpc-server', bind: 'lan', devices: 'CUDA0,CUDA1', cache: true,
        acceptedHostKey: 'SHA256:abc',
      },
    });
    const agent = parseNodesArgs(['add', '--name', 'n', '--host', 'h', '--user', 'u']);
    expect(agent.kind === 'add' && agent.input.auth).toEqual({ method: 'agent' });
  });

  it('takes --server and --token for every command', () => {
    const cmd = parseNodesArgs(['list', '--server', 'http://gpu-box:4080', '--token', 't0k']);
    expect(cmd).toEqual({ kind: 'list', flags: { target: { server: 'http://gpu-box:4080', token: 't0k' }, json: false } });
  });

  it('starts and stops named nodes or all of them', () => {
    expect(parseNodesArgs(['start', 'a', 'b'])).toMatchObject({ kind: 'start', names: ['a', 'b'], all: false });
    expect(parseNodesArgs(['stop', '--all'])).toMatchObject({ kind: 'stop', names: [], all: true });
    expect(parseNodesArgs(['probe', 'a'])).toMatchObject({ kind: 'probe', name: 'a' });
    expect(parseNodesArgs(['remove', 'a'])).toMatchObject({ kind: 'remove', name: 'a' });
    expect(parseNodesArgs(['accept-key', 'a', 'SHA256:xyz'])).toMatchObject({ kind: 'accept-key', name: 'a', fingerprint: 'SHA256:xyz' });
  });

  it('explains usage mistakes instead of guessing', () => {
    expect(() => parseNodesArgs(['add', '--name', 'n'])).toThrow(/needs --host, --user/);
    expect(() => parseNodesArgs(['add', '--name', 'n', '--host', 'h', '--user', 'u', '--bind', 'wifi'])).toThrow(/tunnel or lan/);
    expect(() => parseNodesArgs(['add', '--name', 'n', '--host', 'h', '--user', 'u', '--ssh-port', '22x'])).toThrow(/whole number/);
    expect(() => parseNodesArgs(['start'])).toThrow(/names, or --all/);
    expect(() => parseNodesArgs(['start', 'a', '--all'])).toThrow(/not both/);
    expect(() => parseNodesArgs(['list', '--host', 'h'])).toThrow(/does not take --host/);
    expect(() => parseNodesArgs(['frobnicate'])).toThrow(UsageError);
    expect(() => parseNodesArgs(['list', '--nope'])).toThrow(UsageError);
    expect(parseNodesArgs([])).toEqual({ kind: 'help' });
  });

  it('exits 2 with the help text on a usage mistake', async () => {
    const out: string[] = [];
    expect(await runNodesCommand(['start'], (s) => out.push(s))).toBe(2);
    expect(out.join('\n')).toMatch(/Usage: batchdeck nodes/);
  });

  it('exits 1 and says where it tried when no Batchdeck is running there', async () => {
    const out: string[] = [];
    expect(await runNodesCommand(['list', '--server', 'http://127.0.0.1:9'], (s) => out.push(s))).toBe(1);
    expect(out.join('\n')).toMatch(/Could not reach Batchdeck at http:\/\/127\.0\.0\.1:9/);
  });
});

describe('batchdeck coordinator arguments', () => {
  it('passes everything after -- to llama-server untouched', () => {
    const cmd = parseCoordinatorArgs(['start', '--model', '/models/q4.gguf', '--llama-server', '/opt/llama/llama-server', '--port', '8081',
      '--node', 'a', '--node', 'b', '--wait', '--', '-c', '8192', '--flash-attn', '--json']);
    expect(cmd).toMatchObject({
      kind: 'start',
      input: { model: '/models/q4.gguf', llamaServerPath: '/opt/llama/llama-server', port: 8081, extraArgs: ['-c', '8192', '--flash-attn', '--json'] },
      nodeNames: ['a', 'b'],
      wait: true,
      flags: { json: false },
    });
  });

  it('needs a model to start, and nothing extra for status and stop', () => {
    expect(() => parseCoordinatorArgs(['start'])).toThrow(/--model PATH/);
    expect(parseCoordinatorArgs(['status', '--json'])).toMatchObject({ kind: 'status', flags: { json: true } });
    expect(() => parseCoordinatorArgs(['stop', '--model', '/m'])).toThrow(/takes no --model/);
    expect(() => parseCoordinatorArgs(['start', '--model', '/m', '--port', 'eighty'])).toThrow(/whole number/);
  });

  it('exits 2 on a usage mistake', async () => {
    const out: string[] = [];
    expect(await runCoordinatorCommand(['launch'], (s) => out.push(s))).toBe(2);
    expect(out.join('\n')).toMatch(/unknown coordinator command/);
  });
});
