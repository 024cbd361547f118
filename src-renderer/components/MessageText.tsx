/**
 * An engine message as text: words the engine quotes in backticks (a command, a path) are shown as code,
 * never as literal backticks.
 */
export function MessageText({ text }: { text: string }) {
  const parts = text.split(/`([^`]+)`/);
  return <>{parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</>;
}
