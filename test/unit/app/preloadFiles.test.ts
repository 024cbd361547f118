/**
 * The preload as the sandboxed window loads it (src-preload/preload.ts, with a stand-in 'electron'): a dropped
 * or picked file reaches the main process as its path on disk, never as its content.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_INVOKE_CHANNEL } from '../../../shared/contract/index.ts';
import type { DesktopFileBridge } from '../../../shared/upload.ts';

const electron = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoked: [] as unknown[][],
  paths: new Map<unknown, string>(),
}));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => electron.exposed.set(key, value) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => {
      electron.invoked.push(args);
      return { ok: true, value: { fileId: 'file-1', filename: 'batch.jsonl', bytes: 42 } };
    },
    on: () => {},
  },
  // Electron answers '' for a File that did not come from disk (one a script built in the page).
  webUtils: { getPathForFile: (file: File) => electron.paths.get(file) ?? '' },
}));

let bridge: DesktopFileBridge;

beforeAll(async () => {
  await import('../../../src-preload/preload.ts');
  bridge = electron.exposed.get('batchdeck') as DesktopFileBridge;
});

describe('the preload hands a dropped file to the main process by its path', () => {
  it('sends files.importPath with the path only: no byte of the content crosses IPC', async () => {
    const secret = '{"custom_id":"only-in-the-file","method":"POST"}\n'.repeat(1000);
    const file = new File([secret], 'batch.jsonl', { type: 'application/jsonl' });
    electron.paths.set(file, '/home/operator/batches/batch.jsonl');
    electron.invoked.length = 0;

    await expect(bridge.importFile(file)).resolves.toEqual({ fileId: 'file-1', filename: 'batch.jsonl', bytes: 42 });

    expect(electron.invoked).toEqual([[IPC_INVOKE_CHANNEL, 'files.importPath', { path: '/home/operator/batches/batch.jsonl' }]]);
    const crossed = JSON.stringify(electron.invoked);
    expect(crossed).not.toContain('only-in-the-file');
    expect(crossed.length).toBeLessThan(200);
  });

  it('sends the upload key the window chose along with the path', async () => {
    const file = new File(['{}\n'], 'keyed.jsonl');
    electron.paths.set(file, '/home/operator/batches/keyed.jsonl');
    electron.invoked.length = 0;
    await bridge.importFile(file, '6f1c2a0e-8a7b-4c3d-9e2f-1a2b3c4d5e6f');
    expect(electron.invoked).toEqual([[IPC_INVOKE_CHANNEL, 'files.importPath', { path: '/home/operator/batches/keyed.jsonl', uploadKey: '6f1c2a0e-8a7b-4c3d-9e2f-1a2b3c4d5e6f' }]]);
  });

  it('refuses a File without a path instead of sending its content', async () => {
    const file = new File(['{"custom_id":"x"}\n'], 'made-in-page.jsonl');
    electron.invoked.length = 0;
    await expect(bridge.importFile(file)).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('made-in-page.jsonl has no path') });
    expect(electron.invoked).toEqual([]);
  });

  it('exposes the contract and importFile, nothing else', () => {
    expect([...electron.exposed.keys()]).toEqual(['batchdeck']);
    expect(Object.keys(bridge).sort()).toEqual(['importFile', 'invoke', 'on']);
  });
});
