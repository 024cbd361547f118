import os from 'node:os';
import { OperatorPolicy } from '../../src-main/core/policy/operatorPolicy.ts';
import type { OperatorAllowList } from '../../src-main/core/policy/operatorAllowList.ts';

/**
 * The allow-list a test's machine operator would set: models and key files anywhere under the temp folder
 * (where tests make them), and the llama-server programs the test names. Nothing is read from or written
 * to a config file.
 */
export function testOperator(allow: Partial<OperatorAllowList> = {}): OperatorPolicy {
  return new OperatorPolicy({
    configFile: null,
    flags: { modelsDirs: [os.tmpdir()], sshKeysDirs: [os.tmpdir()], ...allow },
  });
}
