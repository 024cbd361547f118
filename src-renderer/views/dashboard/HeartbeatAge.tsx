import { useNow } from '../../hooks/useNow.ts';
import { formatDuration, toMs } from '../../format/time.ts';

/** Ticks locally once a second from the last heartbeat the engine sent, so a silent executor shows its age growing. */
export function HeartbeatAge({ heartbeatAt, warnAfterSeconds = 10 }: { heartbeatAt: number; warnAfterSeconds?: number }) {
  const now = useNow();
  const seconds = Math.max(0, (now - toMs(heartbeatAt)) / 1000);
  const late = seconds > warnAfterSeconds;
  return (
    <span className={late ? 'text-bad' : undefined} data-testid="heartbeat-age">
      {formatDuration(seconds)} ago{late ? ' (late)' : ''}
    </span>
  );
}
