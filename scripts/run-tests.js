// `npm test`, from a clean clone: installs node_modules and the machine's test programs (see
// ensure-system-packages.js), then typecheck, lint, electronegativity, unit + integration (vitest, after the
// real llama.cpp build), end-to-end (Playwright in Chromium, and Electron where a binary exists). Ends with one
// line of totals over every suite, which CI reads (also written to .tmp/test-totals.txt).
//
// Starts under the machine's Node (20 on a fresh Debian): plain JavaScript, and it hands itself over to the
// project's Node 24 once `npm ci` has brought it (see ensure-project-node.js).
//
// A suite that needs a missing system program is skipped with the reason, and counts as a failure under
// CI=true, where a skip would hide that it never ran.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-dependencies.js';
import { handOverToProjectNode } from './ensure-project-node.js';
import { ensureSystemParts, installCommand } from './ensure-system-packages.js';
import { findElectronBinary } from './start-desktop.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WHO = 'npm test';
const CI = process.env.CI === 'true' || process.env.CI === '1';

ensureDependencies(root, WHO);
if (!handOverToProjectNode(root, import.meta.url, WHO)) await runAll();

async function runAll() {
  const tmp = path.join(root, '.tmp');
  fs.mkdirSync(tmp, { recursive: true });
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const rows = [];

  // A signal to this process alone (a CI timeout, a kill of npm's pid) must reach the suite that runs, or it
  // would keep running after npm test has gone; then no further suite starts.
  let current = null;
  let interrupted = null;
  const onSignal = (signal) => {
    interrupted = signal;
    if (current && current.exitCode === null && current.signalCode === null) current.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, onSignal);

  // The tools run straight from node_modules/.bin, not through npx, whose `sh -c` would die of a forwarded
  // signal and leave the tool running.
  const bin = (tool) => path.join(root, 'node_modules', '.bin', tool);

  async function run(name, cmd, args, opts = {}) {
    process.stdout.write(`\n=== ${name}: ${[cmd, ...args].map((a) => path.relative(root, a).startsWith('node_modules') ? path.basename(a) : a).join(' ')}\n`);
    const started = Date.now();
    current = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0', ...opts.env } });
    const code = await new Promise((resolve) => {
      current.on('error', (err) => {
        process.stderr.write(`${WHO}: could not run ${cmd}: ${err.message}\n`);
        resolve(1);
      });
      current.on('exit', (status) => resolve(status ?? 1));
    });
    current = null;
    if (interrupted) {
      process.stdout.write(`\n${WHO}: stopped by ${interrupted} during ${name}; no totals.\n`);
      for (const signal of ['SIGINT', 'SIGTERM']) process.removeListener(signal, onSignal);
      process.kill(process.pid, interrupted);
      await new Promise(() => {}); // the signal ends the process
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    return { code, secs };
  }

  /** A check that is pass/fail as a whole (typecheck, lint) counts as one test. */
  async function check(name, cmd, args) {
    const { code, secs } = await run(name, cmd, args);
    if (code === 0) totals.passed++;
    else totals.failed++;
    rows.push([name, code === 0 ? 'passed' : `FAILED (exit ${code})`, secs]);
  }

  /** A suite that cannot run here: one skip with its reason, or one failure under CI. */
  function cannotRun(name, reason) {
    process.stdout.write(`\n=== ${name}: ${CI ? 'FAILED' : 'skipped'}: ${reason}\n`);
    if (CI) totals.failed++;
    else totals.skipped++;
    rows.push([name, `${CI ? 'FAILED' : 'skipped'}: ${reason}`, '0.0']);
  }

  function readJson(file) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      return null;
    }
  }

  async function vitest(project) {
    const out = path.join(tmp, `vitest-${project}.json`);
    fs.rmSync(out, { force: true });
    const { code, secs } = await run(`vitest ${project}`, bin('vitest'), ['run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile=${out}`]);
    const r = readJson(out);
    if (!r) {
      totals.failed++;
      rows.push([`vitest ${project}`, `FAILED (exit ${code}, no report)`, secs]);
      return;
    }
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // A suite that failed to load counts as a failure even though it ran no test.
    const failedSuites = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests + failedSuites;
    totals.skipped += skipped;
    rows.push([`vitest ${project}`, `${r.numPassedTests} passed, ${r.numFailedTests + failedSuites} failed, ${skipped} skipped`, secs]);
  }

  async function playwright(name, config, wrapper = []) {
    const out = path.join(tmp, `playwright-${name}.json`);
    fs.rmSync(out, { force: true });
    const [cmd, ...args] = [...wrapper, bin('playwright'), 'test', '--config', config, '--reporter=list,json'];
    const { code, secs } = await run(`playwright ${name}`, cmd, args, { env: { PLAYWRIGHT_JSON_OUTPUT_NAME: out } });
    const r = readJson(out);
    if (!r?.stats) {
      totals.failed++;
      rows.push([`playwright ${name}`, `FAILED (exit ${code}, no report)`, secs]);
      return;
    }
    const s = r.stats;
    const failed = (s.unexpected ?? 0) + ((r.errors ?? []).length > 0 && s.expected === 0 ? 1 : 0);
    totals.passed += (s.expected ?? 0) + (s.flaky ?? 0);
    totals.failed += failed;
    totals.skipped += s.skipped ?? 0;
    rows.push([`playwright ${name}`, `${(s.expected ?? 0) + (s.flaky ?? 0)} passed, ${failed} failed, ${s.skipped ?? 0} skipped`, secs]);
  }

  const missing = ensureSystemParts(WHO);
  const lacking = (ids) => missing.filter((part) => ids.includes(part.id));
  const because = (parts) => `needs ${parts.map((p) => p.name).join(', ')}, missing here; install: ${installCommand(parts)}`;
  if (missing.length > 0) {
    // Each test that needs sshd, ip or the llama.cpp binaries skips with its reason (or fails under CI) itself.
    const names = missing.map((p) => p.name).join(', ');
    if (CI) totals.failed++;
    rows.push(['system programs', CI ? `FAILED: missing ${names} (CI must not skip)` : `missing ${names}: what needs them skips`, '0.0']);
  }

  await check('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  await check('lint', bin('eslint'), ['.']);
  if (fs.existsSync(path.join(root, 'scripts/electronegativity.js'))) await check('electronegativity', process.execPath, ['scripts/electronegativity.js']);
  await vitest('unit');
  if (fs.existsSync(path.join(root, 'scripts/llama-build.js'))) {
    const toolchain = lacking(['cmake', 'make', 'g++']);
    if (toolchain.length > 0 && !CI) cannotRun('llama.cpp build', because(toolchain));
    else await check('llama.cpp build', process.execPath, ['scripts/llama-build.js']);
  }
  await vitest('integration');
  await check('build renderer', bin('vite'), ['build', '--logLevel', 'warn']);
  if (fs.existsSync(path.join(root, 'playwright.config.ts'))) {
    const needs = lacking(['chromium']);
    if (needs.length > 0 && !CI) cannotRun('playwright chromium', because(needs));
    else await playwright('chromium', 'playwright.config.ts');
  }
  if (fs.existsSync(path.join(root, 'test/e2e-electron/playwright.config.ts'))) {
    // Where no Electron binary exists the specs skip by themselves, with the reason. Where one exists but no
    // display does, its window opens on a virtual one (Xvfb).
    const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
    const needs = lacking(['xvfb']);
    if (headless && findElectronBinary().binary && needs.length > 0 && !CI) cannotRun('playwright electron', because(needs));
    else await playwright('electron', 'test/e2e-electron/playwright.config.ts', headless && findElectronBinary().binary ? ['xvfb-run', '--auto-servernum'] : []);
  }

  process.stdout.write('\n=== Summary\n');
  for (const [name, result, secs] of rows) process.stdout.write(`${name.padEnd(24)} ${result.padEnd(44)} ${secs} s\n`);
  const line = `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`;
  fs.writeFileSync(path.join(tmp, 'test-totals.txt'), line + '\n');
  process.stdout.write(`\n${line}\n`);
  process.exitCode = totals.failed > 0 ? 1 : 0;
}
