// `npm test`: typecheck, lint, electronegativity, unit + integration (vitest), end-to-end (Playwright in
// Chromium, and Electron where a binary exists). Ends with one line of totals over every suite, which CI reads.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const tmp = path.join(root, '.tmp');
fs.mkdirSync(tmp, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
const rows = [];

function run(name, cmd, args, opts = {}) {
  process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(' ')}\n`);
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0', ...opts.env } });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  return { code: res.status ?? 1, secs };
}

/** A check that is pass/fail as a whole (typecheck, lint) counts as one test. */
function check(name, cmd, args) {
  const { code, secs } = run(name, cmd, args);
  if (code === 0) totals.passed++;
  else totals.failed++;
  rows.push([name, code === 0 ? 'passed' : `FAILED (exit ${code})`, secs]);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function vitest(project) {
  const out = path.join(tmp, `vitest-${project}.json`);
  fs.rmSync(out, { force: true });
  const { code, secs } = run(`vitest ${project}`, 'npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile=${out}`]);
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

function playwright(name, config) {
  const out = path.join(tmp, `playwright-${name}.json`);
  fs.rmSync(out, { force: true });
  const { code, secs } = run(`playwright ${name}`, 'npx', ['playwright', 'test', '--config', config, '--reporter=list,json'], { env: { PLAYWRIGHT_JSON_OUTPUT_NAME: out } });
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

check('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
check('lint', 'npx', ['eslint', '.']);
if (fs.existsSync(path.join(root, 'scripts/electronegativity.js'))) check('electronegativity', 'node', ['scripts/electronegativity.js']);
vitest('unit');
vitest('integration');
check('build renderer', 'npx', ['vite', 'build', '--logLevel', 'warn']);
if (fs.existsSync(path.join(root, 'playwright.config.ts'))) playwright('chromium', 'playwright.config.ts');
if (fs.existsSync(path.join(root, 'test/e2e-electron/playwright.config.ts'))) playwright('electron', 'test/e2e-electron/playwright.config.ts');

process.stdout.write('\n=== Summary\n');
for (const [name, result, secs] of rows) process.stdout.write(`${name.padEnd(24)} ${result.padEnd(44)} ${secs} s\n`);
const line = `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`;
fs.writeFileSync(path.join(tmp, 'test-totals.txt'), line + '\n');
process.stdout.write(`\n${line}\n`);
process.exitCode = totals.failed > 0 ? 1 : 0;
