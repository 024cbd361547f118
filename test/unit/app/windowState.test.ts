import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_SIZE, MIN_WINDOW_SIZE, WINDOW_STATE_FILE, loadWindowState, restoreWindowState, saveWindowState, type Rect,
} from '../../../src-main/app/windowState.ts';

const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1050 };
const rightMonitor: Rect = { x: 1920, y: 0, width: 2560, height: 1410 };

describe('window state restore', () => {
  it('restores a window that is on a display as it was', () => {
    const saved = { x: 100, y: 80, width: 1400, height: 900, maximized: false };
    expect(restoreWindowState(saved, [laptop])).toEqual(saved);
  });

  it('keeps the maximized flag', () => {
    expect(restoreWindowState({ x: 10, y: 10, width: 1000, height: 700, maximized: true }, [laptop]).maximized).toBe(true);
  });

  it('restores onto a second monitor that is still there', () => {
    const saved = { x: 2200, y: 100, width: 1600, height: 1000, maximized: false };
    expect(restoreWindowState(saved, [laptop, rightMonitor])).toEqual(saved);
  });

  it('drops the position when the monitor it was on is gone, keeping a size that fits', () => {
    const saved = { x: 2200, y: 100, width: 2400, height: 1300, maximized: false };
    const restored = restoreWindowState(saved, [laptop]);
    expect(restored.x).toBeUndefined();
    expect(restored.y).toBeUndefined();
    expect(restored.width).toBeLessThanOrEqual(laptop.width);
    expect(restored.height).toBeLessThanOrEqual(laptop.height);
  });

  it('pulls a window that hangs off the edge back inside the display', () => {
    const restored = restoreWindowState({ x: 1500, y: 700, width: 1200, height: 800, maximized: false }, [laptop]);
    expect(restored).toEqual({ x: 1920 - 1200, y: 1050 - 800, width: 1200, height: 800, maximized: false });
  });

  it('treats a window whose title bar is above the screen as lost', () => {
    const restored = restoreWindowState({ x: 100, y: -2000, width: 1200, height: 800, maximized: false }, [laptop]);
    expect(restored.x).toBeUndefined();
  });

  it('treats a window showing only a sliver as lost', () => {
    const restored = restoreWindowState({ x: 1910, y: 100, width: 1200, height: 800, maximized: false }, [laptop]);
    expect(restored.x).toBeUndefined();
  });

  it('shrinks a window larger than its display', () => {
    const restored = restoreWindowState({ x: 0, y: 0, width: 5000, height: 3000, maximized: false }, [laptop]);
    expect(restored).toEqual({ x: 0, y: 0, width: laptop.width, height: laptop.height, maximized: false });
  });

  it('never restores smaller than the minimum size', () => {
    const restored = restoreWindowState({ x: 10, y: 10, width: 50, height: 20, maximized: false }, [laptop]);
    expect(restored.width).toBe(MIN_WINDOW_SIZE.width);
    expect(restored.height).toBe(MIN_WINDOW_SIZE.height);
  });

  it('respects a work area that does not start at 0,0 (a top panel)', () => {
    const withPanel: Rect = { x: 0, y: 32, width: 1920, height: 1048 };
    expect(restoreWindowState({ x: 50, y: 16, width: 1000, height: 700, maximized: false }, [withPanel])).toMatchObject({ x: 50, y: 32 });
    // Title bar entirely under the panel: not reachable, so the position is dropped.
    expect(restoreWindowState({ x: 50, y: -30, width: 1000, height: 700, maximized: false }, [withPanel]).y).toBeUndefined();
  });

  it.each([null, undefined, 'x', 42, [], {}, { width: 'wide', height: 10 }, { width: -5, height: 600 }, { width: Number.NaN, height: 700 }])(
    'falls back to the default size for saved state %j',
    (saved) => {
      expect(restoreWindowState(saved, [laptop])).toEqual({ width: DEFAULT_WINDOW_SIZE.width, height: DEFAULT_WINDOW_SIZE.height, maximized: false });
    },
  );

  it('ignores a half position and a non-boolean maximized', () => {
    expect(restoreWindowState({ x: 10, width: 1000, height: 700, maximized: 'yes' }, [laptop])).toEqual({ width: 1000, height: 700, maximized: false });
  });

  it('fits the default size on a small display', () => {
    const small: Rect = { x: 0, y: 0, width: 1024, height: 700 };
    expect(restoreWindowState(null, [small])).toEqual({ width: 1024, height: 700, maximized: false });
  });
});

describe('window state file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips through the JSON file under user data and leaves no temp file', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-winstate-'));
    const state = { x: 5, y: 6, width: 1000, height: 700, maximized: true };
    saveWindowState(dir, state);
    expect(loadWindowState(dir)).toEqual(state);
    expect(fs.readdirSync(dir)).toEqual([WINDOW_STATE_FILE]);
  });

  it('reads a missing or corrupt file as nothing', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bd-winstate-'));
    expect(loadWindowState(dir)).toBeNull();
    fs.writeFileSync(path.join(dir, WINDOW_STATE_FILE), '{"width": 10');
    expect(loadWindowState(dir)).toBeNull();
  });
});
