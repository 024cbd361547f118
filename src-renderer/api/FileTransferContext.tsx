import { createContext, useContext, type ReactNode } from 'react';
import type { FileTransfer } from '../transport/fileTransfer.ts';

const FileTransferContext = createContext<FileTransfer | null>(null);

export function FileTransferProvider({ files, children }: { files: FileTransfer; children: ReactNode }) {
  return <FileTransferContext.Provider value={files}>{children}</FileTransferContext.Provider>;
}

/** How whole files reach the engine and come back (never through the contract's messages). */
export function useFileTransfer(): FileTransfer {
  const files = useContext(FileTransferContext);
  if (!files) throw new Error('useFileTransfer outside <FileTransferProvider>');
  return files;
}
