/**
 * The line of llama-server's log that says why it died. When it aborts, ggml runs gdb for a backtrace, and
 * the whole tail is then debugger output ("#0 0x... in ...", "[New LWP ...]", "ptrace: Operation not
 * permitted", "Could not attach ..."), so the last line is never the cause: the cause is the last telling
 * line before the debugger's noise.
 */

const NOISE = [
  /^#\d+\s/, // a backtrace frame
  /^\[New LWP/i,
  /^\[Thread debugging/i,
  /^\[Inferior/i,
  /^Using host libthread_db/i,
  /libggml|libllama|libstdc\+\+|libc\.so|ld-linux/i,
  /ptrace/i,
  /Could not attach/i,
  /^warning: .*(process|debug)/i,
  /^0x[0-9a-f]+ in /i,
  /gdb|lldb/i,
  /^\(No debugging symbols/i,
  /^No stack\.?$/i,
  /^\s*$/,
];

const TELLING = /GGML_ASSERT|GGML_ABORT|error|failed|abort|crash|mismatch|cannot|could not|unable|refused|out of memory|terminate called/i;

export function isDebuggerNoise(line: string): boolean {
  const l = line.trim();
  return NOISE.some((re) => re.test(l));
}

/**
 * The cause line of a log tail (oldest first): among the last lines that are not debugger output, the first
 * that names a failure (what follows it is usually "exiting"). Null when none does; `orLast` then gives the
 * last ordinary line instead (for an exit status, where the last words may still explain it).
 */
export function exitCause(lines: string[], options: { window?: number; orLast?: boolean } = {}): string | null {
  const candidates = lines.map((l) => l.trim()).filter((l) => !isDebuggerNoise(l)).slice(-(options.window ?? 12));
  return candidates.find((l) => TELLING.test(l)) ?? (options.orLast ? candidates[candidates.length - 1] ?? null : null);
}
