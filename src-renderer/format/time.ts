import { DASH } from './numbers.ts';

/** Engine times are epoch milliseconds; a value in seconds (OpenAI style) is accepted too. */
export function toMs(t: number): number {
  return t < 1e12 ? t * 1000 : t;
}

/** "4 s", "3 min 20 s", "2 h 5 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return DASH;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function formatAge(at: number | null | undefined, now: number): string {
  if (at == null) return DASH;
  return `${formatDuration(Math.max(0, now - toMs(at)) / 1000)} ago`;
}

// 24-hour clock: operators compare times with logs, which use it.
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

export function formatClock(at: number | null | undefined): string {
  return at == null ? DASH : timeFormat.format(toMs(at));
}

/** Today's times as a clock, others with the date. */
export function formatWhen(at: number | null | undefined): string {
  if (at == null) return DASH;
  const ms = toMs(at);
  return new Date(ms).toDateString() === new Date().toDateString() ? timeFormat.format(ms) : dateTimeFormat.format(ms);
}
