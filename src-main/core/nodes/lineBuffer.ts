/** Keeps the last lines of a process's output, for "show the log tail" in messages and the UI. */
export class LineBuffer {
  private readonly max: number;
  private readonly lines: string[] = [];
  private partial = '';

  constructor(max = 200) {
    this.max = max;
  }

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
    // A progress line without newline must not grow without bound.
    if (this.partial.length > 4096) {
      this.add(this.partial);
      this.partial = '';
    }
  }

  tail(n = 20): string[] {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-n);
  }

  clear(): void {
    this.lines.length = 0;
    this.partial = '';
  }

  private add(line: string): void {
    if (!line.trim()) return;
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
}
