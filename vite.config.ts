import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The renderer: built into dist/renderer with relative asset paths ('./'), so the same files load from
 * file:// in Electron and from `batchdeck serve` over HTTP.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./src-renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // No inline modulepreload polyfill script: the page runs under script-src 'self'.
    modulePreload: { polyfill: false },
  },
  server: {
    // `vite` dev server against a running `batchdeck serve` (default port 4080). The server accepts the API
    // only from its own origin, so the proxy presents itself as that page rather than as localhost:5173.
    proxy: { '/ws': { target: 'ws://127.0.0.1:4080', ws: true, changeOrigin: true, headers: { origin: 'http://127.0.0.1:4080' } } },
  },
});
