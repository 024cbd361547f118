#!/usr/bin/env node
// Runs Doyensec's electronegativity over the Electron shell (src-main/app) and the preload (src-preload),
// prints every finding, and exits 1 when a finding is neither fixed nor explained in
// test/electronegativity-allowlist.json (matched by check id, file and an optional text in the sample or
// description, never by line number, so entries survive edits). A file electronegativity cannot parse
// fails the run too: an unparsed file is an unchecked file.
//
// It runs offline on purpose (it is part of `npm test`): electronegativity fetches translations from S3 at
// start and its AvailableSecurityFixesGlobalCheck downloads Electron's release list. The translations
// request is answered "offline" at once (the built-in English texts are used) and that one check is
// excluded, with its reason, in the allowlist file.
//
// The CSP is built from a constant (src-main/app/securityPolicy.ts), which electronegativity's AST check
// cannot read ("Failed to parse CSP"); the constant itself is evaluated here with the same evaluator
// (@doyensec/csp-evaluator, CSP3) and its findings go through the same allowlist.
//
// Usage: node scripts/electronegativity.js [--json]
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const SCANNED = ['src-main/app', 'src-preload'];
const ALLOWLIST = path.join(root, 'test', 'electronegativity-allowlist.json');

function loadAllowlist() {
  const list = JSON.parse(fs.readFileSync(ALLOWLIST, 'utf8'));
  for (const entry of [...(list.excludedChecks ?? []), ...(list.findings ?? [])]) {
    if (typeof entry.reason !== 'string' || entry.reason.trim().length < 20) {
      throw new Error(`${path.relative(root, ALLOWLIST)}: every entry needs a reason (${JSON.stringify(entry).slice(0, 100)})`);
    }
  }
  return { excludedChecks: list.excludedChecks ?? [], findings: list.findings ?? [] };
}

/** Electronegativity's translation download, answered at once: no network in tests, no late crash. */
function stubTranslationsFetch() {
  const engRequire = createRequire(require.resolve('@doyensec/electronegativity'));
  const gotPath = engRequire.resolve('got');
  const offline = () => Promise.reject(new Error('offline'));
  require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: Object.assign(offline, { default: offline }) };
}

/** A scratch copy holding just the scanned folders, so findings read as repo paths. */
function stageSources() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchdeck-eng-'));
  for (const rel of SCANNED) fs.cpSync(path.join(root, rel), path.join(dir, rel), { recursive: true });
  return dir;
}

async function cspFindings() {
  const csp = require('@doyensec/csp-evaluator');
  const { CONTENT_SECURITY_POLICY } = await import(path.join(root, 'src-main', 'app', 'securityPolicy.ts'));
  const parsed = new csp.CspParser(CONTENT_SECURITY_POLICY);
  const findings = new csp.CspEvaluator(parsed.csp, csp.Version.CSP3).evaluate();
  const rank = (s) => (s === csp.severities.HIGH || s === csp.severities.MEDIUM ? 'weak' : s === csp.severities.HIGH_MAYBE || s === csp.severities.MEDIUM_MAYBE ? 'maybe weak' : null);
  return findings
    .filter((f) => rank(f.severity))
    .map((f) => ({
      id: 'CSP_GLOBAL_CHECK',
      file: 'src-main/app/securityPolicy.ts',
      line: 'CONTENT_SECURITY_POLICY',
      severity: rank(f.severity) === 'weak' ? 'LOW | CERTAIN (weak CSP)' : 'LOW | FIRM (maybe weak CSP)',
      sample: `${f.directive} ${f.value}`,
      description: f.description,
    }));
}

function matches(entry, finding) {
  if (entry.id !== finding.id || entry.file !== finding.file) return false;
  if (!entry.match) return true;
  return `${finding.sample}\n${finding.description}`.includes(entry.match);
}

async function main() {
  const json = process.argv.includes('--json');
  const allowlist = loadAllowlist();
  stubTranslationsFetch();
  const runModule = require('@doyensec/electronegativity');
  const run = runModule.default ?? runModule;
  const electronVersion = require('electron/package.json').version;
  const staged = stageSources();

  let result;
  const log = console.log;
  try {
    // The library prints a line about the translations it could not fetch; nothing else of use.
    console.log = (...args) => { if (!String(args[0]).includes('translations')) log(...args); };
    result = await run({
      input: staged,
      isRelative: true,
      electronVersionOverride: electronVersion,
      excludeFromScan: allowlist.excludedChecks.map((c) => c.check),
    });
  } finally {
    console.log = log;
    fs.rmSync(staged, { recursive: true, force: true });
  }

  const findings = result.issues.map((i) => ({
    id: i.id,
    file: i.file.split(path.sep).join('/'),
    line: `${i.location.line}:${i.location.column}`,
    severity: `${i.severity.name} | ${i.confidence.name}${i.manualReview ? ' (review)' : ''}`,
    sample: String(i.sample ?? '').trim().slice(0, 160),
    description: i.description,
  }));
  findings.push(...(await cspFindings()));

  const unparsed = result.errors.filter((e) => !e.tolerable);
  const used = new Set();
  const unexplained = [];
  for (const f of findings) {
    const entry = allowlist.findings.find((e) => matches(e, f));
    if (entry) {
      used.add(entry);
      f.explained = entry.reason;
    } else {
      unexplained.push(f);
    }
  }

  if (json) {
    log(JSON.stringify({ electronVersion, scanned: SCANNED, checks: result.globalChecks + result.atomicChecks, findings, unparsed }, null, 2));
  } else {
    log(`electronegativity over ${SCANNED.join(', ')} (Electron ${electronVersion}, ${result.globalChecks} global + ${result.atomicChecks} atomic checks)`);
    for (const c of allowlist.excludedChecks) log(`  check excluded: ${c.check}: ${c.reason}`);
    for (const f of findings) {
      log(`  ${f.explained ? 'explained' : 'UNEXPLAINED'}  ${f.id}  ${f.file}:${f.line}  [${f.severity}]  ${f.description}${f.sample ? `\n      sample: ${f.sample.replace(/\s+/g, ' ')}` : ''}${f.explained ? `\n      why: ${f.explained}` : ''}`);
    }
    for (const e of unparsed) log(`  NOT PARSED  ${e.file}: ${e.message}`);
    for (const e of allowlist.findings) if (!used.has(e)) log(`  note: allowlist entry no longer needed: ${e.id} ${e.file}${e.match ? ` (${e.match})` : ''}`);
  }

  if (unexplained.length > 0 || unparsed.length > 0) {
    console.error(`electronegativity: ${unexplained.length} unexplained finding(s), ${unparsed.length} file(s) not parsed; fix them or explain them in ${path.relative(root, ALLOWLIST)}.`);
    process.exit(1);
  }
  log(`electronegativity: no unexplained finding (${findings.length} explained).`);
}

main().catch((err) => {
  console.error(`electronegativity: ${err.stack ?? err}`);
  process.exit(1);
});
