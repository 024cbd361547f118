#!/usr/bin/env node
// `npm run llama:build`: builds the real llama.cpp rpc-server and llama-server for the integration tests from
// the llama.cpp source that the pinned node-llama-cpp release ships (llama/gitRelease.bundle in its npm
// tarball is a git bundle of llama.cpp), and installs them, with the vocab GGUF of that source, into
//   $BATCHDECK_LLAMA_CACHE or ~/.cache/batchdeck/llama, /<commit>/{bin,models,manifest.json}
// outside the checkout, so every later run (and CI on the same machine) reuses them.
//
//   npm run llama:build                       builds only when the cache for the pinned commit is incomplete
//   npm run llama:build -- --force            rebuilds
//   npm run llama:build -- --build-dir DIR    where to keep source and objects (default: a folder in the cache)
//   npm run llama:build -- --from-build DIR   installs from an existing cmake build of the same commit
//   npm run llama:build -- --keep-build       keeps source and objects after a successful build
//
// Plain JS (no TypeScript, no dependencies) so that it runs on Node 20 as well as 24. Needs npm, git,
// cmake and a C++ compiler; about 6-10 minutes on 2 cores.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pin = JSON.parse(fs.readFileSync(path.join(root, 'scripts', 'llama-pin.json'), 'utf8'));
const CMAKE_FLAGS = [
  '-DGGML_RPC=ON',
  '-DLLAMA_USE_PREBUILT_UI=OFF',
  '-DLLAMA_BUILD_TESTS=OFF',
  '-DLLAMA_BUILD_EXAMPLES=OFF',
  '-DLLAMA_CURL=OFF',
  '-DCMAKE_BUILD_TYPE=Release',
  // Static and without -march=native: the binaries are self-contained and run on any x86-64 the tests use.
  '-DBUILD_SHARED_LIBS=OFF',
  '-DGGML_NATIVE=OFF',
];
const TARGETS = ['ggml-rpc-server', 'llama-server'];
const VOCAB = 'models/ggml-vocab-llama-spm.gguf';

function usage(exitCode) {
  process.stdout.write('usage: node scripts/llama-build.js [--if-missing | --force] [--build-dir DIR] [--from-build DIR] [--keep-build]\n');
  process.exit(exitCode);
}

function parseArgs(argv) {
  const opts = { force: false, buildDir: null, fromBuild: null, keepBuild: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--if-missing') opts.force = false;
    else if (a === '--force') opts.force = true;
    else if (a === '--keep-build') opts.keepBuild = true;
    else if (a === '--build-dir' && argv[i + 1]) opts.buildDir = path.resolve(argv[++i]);
    else if (a === '--from-build' && argv[i + 1]) opts.fromBuild = path.resolve(argv[++i]);
    else if (a === '--help' || a === '-h') usage(0);
    else {
      process.stderr.write(`llama:build: unknown argument ${a}\n`);
      usage(2);
    }
  }
  return opts;
}

const cacheRoot = process.env.BATCHDECK_LLAMA_CACHE || path.join(os.homedir(), '.cache', 'batchdeck', 'llama');
const cacheDir = path.join(cacheRoot, pin.commit);
const short = pin.commit.slice(0, 12);

const say = (line) => process.stdout.write(`[llama:build] ${line}\n`);

class StepError extends Error {
  constructor(step, message, hint) {
    super(message);
    this.step = step;
    this.hint = hint;
  }
}

