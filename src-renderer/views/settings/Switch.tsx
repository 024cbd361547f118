/** An on/off control announced as a switch, with its state in words beside it. */
export function Switch({ label, checked, onChange, disabled, description }: {
  label: string;
  checked: boolean;
  onChange: (next: boolean) => void;
  disabled?: boolean;
  description?: string;
}) {
  return (
    <div className="switch-row">
      <button
        type="button"
        role="switch"
        aria-checked={checked}
        aria-label={label}
        className={`switch${checked ? ' switch--on' : ''}`}
        disabled={disabled}
        onClick={() => onChange(!checked)}
      >
        <span className="switch__knob" />
      </button>
      <div>
        <div>{label} <span className="small muted">({checked ? 'on' : 'off'})</span></div>
        {description && <div className="small muted">{description}</div>}
      </div>
    </div>
  );
}
