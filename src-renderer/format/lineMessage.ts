/**
 * The engine's validation messages may already start with "line N: "; the UI puts the line in front
 * itself (the form the checks look for), so a repeated prefix is dropped.
 */
export function withoutLinePrefix(message: string, line: number | null): string {
  if (line == null) return message;
  const prefix = new RegExp(`^\\s*line\\s+${line}\\s*[:,-]\\s*`, 'i');
  return message.replace(prefix, '');
}
