import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider } from './api/ApiContext.tsx';
import { FileTransferProvider } from './api/FileTransferContext.tsx';
import { pickFileTransfer } from './transport/fileTransfer.ts';
import { pickApi } from './transport/pickApi.ts';
import { startSync } from './store/startSync.ts';
import { App } from './App.tsx';
import './styles/app.css';

const transport = pickApi(window);
const sync = startSync(transport);
const files = pickFileTransfer(window, transport.api);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <ApiProvider api={transport.api}>
      <FileTransferProvider files={files}>
        <App onRetrySnapshot={sync.reloadSnapshot} />
      </FileTransferProvider>
    </ApiProvider>
  </StrictMode>,
);
