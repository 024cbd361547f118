// The project runs on Node 24 (the `node` devDependency: node_modules/.bin/node). npm puts node_modules/.bin
// on the PATH of its scripts only once it exists, so on a fresh clone `npm start` and `npm test` begin under
// the machine's Node (20 on Debian). After ensureDependencies, this hands the script over to the project's
// Node. Plain JavaScript: it runs under the old Node.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectNodePath } from './ensure-dependencies.js';

export const PROJECT_NODE_MAJOR = 24;

/**
 * Returns false when this process already is the project's Node (the caller carries on). Otherwise runs
 * `scriptUrl` again with the same arguments under node_modules/.bin/node, passes signals on, and ends this
 * process with the child's status; the caller must then do nothing more (returns true).
 */
export function handOverToProjectNode(root, scriptUrl, who) {
  if (Number(process.versions.node.split('.')[0]) >= PROJECT_NODE_MAJOR) return false;
  const node = projectNodePath(root);
  if (!fs.existsSync(node)) {
    process.stderr.write(`${who}: this is Node ${process.version} and ${node} (Node ${PROJECT_NODE_MAJOR}) is missing; run npm ci in ${root}.\n`);
    process.exit(1);
  }
  const binDir = path.dirname(node);
  const child = spawn(node, [fileURLToPath(scriptUrl), ...process.argv.slice(2)], {
    cwd: process.cwd(),
    stdio: 'inherit',
    env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}` },
  });
  // Ctrl-C in a terminal reaches the child too (same process group), a kill of this pid alone does not: pass
  // the signal on while the child runs. The child copes with getting one twice.
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (err) => {
    process.stderr.write(`${who}: could not start ${node}: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    // End the way the child ended, so the shell and npm see the same status. The listeners stay until then:
    // without them a late repeat of the signal would kill this process before it reports the child's status.
    if (!signal) process.exit(code ?? 1);
    for (const s of signals) process.removeListener(s, forward);
    process.kill(process.pid, signal);
  });
  return true;
}
