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

/** Opens a route of the window and waits until the app has its first snapshot. */
export async function openWindow(page: Page, url: string, route = '#/dashboard'): Promise<void> {
  await page.goto(`${url}/${route}`);
  await page.getByRole('heading', { level: 1 }).first().waitFor();
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
