/** A labelled progress bar; `value` is 0..1, or null when unknown (shown empty). */
export function ProgressBar({ value, label, tone = 'accent', valueText }: {
  value: number | null;
  label: string;
  tone?: 'accent' | 'ok' | 'warn' | 'bad' | 'muted';
  valueText?: string;
}) {
  const pct = value == null ? 0 : Math.round(value * 1000) / 10;
  return (
    <div
      className={`progress progress--${tone}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value == null ? undefined : pct}
      aria-valuetext={valueText}
    >
      <div className="progress__fill" style={{ width: `${pct}%` }} />
    </div>
  );
}
