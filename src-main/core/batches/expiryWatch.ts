/** How often due batches are looked for; expiry is minutes to days, so a second late is no matter. */
const CHECK_EVERY_MS = 1_000;

/**
 * Enforces completion windows: every second, batches past their expires_at are expired. It polls a clock
 * rather than arming one timer per batch so that a test clock moved forward takes effect at once.
 */
export class ExpiryWatch {
  private timer: NodeJS.Timeout | null = null;
  private readonly expireDue: () => void;

  constructor(expireDue: () => void) {
    this.expireDue = expireDue;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.expireDue();
      } catch (err) {
        console.error('batch expiry check failed:', err);
      }
    }, CHECK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