/** The cache for the pinned commit is usable: the same check test/support/llamaBinaries.ts makes. */
function cacheComplete(dir) {
  const exec = (f) => {
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  return fs.existsSync(path.join(dir, 'manifest.json'))
    && exec(path.join(dir, 'bin', 'rpc-server'))
    && exec(path.join(dir, 'bin', 'ggml-rpc-server'))
    && exec(path.join(dir, 'bin', 'llama-server'))
    && fs.existsSync(path.join(dir, VOCAB));
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function checkTools(needBuild) {
  const missing = [];
  if (!have('npm')) missing.push(['npm', 'install Node.js with npm']);
  if (!have('git')) missing.push(['git', 'apt-get install -y git']);
  if (!have('tar')) missing.push(['tar', 'apt-get install -y tar']);
  if (needBuild) {
    if (!have('cmake')) missing.push(['cmake', 'apt-get install -y cmake']);
    if (!have('c++') && !have('g++')) missing.push(['a C++ compiler (g++)', 'apt-get install -y g++']);
  }
  if (missing.length) {
    throw new StepError('checking tools', `missing: ${missing.map((m) => m[0]).join(', ')}`,
      `install them (${missing.map((m) => m[1]).join('; ')}) and run npm run llama:build again`);
  }
}

/** Runs a command; output goes to `logFile` (appended). Rejects with the step name and the log's tail. */
function run(step, cmd, args, { cwd, logFile, onLine } = {}) {
  return new Promise((resolve, reject) => {
    const log = logFile ? fs.openSync(logFile, 'a') : null;
    if (log !== null) fs.writeSync(log, `\n$ ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let pending = '';
    const take = (d) => {
      const s = d.toString();
      out += s;
      if (out.length > 200_000) out = out.slice(-100_000);
      if (log !== null) fs.writeSync(log, s);
      if (onLine) {
        pending += s;
        const lines = pending.split('\n');
        pending = lines.pop();
        for (const l of lines) onLine(l);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => {
      if (log !== null) fs.closeSync(log);
      reject(new StepError(step, `could not start ${cmd}: ${err.message}`, `make sure ${cmd} is installed and on PATH`));
    });
    child.on('close', (code, signal) => {
      if (log !== null) fs.closeSync(log);
      if (code === 0) resolve(out);
      else {
        const tail = out.trim().split('\n').slice(-25).join('\n');
        reject(new StepError(step, `${cmd} ${args.join(' ')} failed (${signal ? `signal ${signal}` : `exit ${code}`}):\n${tail}`,
          logFile ? `see the full log: ${logFile}` : undefined));
      }
    });
  });
}

function gitHead(srcDir) {
  const r = spawnSync('git', ['-C', srcDir, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

async function fetchSource(workDir, logFile) {
  const srcDir = path.join(workDir, 'src');
  if (gitHead(srcDir) === pin.commit) {
    say(`1/4 source: reusing ${srcDir}`);
    return srcDir;
  }
  const tarballs = path.join(cacheRoot, 'tarballs');
  fs.mkdirSync(tarballs, { recursive: true });
  const tgz = path.join(tarballs, `node-llama-cpp-${pin.nodeLlamaCppVersion}.tgz`);
  if (!fs.existsSync(tgz)) {
    say(`1/4 source: npm pack node-llama-cpp@${pin.nodeLlamaCppVersion} (the llama.cpp source is inside its tarball)`);
    await run('fetching node-llama-cpp from the npm registry', 'npm', ['pack', `node-llama-cpp@${pin.nodeLlamaCppVersion}`, '--pack-destination', tarballs, '--silent'], { logFile })
      .catch((err) => {
        err.hint = 'check that the npm registry is reachable (npm ping; a proxy needs npm config set proxy) and run npm run llama:build again';
        throw err;
      });
    if (!fs.existsSync(tgz)) throw new StepError('fetching node-llama-cpp', `npm pack finished but ${tgz} is not there`, 'run npm run llama:build again');
  } else {
    say(`1/4 source: using the cached ${path.basename(tgz)}`);
  }
  const unpack = path.join(workDir, 'unpack');
  fs.rmSync(unpack, { recursive: true, force: true });
  fs.mkdirSync(unpack, { recursive: true });
  await run('unpacking the tarball', 'tar', ['-xzf', tgz, '-C', unpack, 'package/llama/gitRelease.bundle'], { logFile })
    .catch((err) => {
      err.hint = `delete ${tgz} (it may be damaged) and run npm run llama:build again`;
      throw err;
    });
  fs.rmSync(srcDir, { recursive: true, force: true });
  say('1/4 source: cloning llama/gitRelease.bundle');
  await run('cloning the llama.cpp git bundle', 'git', ['clone', '--quiet', path.join(unpack, 'package', 'llama', 'gitRelease.bundle'), srcDir], { logFile });
  fs.rmSync(unpack, { recursive: true, force: true });
  const head = gitHead(srcDir);
  if (head !== pin.commit) {
    throw new StepError('checking the llama.cpp commit', `node-llama-cpp ${pin.nodeLlamaCppVersion} ships llama.cpp ${head}, but scripts/llama-pin.json says ${pin.commit}`,
      'if you changed nodeLlamaCppVersion on purpose, set commit in scripts/llama-pin.json to the one above');
  }
  return srcDir;
}

async function build(srcDir, buildDir, logFile) {
  say(`2/4 configure: cmake ${CMAKE_FLAGS.join(' ')}`);
  await run('configuring llama.cpp (cmake)', 'cmake', ['-S', srcDir, '-B', buildDir, ...CMAKE_FLAGS], { logFile });
  const jobs = String(Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length));
  say(`3/4 compile: ${TARGETS.join(', ')} with ${jobs} jobs (6-10 minutes on 2 cores; log: ${logFile})`);
  const started = Date.now();
  // One target at a time: cmake's [ NN%] counts restart for each, so a combined count would jump back.
  for (const target of TARGETS) {
    let lastShown = -10;
    await run(`compiling ${target} (cmake --build)`, 'cmake', ['--build', buildDir, '-j', jobs, '--target', target], {
      logFile,
      onLine: (line) => {
        const m = /^\[\s*(\d+)%\]/.exec(line);
        if (m && Number(m[1]) >= lastShown + 10) {
          lastShown = Number(m[1]);
          say(`    ${target} ${String(lastShown).padStart(3)}%  (${Math.round((Date.now() - started) / 1000)} s)`);
        }
      },
    }).catch((err) => {
      err.hint = `${err.hint ?? ''}${err.hint ? '; ' : ''}a compiler error usually means a missing or too old toolchain: apt-get install -y cmake g++ (GCC 9+)`;
      throw err;
    });
  }
}

function versionOf(binary) {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const line = text.split('\n').find((l) => /^version:/.test(l.trim()));
  return line ? line.trim() : null;
}

function rpcProtocolVersion(srcDir) {
  try {
    const h = fs.readFileSync(path.join(srcDir, 'ggml', 'include', 'ggml-rpc.h'), 'utf8');
    const part = (n) => (new RegExp(`RPC_PROTO_${n}_VERSION\\s+(\\d+)`).exec(h) ?? [])[1];
    return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  } catch {
    return null;
  }
}

function install(srcDir, buildDir, buildSeconds) {
  const binOut = path.join(buildDir, 'bin');
  const rpc = path.join(binOut, 'ggml-rpc-server');
  const server = path.join(binOut, 'llama-server');
  for (const f of [rpc, server]) {
    if (!fs.existsSync(f)) throw new StepError('installing', `${f} was not built`, `look at the build log, or run npm run llama:build -- --force`);
  }
  say(`4/4 install: ${cacheDir}`);
  // Staged beside the destination and renamed into place, so a test never sees half an install.
  const stage = `${cacheDir}.partial-${process.pid}`;
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(path.join(stage, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(stage, 'models'), { recursive: true });
  fs.copyFileSync(rpc, path.join(stage, 'bin', 'ggml-rpc-server'));
  // Batchdeck starts `rpc-server` on a node; the upstream target is named ggml-rpc-server.
  fs.copyFileSync(rpc, path.join(stage, 'bin', 'rpc-server'));
  fs.copyFileSync(server, path.join(stage, 'bin', 'llama-server'));
  for (const f of ['ggml-rpc-server', 'rpc-server', 'llama-server']) fs.chmodSync(path.join(stage, 'bin', f), 0o755);
  fs.copyFileSync(path.join(srcDir, VOCAB), path.join(stage, VOCAB));
  const manifest = {
    commit: pin.commit,
    nodeLlamaCppVersion: pin.nodeLlamaCppVersion,
    llamaServerVersion: versionOf(path.join(stage, 'bin', 'llama-server')),
    rpcProtocolVersion: rpcProtocolVersion(srcDir),
    cmakeFlags: CMAKE_FLAGS,
    builtAt: new Date().toISOString(),
    buildSeconds,
    host: `${os.platform()} ${os.arch()} ${os.release()}`,
  };
  fs.writeFileSync(path.join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // A previous (incomplete, or --force) install goes; files derived from it (the tiny model) are regenerated.
  const old = `${cacheDir}.old-${process.pid}`;
  if (fs.existsSync(cacheDir)) fs.renameSync(cacheDir, old);
  fs.renameSync(stage, cacheDir);
  fs.rmSync(old, { recursive: true, force: true });
  return manifest;
}

function sourceDirOfBuild(buildDir) {
  try {
    const cache = fs.readFileSync(path.join(buildDir, 'CMakeCache.txt'), 'utf8');
    return (/^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$/m.exec(cache) ?? [])[1] ?? null;
  } catch {
    return null;
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (!opts.force && cacheComplete(cacheDir)) {
    say(`llama.cpp ${short} (node-llama-cpp ${pin.nodeLlamaCppVersion}) is already built: ${cacheDir}`);
    return;
  }
  fs.mkdirSync(cacheRoot, { recursive: true });

  if (opts.fromBuild) {
    checkTools(false);
    const srcDir = sourceDirOfBuild(opts.fromBuild);
    if (!srcDir) throw new StepError('reading the existing build', `${opts.fromBuild} has no CMakeCache.txt`, 'pass the cmake build folder (the one holding bin/)');
    const head = gitHead(srcDir);
    if (head !== pin.commit) {
      throw new StepError('checking the existing build', `${opts.fromBuild} was built from ${srcDir} at ${head}, not the pinned ${pin.commit}`, 'build without --from-build');
    }
    say(`installing from the existing build ${opts.fromBuild}`);
    const manifest = install(srcDir, opts.fromBuild, null);
    say(`done: ${manifest.llamaServerVersion ?? 'llama-server'}, rpc protocol ${manifest.rpcProtocolVersion} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return;
  }

  checkTools(true);
  say(`building llama.cpp ${short} from node-llama-cpp ${pin.nodeLlamaCppVersion}${opts.force ? ' (--force)' : ''}`);
  const workDir = opts.buildDir ?? path.join(cacheRoot, `work-${short}`);
  fs.mkdirSync(workDir, { recursive: true });
  const logFile = path.join(workDir, 'build.log');
  fs.writeFileSync(logFile, `llama:build ${new Date().toISOString()}\n`);
  const srcDir = await fetchSource(workDir, logFile);
  const buildDir = path.join(workDir, 'build');
  await build(srcDir, buildDir, logFile);
  const buildSeconds = Math.round((Date.now() - started) / 1000);
  const manifest = install(srcDir, buildDir, buildSeconds);
  if (!opts.keepBuild && !opts.buildDir) fs.rmSync(workDir, { recursive: true, force: true });
  const mins = Math.floor(buildSeconds / 60);
  say(`done in ${mins} min ${buildSeconds % 60} s: ${manifest.llamaServerVersion ?? 'llama-server'}, rpc protocol ${manifest.rpcProtocolVersion}; binaries in ${path.join(cacheDir, 'bin')}`);
}

main().catch((err) => {
  if (err instanceof StepError) {
    process.stderr.write(`[llama:build] FAILED while ${err.step}: ${err.message}\n`);
    if (err.hint) process.stderr.write(`[llama:build] what to do: ${err.hint}\n`);
  } else {
    process.stderr.write(`[llama:build] FAILED: ${err && err.stack ? err.stack : err}\n`);
  }
  process.exit(1);
});
