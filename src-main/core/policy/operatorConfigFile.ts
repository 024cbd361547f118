import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { OperatorAllowList } from './operatorAllowList.ts';

/*
 * `<data-dir>/operator.json`: what the operator allows without flags (written by hand on a server, by the
 * desktop app's file pickers on a workstation). The API never writes it.
 *   { "llamaServers": ["/opt/llama/llama-server"], "modelsDirs": ["/srv/models"], "sshKeysDirs": ["~/.ssh"] }
 */

export const OPERATOR_FILE = 'operator.json';

const pathList = z.array(z.string().min(1).max(4096).refine((p) => p.startsWith('/') || p.startsWith('~/'), 'must be an absolute path (or start with ~/)')).max(1000);

const fileSchema = z.object({
  llamaServers: pathList.optional(),
  modelsDirs: pathList.optional(),
  sshKeysDirs: pathList.optional(),
}).strict();

export function operatorFilePath(dataDir: string): string {
  return path.join(dataDir, OPERATOR_FILE);
}

/** The file's lists; none when it does not exist. A file that is there but wrong stops the start, saying what is wrong. */
export function readOperatorFile(file: string): Partial<OperatorAllowList> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}). Expected {"llamaServers": [...], "modelsDirs": [...], "sshKeysDirs": [...]}`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}. Expected {"llamaServers": [...], "modelsDirs": [...], "sshKeysDirs": [...]} of absolute paths`);
  }
  return parsed.data;
}

/** Written whole through a temporary file, so a crash never leaves half a file that would stop the next start. */
export function writeOperatorFile(file: string, list: Partial<OperatorAllowList>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(list, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
