import { z } from 'zod';

// The status page's figures: totals since the connection was made (stored), and rates over the
// last minute (in memory: a restart starts them again).

export const Totals = z.object({
  pushed: z.number().int().min(0),
  accepted: z.number().int().min(0),
  rejected: z.number().int().min(0),
  stale: z.number().int().min(0),
  retried: z.number().int().min(0),
  /** Pushes not sent: the marketplace already held the new listed quantity (its own order's decrement). */
  avoided: z.number().int().min(0).default(0),
});
export type Totals = z.infer<typeof Totals>;

export const NO_TOTALS: Totals = {
  pushed: 0,
  accepted: 0,
  rejected: 0,
  stale: 0,
  retried: 0,
  avoided: 0,
};

const WINDOW_SECONDS = 60;

/** Counts per second over the last minute. */
export class RateWindow {
  private readonly buckets = new Map<number, number>();

  add(n: number, now: number): void {
    const second = Math.floor(now / 1000);
    this.buckets.set(second, (this.buckets.get(second) ?? 0) + n);
    for (const s of this.buckets.keys()) if (s <= second - WINDOW_SECONDS) this.buckets.delete(s);
  }

  /** The mean rate over the last minute. */
  perSecond(now: number): number {
    const second = Math.floor(now / 1000);
    let total = 0;
    for (const [s, n] of this.buckets) if (s > second - WINDOW_SECONDS) total += n;
    return total / WINDOW_SECONDS;
  }
}
