/**
 * POSIX single-quote quoting: everything between single quotes is literal to sh, bash, dash and zsh;
 * a single quote itself is closed, escaped and reopened. Every value that reaches a remote shell goes
 * through here, even values that validation already restricted.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL byte cannot be passed to a shell');
  if (value !== '' && /^[A-Za-z0-9_/.,:@%+-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A command line of quoted words. */
export function shellCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map(shellQuote).join(' ');
}

/**
 * A path that may start with ~/ (the node's home): the tilde must stay outside the quotes to be expanded,
 * so it becomes "$HOME"/ followed by the quoted rest.
 */
export function shellPath(path: string): string {
  if (path === '~') return '"$HOME"';
  if (path.startsWith('~/')) return `"$HOME"/${shellQuote(path.slice(2))}`;
  return shellQuote(path);
}
