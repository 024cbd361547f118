/** Colour per state word; the word itself is always shown as text (never colour alone). */
const TONES: Record<string, 'ok' | 'warn' | 'bad' | 'accent' | 'muted'> = {
  completed: 'ok', succeeded: 'ok', pending: 'muted', running: 'ok', ready: 'ok', up: 'ok', idle: 'muted',
  in_progress: 'accent', queued: 'muted', validating: 'muted', finalizing: 'accent', starting: 'accent',
  loading: 'accent', checking: 'accent', busy: 'accent', stopping: 'muted', cancelling: 'warn',
  paused: 'warn', stalled: 'bad', unknown: 'muted', stopped: 'muted', unresponsive: 'bad',
  failed: 'bad', expired: 'bad', cancelled: 'warn', error: 'bad', unreachable: 'bad', down: 'bad', exited: 'bad',
};

/** The words an operator reads; the engine's value stays in data-status for scripts and tests. */
const WORDS: Record<string, string> = {
  in_progress: 'in progress',
};

export function statusWord(status: string): string {
  return WORDS[status] ?? status.replace(/_/g, ' ');
}

export function StatusBadge({ status, title }: { status: string; title?: string }) {
  return (
    <span className={`badge badge--${TONES[status] ?? 'muted'}`} title={title} data-status={status}>
      {statusWord(status)}
    </span>
  );
}
