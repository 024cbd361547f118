import type { Api } from '../../../shared/contract/index.ts';

/**
 * Fetches the output or error file through the contract and hands it to the browser as a Blob download
 * under the engine's filename (the Electron shell turns it into a save dialog).
 */
export async function downloadBatchFile(api: Api, id: string, kind: 'output' | 'error'): Promise<{ filename: string; lines: number }> {
  const { filename, content, lines } = await api.invoke('batches.download', { id, kind });
  const url = URL.createObjectURL(new Blob([content], { type: 'application/jsonl' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some engines; a minute is plenty to start it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { filename, lines };
}
