import { useEffect, useState } from 'react';

/**
 * A destructive button that asks once in place ("Confirm remove" / "Keep") instead of a modal dialog,
 * which the sandboxed window and screen readers both handle badly.
 */
export function ConfirmButton({ label, confirmLabel, onConfirm, disabled }: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    if (!asking) return;
    const timer = setTimeout(() => setAsking(false), 6000);
    return () => clearTimeout(timer);
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className="btn btn--small" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button type="button" className="btn btn--small btn--danger" autoFocus onClick={() => { setAsking(false); onConfirm(); }}>
        {confirmLabel}
      </button>
      <button type="button" className="btn btn--small btn--ghost" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}
