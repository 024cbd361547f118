/** Shown until the first snapshot lands, so an empty list is never mistaken for "none". */
export function Loading({ what }: { what: string }) {
  return <p className="muted" role="status">Loading {what}…</p>;
}
