import { useEffect } from 'react';
import type { Api } from '../../../shared/contract/index.ts';
import type { FileTransfer } from '../../transport/fileTransfer.ts';
import { navigate } from '../../router/useRoute.ts';
import { loadBatchFile, setDraft } from './submitDraft.ts';

const hasFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');

/**
 * A batch file dropped anywhere on the window goes to Submit. Without this, the browser (or Electron) would
 * navigate to the dropped file, which the shell forbids anyway.
 */
export function useWindowFileDrop(api: Api, files: FileTransfer): void {
  useEffect(() => {
    let depth = 0;
    const onDragEnter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth += 1;
      setDraft({ dragging: true });
    };
    const onDragLeave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDraft({ dragging: false });
    };
    const onDragOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onDrop = (e: DragEvent) => {
      depth = 0;
      setDraft({ dragging: false });
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      e.preventDefault();
      navigate({ view: 'submit' });
      void loadBatchFile(api, files, file);
    };
    window.addEventListener('dragenter', onDragEnter);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onDragEnter);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [api, files]);
}
