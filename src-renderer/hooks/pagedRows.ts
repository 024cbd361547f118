import { toError } from '../api/toError.ts';

/**
 * A window onto a long server-side list (100,000 result rows) fetched page by page as it scrolls into view.
 * Only pages near the visible range are kept, so memory stays flat however far the operator scrolls.
 */
export interface Page<T> { total: number; rows: T[] }
export type FetchPage<T> = (offset: number, limit: number) => Promise<Page<T>>;

export class PagedRows<T> {
  readonly pageSize: number;
  private readonly fetchPage: FetchPage<T>;
  private readonly pages = new Map<number, T[]>();
  private readonly loading = new Set<number>();
  private readonly listeners = new Set<() => void>();
  private visible: [number, number] = [0, 0];
  /** Bumped on refresh: answers to requests of an older generation are dropped. */
  private generation = 0;
  private maxPages: number;
  total: number | null = null;
  error: Error | null = null;
  version = 0;

  constructor(fetchPage: FetchPage<T>, pageSize = 200, maxPages = 30) {
    this.fetchPage = fetchPage;
    this.pageSize = pageSize;
    this.maxPages = maxPages;
  }

  row(index: number): T | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Called with the virtualizer's visible range; fetches the pages it touches that are missing. */
  ensure(start: number, end: number): void {
    this.visible = [start, end];
    const first = Math.floor(Math.max(0, start) / this.pageSize);
    const last = Math.floor(Math.max(0, end) / this.pageSize);
    for (let p = first; p <= last; p++) {
      if (!this.pages.has(p) && !this.loading.has(p)) void this.load(p, this.generation);
    }
  }

  /** The engine changed the list: fetch the visible pages again and drop the rest. */
  refresh(): void {
    this.generation += 1;
    this.loading.clear();
    const [start, end] = this.visible;
    const keep = new Set<number>();
    for (let p = Math.floor(start / this.pageSize); p <= Math.floor(end / this.pageSize); p++) keep.add(p);
    for (const p of [...this.pages.keys()]) if (!keep.has(p)) this.pages.delete(p);
    // Visible pages stay on screen until their fresh copy lands, so the table never flashes empty.
    for (const p of keep) void this.load(p, this.generation);
    if (keep.size === 0) void this.load(0, this.generation);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  private async load(page: number, generation: number): Promise<void> {
    this.loading.add(page);
    try {
      const result = await this.fetchPage(page * this.pageSize, this.pageSize);
      if (generation !== this.generation) return;
      this.pages.set(page, result.rows);
      this.total = result.total;
      this.error = null;
      this.evictFarPages();
    } catch (err) {
      if (generation !== this.generation) return;
      this.error = toError(err);
    } finally {
      if (generation === this.generation) this.loading.delete(page);
    }
    this.changed();
  }

  private evictFarPages(): void {
    if (this.pages.size <= this.maxPages) return;
    const centre = Math.floor((this.visible[0] + this.visible[1]) / 2 / this.pageSize);
    const byDistance = [...this.pages.keys()].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
    for (const p of byDistance.slice(0, this.pages.size - this.maxPages)) this.pages.delete(p);
  }

  private changed(): void {
    this.version += 1;
    for (const l of this.listeners) l();
  }
}
