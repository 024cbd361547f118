/**
 * A test prerequisite that is missing (root, `ip`, sshd, the real llama.cpp build): a stated skip on a
 * developer machine, a failure under CI=true, where a silent skip would hide that the suite never ran.
 *
 *   const unavailable = skipUnlessCi(netnsUnavailableReason());
 *   describe.skipIf(unavailable !== null)('...', () => { ... });
 */
export function skipUnlessCi(reason: string | null): string | null {
  if (reason === null) return null;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`${reason} (CI=true: a missing prerequisite fails the run instead of skipping)`);
  }
  return reason;
}
