import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { sshdUnavailableReason } from '../sshdHarness.ts';
import { skipUnlessCi } from '../prerequisite.ts';
import { IP_PATH } from './ipCommand.ts';

/**
 * Why real-network tests (network namespaces with their own sshd) cannot run here, or null. Skip on a
 * developer machine, fail under CI=true:
 *
 *   const unavailable = netnsUnavailableReason();
 *   describe.skipIf(unavailable !== null)('...', ...);
 */
export function netnsUnavailableReasonRaw(): string | null {
  if (process.platform !== 'linux') return `network-namespace tests run on Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network-namespace tests need root (ip netns add, veth, bridge): run them as root, as CI does';
  if (!fs.existsSync(IP_PATH)) return `${IP_PATH} is not installed: apt-get install -y iproute2`;
  const sshd = sshdUnavailableReason();
  if (sshd) return sshd;
  try {
    // Creating a namespace needs CAP_SYS_ADMIN, which a root user inside an unprivileged container may lack.
    const probe = `bdntprobe${process.pid}`;
    execFileSync(IP_PATH, ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync(IP_PATH, ['netns', 'del', probe], { stdio: 'pipe' });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    return `cannot create a network namespace here (${stderr || (err as Error).message}): the container needs CAP_SYS_ADMIN and CAP_NET_ADMIN`;
  }
  return null;
}

export function netnsUnavailableReason(): string | null {
  return skipUnlessCi(netnsUnavailableReasonRaw());
}
