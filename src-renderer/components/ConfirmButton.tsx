import { useEffect, useState } from 'react';

/** Longer than a double-click: the second click of one gesture lands on a confirm that is not armed yet. */
const ARMING_MS = 700;

/**
 * A destructive button that asks once in place ("Confirm remove" / "Keep") instead of a modal dialog,
 * which the sandboxed window and screen readers both handle badly. The confirm step is a separate click
 * that only counts once it has been on screen for a moment, so a single click, a double-click or a held
 * Enter key never triggers the action by itself.
 */
export function ConfirmButton({ label, confirmLabel, onConfirm, disabled, name, className = 'btn btn--small' }: {
  label: string;
  confirmLabel: string;
  /** What it acts on, when several rows have the same button: "Remove node1" for a screen reader. */
  name?: string;
  onConfirm: () => void;
  disabled?: boolean;
  className?: string;
}) {
  const [asking, setAskingState] = useState(false);
  const [armed, setArmed] = useState(false);
  // Disarmed in the same update that hides the question, so a question asked again is never armed on its first frame.
  const setAsking = (value: boolean) => {
    setArmed(false);
    setAskingState(value);
  };
  useEffect(() => {
    if (!asking) return;
    const arm = setTimeout(() => setArmed(true), ARMING_MS);
    const expire = setTimeout(() => {
      setArmed(false);
      setAskingState(false);
    }, 6000);
    return () => {
      clearTimeout(arm);
      clearTimeout(expire);
    };
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className={className} aria-label={name ? `${label} ${name}` : undefined} disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button type="button" className="btn btn--small btn--danger" aria-label={name ? `${confirmLabel} ${name}` : undefined} disabled={!armed || disabled} onClick={() => { setAsking(false); onConfirm(); }}>
        {confirmLabel}
      </button>
      <button type="button" className="btn btn--small btn--ghost" aria-label={name ? `Keep ${name}` : undefined} onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}
