#!/usr/bin/env node
// Bundles the Electron main process and the preload with esbuild:
//   src-main/app/main.ts   -> dist/app/main.cjs          (Node, CommonJS: what Electron loads as package "main")
//   worker threads         -> dist/app/workers/<name>.cjs (see "Worker threads" below)
//   src-preload/preload.ts -> dist/app/preload.cjs       (sandboxed preload: one file, requires only 'electron')
//   src-main/cli.ts        -> dist/serve/cli.cjs         (`npm run serve`; only with --only serve, and
//                             serveCommand.cjs beside it, which `npm start` runs when no desktop window opens)
// The renderer is built separately by vite into dist/renderer.
//
// Usage: node scripts/build-app.js [--production] [--only main|preload|serve] [--outdir DIR]
//   --production: minify, no source maps; --only: build one part; --outdir: instead of dist/app (tests), or of
//   dist/serve with --only serve
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argValue = (name) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const only = argValue('--only');
const outDir = path.resolve(root, argValue('--outdir') ?? path.join('dist', only === 'serve' ? 'serve' : 'app'));
const production = process.argv.includes('--production');

// Native modules (and the one with a native optional part) stay in node_modules, loaded at run time.
const nativeExternals = ['electron', 'better-sqlite3', 'ssh2', 'cpu-features'];

// Code written as ESM may read import.meta.url, which CommonJS output does not have: it is derived from
// __filename. Worker threads cannot load scripts from inside app.asar, so their bundles are unpacked
// (electron-builder.yml asarUnpack) and their URL points into app.asar.unpacked when packaged.
// The sources are ES modules, strict by definition: the directive leads, before the banner's statements.
const cjsBanner = [
  '"use strict";',
  "const __bd_import_meta_url = require('node:url').pathToFileURL(__filename).href;",
  // Called from the main bundle (workers/ is beside it) and from a worker bundle (it is workers/ itself: the
  // ingest worker starts the row writer), so both find the same file.
  'const __bd_worker_url = (name) => {',
  "  const dir = __dirname.replace(/([\\\\/])app\\.asar([\\\\/])/, '$1app.asar.unpacked$2');",
  "  const path = require('node:path');",
  "  return require('node:url').pathToFileURL(path.join(path.basename(dir) === 'workers' ? dir : path.join(dir, 'workers'), name));",
  '};',
].join('\n');

