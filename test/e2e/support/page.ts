import type { Page } from '@playwright/test';

/**
 * A real drop of a file on the window: a DataTransfer holding a File, dispatched as dragenter, dragover and drop
 * on the page body (not on the drop zone), as the operator's drag from a file manager arrives.
 */
export async function dropFileOnWindow(page: Page, name: string, text: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(({ name, text }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], name, { type: 'application/jsonl' }));
    return dt;
  }, { name, text });
  await page.dispatchEvent('body', 'dragenter', { dataTransfer });
  await page.dispatchEvent('body', 'dragover', { dataTransfer });
  await page.dispatchEvent('body', 'drop', { dataTransfer });
  await dataTransfer.dispose();
}

/**
 * A drop of a file on disk, as from a file manager: the page gets a disk-backed File (through a file input
 * Playwright fills from the path, so a big file is never copied through the test's protocol as text), which
 * is then dropped on the page body in a DataTransfer.
 */
export async function dropDiskFileOnWindow(page: Page, file: string): Promise<void> {
  const input = await page.evaluateHandle(() => {
    const el = document.createElement('input');
    el.type = 'file';
    el.style.display = 'none';
    document.body.append(el);
    return el;
  });
  await input.setInputFiles(file);
  const dataTransfer = await page.evaluateHandle((el) => {
    const dt = new DataTransfer();
    dt.items.add(el.files![0]!);
    el.remove();
    return dt;
  }, input);
  await page.dispatchEvent('body', 'dragenter', { dataTransfer });
  await page.dispatchEvent('body', 'dragover', { dataTransfer });
  await page.dispatchEvent('body', 'drop', { dataTransfer });
  await dataTransfer.dispose();
  await input.dispose();
}

/** Opens a route of the window and waits until the app has its first snapshot. */
export async function openWindow(page: Page, url: string, route = '#/dashboard'): Promise<void> {
  const missing: string[] = [];
  const onResponse = (r: { status(): number; url(): string }) => { if (r.status() === 404 && r.url().includes('/assets/')) missing.push(r.url()); };
  page.on('response', onResponse);
  try {
    await page.goto(`${url}/${route}`);
    if (missing.length > 0) {
      // serve lists dist/renderer once at startup: a `vite build` run while it is up renames the bundle under it.
      throw new Error(`the window's bundle is missing (${missing.join(', ')}): dist/renderer was rebuilt after serve started`);
    }
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  } finally {
    page.off('response', onResponse);
  }
}

declare global {
  interface Window {
    /** Batch id -> Date.now() at the first animation frame after its row entered the DOM. */
    __rowSeenAt?: Record<string, number>;
  }
}

/**
 * Records, in the page, when each batch row (role=row with data-batch-id) first appears: a MutationObserver notices
 * the row, and the time is taken at the next animation frame, when it is painted. Date.now() in the page and in
 * the test process read the same clock.
 */
export async function watchRowsAppear(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    window.__rowSeenAt = seen;
    const pending = new Set<string>();
    const scan = () => {
      for (const el of document.querySelectorAll<HTMLElement>('[role="row"][data-batch-id]')) {
        const id = el.dataset.batchId!;
        if (!(id in seen) && !pending.has(id)) {
          pending.add(id);
          requestAnimationFrame(() => {
            seen[id] = Date.now();
            pending.delete(id);
          });
        }
      }
    };
    scan();
    new MutationObserver(scan).observe(document.body, { childList: true, subtree: true });
  });
}

export async function rowSeenAt(page: Page, id: string): Promise<number | null> {
  return page.evaluate((batchId) => window.__rowSeenAt?.[batchId] ?? null, id);
}

/** What the window said about one host's GPU telemetry, counted in the page as elements come and go. */
export interface GpuNotices {
  /** Alerts-panel items for the host's nvidia-smi alert: how many distinct elements ever appeared, most at once, their texts. */
  alertsShown: number;
  alertsMaxAtOnce: number;
  alertTexts: string[];
  /** The GPU panel's "nvidia-smi is failing" banners (role=alert). */
  bannersShown: number;
  bannersMaxAtOnce: number;
  bannerTexts: string[];
  /** The GPU panel's "No NVIDIA GPU found" notes (role=status). */
  noGpuShown: number;
  noGpuMaxAtOnce: number;
}

declare global {
  interface Window {
    __gpuNotices?: GpuNotices;
    __gpuNoticesStop?: () => void;
  }
}

/**
 * Starts counting, in the page, every nvidia-smi alert and GPU-panel notice that appears, so a spec can tell "said
 * once" from "said once per poll" even when a state lasts less than a Playwright poll. Restarting resets the counts.
 */
export async function watchGpuNotices(page: Page, host = 'local', sectionLabel = 'GPUs on This machine'): Promise<void> {
  await page.evaluate(({ alertKey, sectionLabel }) => {
    window.__gpuNoticesStop?.();
    const n: GpuNotices = { alertsShown: 0, alertsMaxAtOnce: 0, alertTexts: [], bannersShown: 0, bannersMaxAtOnce: 0, bannerTexts: [], noGpuShown: 0, noGpuMaxAtOnce: 0 };
    window.__gpuNotices = n;
    const seen = new WeakSet<Element>();
    const track = (els: Element[], kind: 'alert' | 'banner' | 'noGpu') => {
      for (const el of els) {
        const text = (el.textContent ?? '').trim();
        if (kind === 'alert' && !n.alertTexts.includes(text)) n.alertTexts.push(text);
        if (kind === 'banner' && !n.bannerTexts.includes(text)) n.bannerTexts.push(text);
        if (seen.has(el)) continue;
        seen.add(el);
        if (kind === 'alert') n.alertsShown += 1;
        else if (kind === 'banner') n.bannersShown += 1;
        else n.noGpuShown += 1;
      }
      if (kind === 'alert') n.alertsMaxAtOnce = Math.max(n.alertsMaxAtOnce, els.length);
      else if (kind === 'banner') n.bannersMaxAtOnce = Math.max(n.bannersMaxAtOnce, els.length);
      else n.noGpuMaxAtOnce = Math.max(n.noGpuMaxAtOnce, els.length);
    };
    const scan = () => {
      track([...document.querySelectorAll(`[data-alert-key="${alertKey}"]`)], 'alert');
      const section = document.querySelector(`section[aria-label="${sectionLabel}"]`);
      const notes = section ? [...section.querySelectorAll('[role="alert"], [role="status"]')] : [];
      track(notes.filter((e) => e.getAttribute('role') === 'alert'), 'banner');
      track(notes.filter((e) => e.getAttribute('role') === 'status' && /No NVIDIA GPU found/.test(e.textContent ?? '')), 'noGpu');
    };
    scan();
    const observer = new MutationObserver(scan);
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    window.__gpuNoticesStop = () => observer.disconnect();
  }, { alertKey: `gpu:${host}:nvidia-smi`, sectionLabel });
}

export async function gpuNotices(page: Page): Promise<GpuNotices> {
  const n = await page.evaluate(() => window.__gpuNotices ?? null);
  if (!n) throw new Error('watchGpuNotices was not started on this page');
  return n;
}
