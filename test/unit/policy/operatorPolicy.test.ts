import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorPolicy } from '../../../src-main/core/policy/operatorPolicy.ts';
import { createOperatorHandlers } from '../../../src-main/app/operatorPicker.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-operator-policy-')));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('the operator allow-list kept beside the data folder', () => {
  it('keeps what the desktop operator picked, so the next start allows it too', async () => {
    const data = tempDir();
    const models = tempDir();
    fs.writeFileSync(path.join(models, 'm.gguf'), 'GGUF');
    const policy = OperatorPolicy.forDataDir(data);
    expect(() => policy.model(path.join(models, 'm.gguf'))).toThrow(/not in a folder allowed/);

    const seen: string[][] = [];
    policy.onChange((info) => seen.push(info.modelsDirs));
    const handlers = createOperatorHandlers({ operator: policy, askOpenPath: async (o) => (o.folder ? models : null) });
    const after = await handlers['operator.pick']!({ kind: 'modelsDir' });
    expect(after.modelsDirs).toEqual([models]);
    expect(seen).toEqual([[models]]);
    expect(policy.model(path.join(models, 'm.gguf'))).toBe(path.join(models, 'm.gguf'));

    const reopened = OperatorPolicy.forDataDir(data);
    expect(reopened.info()).toMatchObject({ modelsDirs: [models], sshKeysDirs: [path.join(os.homedir(), '.ssh')], configFile: path.join(data, 'operator.json') });
  });

  it('changes nothing when the operator cancels the picker', async () => {
    const data = tempDir();
    const policy = OperatorPolicy.forDataDir(data);
    const handlers = createOperatorHandlers({ operator: policy, askOpenPath: async () => null });
    expect((await handlers['operator.pick']!({ kind: 'llamaServer' })).llamaServers).toEqual([]);
    expect(fs.existsSync(path.join(data, 'operator.json'))).toBe(false);
  });

  it('lets a serve flag replace the file\'s list of its kind and keeps the others', () => {
    const data = tempDir();
    fs.writeFileSync(path.join(data, 'operator.json'), JSON.stringify({ llamaServers: ['/opt/a/llama-server'], modelsDirs: ['/srv/models'], sshKeysDirs: ['~/keys'] }));
    const policy = OperatorPolicy.forDataDir(data, { llamaServers: ['/opt/b/llama-server'], modelsDirs: [], sshKeysDirs: [] });
    expect(policy.info()).toMatchObject({ llamaServers: ['/opt/b/llama-server'], modelsDirs: ['/srv/models'], sshKeysDirs: [path.join(os.homedir(), 'keys')] });
  });

  it('refuses to start on a config file it cannot trust, saying what is wrong', () => {
    const data = tempDir();
    fs.writeFileSync(path.join(data, 'operator.json'), '{"modelsDirs": "/srv/models"}');
    expect(() => OperatorPolicy.forDataDir(data)).toThrow(/operator\.json: modelsDirs: .*Expected \{"llamaServers"/);
    fs.writeFileSync(path.join(data, 'operator.json'), '{"modelDirs": ["/srv/models"]}');
    expect(() => OperatorPolicy.forDataDir(data)).toThrow(/modelDirs/);
    fs.writeFileSync(path.join(data, 'operator.json'), '{not json');
    expect(() => OperatorPolicy.forDataDir(data)).toThrow(/not valid JSON/);
  });
});
