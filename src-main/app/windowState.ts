import fs from 'node:fs';
import path from 'node:path';

/** Size, position and maximized flag of the main window, kept in a JSON file under the user-data folder. */
export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 820 } as const;
export const MIN_WINDOW_SIZE = { width: 900, height: 600 } as const;
/** The window's top strip, where the title bar is, and how much of it must be on a display to grab it. */
const TITLE_STRIP_HEIGHT = 40;
const MIN_VISIBLE = { width: 120, height: 20 } as const;

export const WINDOW_STATE_FILE = 'window-state.json';

/**
 * Turns what was saved (possibly nothing, garbage, or a position on a monitor that is gone) into bounds
 * that are on a display that exists now. `workAreas` are the displays' work areas, the primary first.
 */
export function restoreWindowState(saved: unknown, workAreas: readonly Rect[]): WindowState {
  const primary = workAreas[0];
  const fallback: WindowState = {
    width: primary ? Math.min(DEFAULT_WINDOW_SIZE.width, primary.width) : DEFAULT_WINDOW_SIZE.width,
    height: primary ? Math.min(DEFAULT_WINDOW_SIZE.height, primary.height) : DEFAULT_WINDOW_SIZE.height,
    maximized: false,
  };
  const s = parseState(saved);
  if (!s) return fallback;

  const maximized = s.maximized;
  let width = Math.max(MIN_WINDOW_SIZE.width, s.width);
  let height = Math.max(MIN_WINDOW_SIZE.height, s.height);

  if (s.x === undefined || s.y === undefined) {
    // No position: let the OS centre it, but never larger than the primary display.
    if (primary) {
      width = Math.min(width, primary.width);
      height = Math.min(height, primary.height);
    }
    return { width, height, maximized };
  }

  // The display showing the most of the saved window's title strip is where it goes back to.
  const titleStrip: Rect = { x: s.x, y: s.y, width, height: TITLE_STRIP_HEIGHT };
  let best: Rect | undefined;
  let bestArea = 0;
  for (const area of workAreas) {
    const overlap = intersection(titleStrip, area);
    if (overlap && overlap.width * overlap.height > bestArea) {
      best = area;
      bestArea = overlap.width * overlap.height;
    }
  }
  const visible = best ? intersection(titleStrip, best) : null;
  if (!best || !visible || visible.width < Math.min(MIN_VISIBLE.width, width) || visible.height < Math.min(MIN_VISIBLE.height, height)) {
    // The monitor it was on is gone (or only a sliver is left): keep the size, drop the position.
    if (primary) {
      width = Math.min(width, primary.width);
      height = Math.min(height, primary.height);
    }
    return { width, height, maximized };
  }

  // On a display: shrink to fit it and pull it fully inside its work area.
  width = Math.min(width, best.width);
  height = Math.min(height, best.height);
  const x = clamp(s.x, best.x, best.x + best.width - width);
  const y = clamp(s.y, best.y, best.y + best.height - height);
  return { x, y, width, height, maximized };
}

export function loadWindowState(userDataDir: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(path.join(userDataDir, WINDOW_STATE_FILE), 'utf8'));
  } catch {
    // Missing or unreadable: the window opens with its defaults.
    return null;
  }
}

/** Written to a temporary file then renamed, so a crash mid-write never leaves a truncated file. */
export function saveWindowState(userDataDir: string, state: WindowState): void {
  const file = path.join(userDataDir, WINDOW_STATE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(userDataDir, { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, file);
  } catch (err) {
    console.warn(`window state not saved: ${(err as Error).message}`);
  }
}

function parseState(value: unknown): WindowState | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const width = finite(v['width']);
  const height = finite(v['height']);
  if (width === undefined || height === undefined || width <= 0 || height <= 0) return null;
  const x = finite(v['x']);
  const y = finite(v['y']);
  return {
    width: Math.round(width),
    height: Math.round(height),
    ...(x !== undefined && y !== undefined ? { x: Math.round(x), y: Math.round(y) } : {}),
    maximized: v['maximized'] === true,
  };
}

function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e6 ? v : undefined;
}

function intersection(a: Rect, b: Rect): Rect | null {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  return x2 > x1 && y2 > y1 ? { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } : null;
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(Math.max(v, min), Math.max(min, max));
}
