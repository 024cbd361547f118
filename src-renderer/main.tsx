import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider } from './api/ApiContext.tsx';
import { pickApi } from './transport/pickApi.ts';
import { startSync } from './store/startSync.ts';
import { App } from './App.tsx';
import './styles/app.css';

const transport = pickApi(window);
const sync = startSync(transport);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <ApiProvider api={transport.api}>
      <App onRetrySnapshot={sync.reloadSnapshot} />
    </ApiProvider>
  </StrictMode>,
);