// Worker threads: the engine starts them with `new Worker(new URL('./x.ts', import.meta.url))`, which
// works from source (Node strips the types). Each such file becomes its own bundle, and the URL in the
// main bundle is rewritten to that bundle's place.
const WORKER_URL = /new URL\(\s*(['"])\.\/([\w.-]+)\.ts\1\s*,\s*import\.meta\.url\s*\)/g;

function findWorkers() {
  const workers = new Map();
  for (const file of fs.readdirSync(path.join(root, 'src-main'), { recursive: true })) {
    if (!String(file).endsWith('.ts')) continue;
    const abs = path.join(root, 'src-main', String(file));
    for (const m of fs.readFileSync(abs, 'utf8').matchAll(WORKER_URL)) {
      const name = m[2];
      const source = path.join(path.dirname(abs), `${name}.ts`);
      const seen = workers.get(name);
      if (seen && seen !== source) throw new Error(`two worker files are named ${name}.ts (${seen}, ${source}); worker bundles share one folder`);
      workers.set(name, source);
    }
  }
  return workers;
}

const workerUrlRewrite = {
  name: 'worker-url-rewrite',
  setup(b) {
    b.onLoad({ filter: /[\\/]src-main[\\/].*\.ts$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (!WORKER_URL.test(text)) return undefined;
      WORKER_URL.lastIndex = 0;
      return { loader: 'ts', contents: text.replace(WORKER_URL, (_all, _q, name) => `__bd_worker_url(${JSON.stringify(`${name}.cjs`)})`) };
    });
  },
};

// The preload needs the contract's request and event *names* only, never its zod schemas, yet importing
// shared/contract builds every schema at load time and would put all of zod (~460 KB) into a script parsed
// on every window load. In the preload bundle zod is replaced by an inert stand-in that absorbs the schema
// builder calls; verifyPreload() below checks the result still knows every name of the contract.
const zodStandIn = {
  name: 'zod-stand-in',
  setup(b) {
    b.onResolve({ filter: /^zod(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'zod-stand-in' }));
    b.onLoad({ filter: /.*/, namespace: 'zod-stand-in' }, () => ({
      loader: 'js',
      contents: [
        'const inert = new Proxy(function () {}, {',
        "  get: (_t, key) => (typeof key === 'symbol' || key === 'then' ? undefined : inert),",
        '  apply: () => inert,',
        '  construct: () => inert,',
        '});',
        'export const z = inert;',
        'export default inert;',
      ].join('\n'),
    }));
  },
};

const common = {
  bundle: true,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  sourcemap: production ? false : 'linked',
  minify: production,
  legalComments: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
};

const nodeBundle = {
  ...common,
  platform: 'node',
  // Electron 45's Node; syntax newer than that would be a load error, not a warning.
  target: 'node22',
  external: nativeExternals,
  banner: { js: cjsBanner },
  define: { 'import.meta.url': '__bd_import_meta_url' },
  plugins: [workerUrlRewrite],
};

async function main() {
  const started = Date.now();
  // An entry and the worker threads it starts, beside it in workers/.
  const withWorkers = async (entryPoints, options = {}) => {
    const workers = findWorkers();
    fs.rmSync(path.join(outDir, 'workers'), { recursive: true, force: true });
    await build({ ...nodeBundle, ...options, entryPoints, outdir: outDir });
    if (workers.size > 0) {
      await build({ ...nodeBundle, ...options, entryPoints: Object.fromEntries(workers), outdir: path.join(outDir, 'workers') });
    }
  };
  const builds = {
    main: () => withWorkers({ main: 'src-main/app/main.ts' }),
    // The headless engine as one file: Node then strips no TypeScript at run time, which cost each thread
    // (the engine and its two ingest workers) its own copy of the type stripper, ~10 MB apiece.
    // cli.cjs for `npm run serve`; serveCommand.cjs (runServeCommand) for `npm start` where no desktop window opens.
    serve: () => withWorkers({ cli: 'src-main/cli.ts', serveCommand: 'src-main/cli/serveCommand.ts' }, { target: 'node24' }),
    preload: async () => {
      await build({
        ...common,
        entryPoints: { preload: 'src-preload/preload.ts' },
        outdir: outDir,
        // A sandboxed preload has no Node: only require('electron') (and a few polyfilled modules).
        platform: 'browser',
        target: 'chrome130',
        external: ['electron'],
        plugins: [zodStandIn],
      });
      await verifyPreload(path.join(outDir, 'preload.cjs'));
    },
  };
  if (only !== undefined && !(only in builds)) throw new Error(`--only takes main, preload or serve, not ${only}`);
  fs.mkdirSync(outDir, { recursive: true });
  // Without --only: the desktop app's parts (the serve bundle is built where it is run, by npm run serve).
  const chosen = Object.entries(builds).filter(([name]) => (only ? name === only : name !== 'serve'));
  await Promise.all(chosen.map(([, run]) => run()));
  console.log(`bundles in ${path.relative(root, outDir)} (${Date.now() - started} ms)`);
}

/**
 * Loads the built preload the way a sandboxed window would (only `require('electron')`), with fake
 * contextBridge and ipcRenderer, and checks that every request and event name of the real contract passes
 * and that an unknown one does not: a guard for the zod stand-in above.
 */
async function verifyPreload(file) {
  const contract = path.join(root, 'shared', 'contract', 'index.ts');
  const { requestNames, eventNames } = await import(contract).catch((err) => {
    if (err.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
    throw new Error(`the preload check imports ${path.relative(root, contract)} and needs Node >= 24 (this is ${process.version}); run it through npm, which uses the project's Node`);
  });
  const vm = await import('node:vm');
  const sent = [];
  let listener = null;
  let exposed = null;
  const electron = {
    contextBridge: { exposeInMainWorld: (key, api) => { if (key === 'batchdeck') exposed = api; } },
    ipcRenderer: {
      invoke: async (_channel, name) => { sent.push(name); return { ok: true, value: null }; },
      on: (_channel, fn) => { listener = fn; },
    },
  };
  const sandboxRequire = (id) => {
    if (id === 'electron') return electron;
    throw new Error(`the preload requires ${id}, which a sandboxed preload cannot load`);
  };
  const module = { exports: {} };
  vm.runInNewContext(fs.readFileSync(file, 'utf8'), { require: sandboxRequire, module, exports: module.exports, console });
  if (!exposed || typeof listener !== 'function') throw new Error('preload check: window.batchdeck was not exposed');
  for (const name of requestNames) await exposed.invoke(name, {});
  if (requestNames.length === 0 || sent.length !== requestNames.length) throw new Error(`preload check: ${requestNames.length - sent.length} request names were refused`);
  const refused = await exposed.invoke('no.such.request', {}).then(() => false, () => true);
  if (!refused || sent.length !== requestNames.length) throw new Error('preload check: an unknown request name went through');
  let delivered = 0;
  for (const name of eventNames) exposed.on(name, () => delivered++);
  for (const name of eventNames) listener({}, name, {});
  listener({}, 'no.such.event', {});
  if (delivered !== eventNames.length) throw new Error(`preload check: ${delivered} of ${eventNames.length} events delivered`);
}

main().catch((err) => {
  // esbuild has already printed the located errors; one line says what failed.
  console.error(`build-app: ${err.message.split('\n')[0].replace(/:$/, '')}`);
  process.exit(1);
});
