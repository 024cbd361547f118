import { useSubmitDraft } from '../views/submit/submitDraft.ts';

/** While a file is dragged over the window, say where it will go. */
export function DropOverlay() {
  const dragging = useSubmitDraft((s) => s.dragging);
  if (!dragging) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-overlay__box">Drop the .jsonl file to validate it</div>
    </div>
  );
}
