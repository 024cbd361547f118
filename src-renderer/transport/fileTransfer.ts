import type { Api } from '../../shared/contract/index.ts';
import { ApiError } from '../../shared/contract/apiError.ts';
import { UPLOAD_KEY_HEADER, type DesktopFileBridge, type StoredUpload } from '../../shared/upload.ts';

/**
 * How whole files move between the window and the engine: never through the contract's messages. In a
 * browser the file is streamed to `POST /v1/files` and results are plain links to `GET /v1/files/{id}/content`;
 * on the desktop the main process reads the dropped file from its path and saves results through a dialog.
 */
export interface FileTransfer {
  kind: 'browser' | 'desktop';
  /**
   * Stores the file in the engine. onSent reports bytes sent (browser only: the desktop reads from disk). The
   * engine's `upload.progress` events for it carry uploadKey (a UUID) from the first bytes on.
   */
  upload(file: File, opts: { signal: AbortSignal; uploadKey: string; onSent?: (sent: number, total: number) => void }): Promise<StoredUpload>;
  /** Browser: the URL of a stored file's content, to use as a link (with the page's token, if any). */
  contentUrl(fileId: string): string;
}

/** The page's `?token=`: the same token its WebSocket uses. */
function pageToken(location: Location): string | null {
  return new URLSearchParams(location.search).get('token');
}

export function browserFileTransfer(location: Location): FileTransfer {
  const token = pageToken(location);
  return {
    kind: 'browser',
    upload: (file, { signal, uploadKey, onSent }) => new Promise<StoredUpload>((resolve, reject) => {
      // XHR rather than fetch: it reports upload progress, and it streams the File from disk as it sends.
      const xhr = new XMLHttpRequest();
      const url = `/v1/files?purpose=batch&filename=${encodeURIComponent(file.name)}`;
      xhr.open('POST', url);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader(UPLOAD_KEY_HEADER, uploadKey);
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.responseType = 'json';
      xhr.upload.onprogress = (e) => onSent?.(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => {
        const body = xhr.response as { id?: string; filename?: string; bytes?: number; error?: { message?: string } } | null;
        if (xhr.status === 200 && body?.id) resolve({ fileId: body.id, filename: body.filename ?? file.name, bytes: body.bytes ?? file.size });
        else reject(new ApiError({ code: xhr.status === 413 ? 'invalid_input' : 'unavailable', message: `Upload of ${file.name} failed (HTTP ${xhr.status}): ${body?.error?.message ?? xhr.statusText}` }));
      };
      xhr.onerror = () => reject(new ApiError({ code: 'unavailable', message: `Upload of ${file.name} failed: the engine could not be reached` }));
      xhr.onabort = () => reject(new DOMException('upload cancelled', 'AbortError'));
      if (signal.aborted) return reject(new DOMException('upload cancelled', 'AbortError'));
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(file);
    }),
    contentUrl: (fileId) => {
      const url = `/v1/files/${encodeURIComponent(fileId)}/content`;
      return token ? `${url}?token=${encodeURIComponent(token)}` : url;
    },
  };
}

export function desktopFileTransfer(bridge: DesktopFileBridge): FileTransfer {
  return {
    kind: 'desktop',
    upload: async (file, { signal, uploadKey }) => {
      if (signal.aborted) throw new DOMException('upload cancelled', 'AbortError');
      return bridge.importFile(file, uploadKey);
    },
    contentUrl: () => {
      throw new Error('the desktop window saves results through batches.saveResults, not a link');
    },
  };
}

export function pickFileTransfer(win: Window, api: Api): FileTransfer {
  const candidate = api as Partial<DesktopFileBridge>;
  if (typeof candidate.importFile === 'function') return desktopFileTransfer(candidate as DesktopFileBridge);
  return browserFileTransfer(win.location);
}
