import fs from 'node:fs';
import path from 'node:path';
import { ipQuiet, ipSync, pidsInNetns } from './ipCommand.ts';

/**
 * Names every run's namespaces, links and owner file carry, so that a run that crashed (SIGKILL, a hung
 * worker killed by vitest) can be cleaned up by the next one. `bdnt` + 4 hex digits of run id:
 *   namespace bdnt1a2b-1, bridge bdnt1a2bbr, bridge-side veth bdnt1a2bh1, owner file /run/batchdeck-netns/1a2b.json
 */
export const NAME_PREFIX = 'bdnt';
export const OWNER_DIR = '/run/batchdeck-netns';

export const names = (runId: string) => ({
  bridge: `${NAME_PREFIX}${runId}br`,
  netns: (i: number) => `${NAME_PREFIX}${runId}-${i}`,
  hostVeth: (i: number) => `${NAME_PREFIX}${runId}h${i}`,
  nodeVeth: (i: number) => `${NAME_PREFIX}${runId}n${i}`,
  ownerFile: path.join(OWNER_DIR, `${runId}.json`),
});

function ownerAlive(runId: string): boolean {
  try {
    const { pid } = JSON.parse(fs.readFileSync(names(runId).ownerFile, 'utf8')) as { pid: number };
    // A recycled pid is not our owner: the owner is a node process (vitest worker).
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return false;
  }
}

/** Removes one run's namespaces (and everything running in them), links and owner file. */
export function removeRun(runId: string): void {
  const n = names(runId);
  // The sshd folders (keys, config, the nodes' homes) a crashed run left in the temp folder.
  try {
    const { sshdDirs = [] } = JSON.parse(fs.readFileSync(n.ownerFile, 'utf8')) as { sshdDirs?: string[] };
    for (const d of sshdDirs) if (path.basename(d).startsWith('batchdeck-sshd-')) fs.rmSync(d, { recursive: true, force: true });
  } catch {
    // no owner file: nothing recorded
  }
  const prefix = `${NAME_PREFIX}${runId}-`;
  for (const ns of listNetns().filter((x) => x.startsWith(prefix))) {
    for (const pid of pidsInNetns(ns)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    ipQuiet(['netns', 'del', ns]);
  }
  for (const link of listLinks().filter((l) => l.startsWith(`${NAME_PREFIX}${runId}`))) ipQuiet(['link', 'del', link]);
  fs.rmSync(n.ownerFile, { force: true });
}

export function listNetns(): string[] {
  try {
    return ipSync(['netns', 'list']).split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter(Boolean);
  } catch {
    return [];
  }
}

function listLinks(): string[] {
  try {
    // "3: name@peer: <...>" per line.
    return ipSync(['-o', 'link', 'show']).split('\n').map((l) => (l.split(':')[1] ?? '').trim().split('@')[0] ?? '').filter(Boolean);
  } catch {
    return [];
  }
}

/** Cleans up after crashed runs: every bdnt run whose owner process is gone. Returns the run ids removed. */
export function sweepStaleRuns(): string[] {
  const re = new RegExp(`^${NAME_PREFIX}([0-9a-f]{4})`);
  const ids = new Set<string>();
  for (const name of [...listNetns(), ...listLinks()]) {
    const m = re.exec(name);
    if (m) ids.add(m[1]!);
  }
  try {
    for (const f of fs.readdirSync(OWNER_DIR)) if (/^[0-9a-f]{4}\.json$/.test(f)) ids.add(f.slice(0, 4));
  } catch {
    // no owner dir yet
  }
  const removed: string[] = [];
  for (const id of ids) {
    if (ownerAlive(id)) continue;
    removeRun(id);
    removed.push(id);
  }
  return removed;
}
