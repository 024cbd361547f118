import fs from 'node:fs';
import type { OperatorAllowListInfo } from '../../shared/operator.ts';

/** The allow-list as `serve` prints it at start, with what is missing on this machine said out loud. */
export function describeAllowList(info: OperatorAllowListInfo): string {
  const show = (paths: string[], none: string): string => paths.length
    ? paths.map((p) => (fs.existsSync(p) ? p : `${p} (missing)`)).join(', ')
    : none;
  return [
    'allowed on this machine (the API chooses among these):',
    `  llama-server: ${show(info.llamaServers, 'none (start serve with --llama-server PATH to run a coordinator)')}`,
    `  models under: ${show(info.modelsDirs, 'none (start serve with --models-dir DIR to load models)')}`,
    `  SSH keys under: ${show(info.sshKeysDirs, 'none')}`,
  ].join('\n');
}
