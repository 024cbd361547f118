import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRendererFile } from '../../../src-main/app/rendererFiles.ts';

const dir = path.resolve('/opt/batchdeck/dist/renderer');

describe('renderer files behind batchdeck://app', () => {
  it('serves index.html for the root and for the pages of the single-page app', () => {
    for (const url of ['batchdeck://app', 'batchdeck://app/', 'batchdeck://app/index.html', 'batchdeck://app/batches/batch_1']) {
      expect(resolveRendererFile(dir, url)).toEqual({ file: path.join(dir, 'index.html'), contentType: 'text/html; charset=utf-8' });
    }
  });

  it('serves built assets with their type', () => {
    expect(resolveRendererFile(dir, 'batchdeck://app/assets/index-abc.js?v=1')).toEqual({
      file: path.join(dir, 'assets', 'index-abc.js'),
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(resolveRendererFile(dir, 'batchdeck://app/assets/index.css')?.contentType).toBe('text/css; charset=utf-8');
  });

  it.each([
    'batchdeck://app/../../../etc/passwd',
    'batchdeck://app/%2e%2e/%2e%2e/etc/passwd',
    'batchdeck://app/..%2f..%2fetc%2fpasswd',
    'batchdeck://app/assets/..%5c..%5csecret.js',
    'batchdeck://app/x%00.js',
  ])('never leaves the renderer folder: %s', (url) => {
    const found = resolveRendererFile(dir, url);
    if (found) expect(found.file.startsWith(dir + path.sep)).toBe(true);
  });

  it('refuses other hosts, schemes, ports and unknown file types', () => {
    expect(resolveRendererFile(dir, 'batchdeck://other/index.html')).toBeNull();
    expect(resolveRendererFile(dir, 'batchdeck://app:99/index.html')).toBeNull();
    expect(resolveRendererFile(dir, 'file:///opt/batchdeck/dist/renderer/index.html')).toBeNull();
    expect(resolveRendererFile(dir, 'batchdeck://app/data.sqlite')).toBeNull();
    expect(resolveRendererFile(dir, 'batchdeck://app/%E0%A4%A')).toBeNull();
  });
});
