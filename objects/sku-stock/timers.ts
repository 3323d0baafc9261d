// The named deadlines a SkuStock multiplexes onto its one alarm (alarm-scheduler.ts), how long
// each waits, and how a failed flush or publish backs off.

export const HOLD_TIMER = 'expire-holds';
export const PRUNE_TIMER = 'prune-idempotency';
export const FLUSH_TIMER = 'flush-ledger';
export const PUBLISH_TIMER = 'publish';
export const SIGNALS_TIMER = 'publish-signals';

/** Idempotency records are kept this long. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
/** Changes are gathered this long before a flush, so a burst becomes one D1 batch. */
export const LEDGER_FLUSH_DELAY_MS = 500;
/**
 * How far ahead the alarm moves a timer whose work it awaits (a D1 write, a hub publish): dying
 * mid-await then leaves an alarm that redoes it, this long after, instead of none at all.
 */
export const LEASE_MS = 15_000;
/** Timers whose work the alarm awaits, and so holds a lease on. */
export const LEASED = [FLUSH_TIMER, PUBLISH_TIMER, SIGNALS_TIMER];

/**
 * Retry delay after `failures` failed attempts: 0.5 s doubling to 60 s, times a jitter of
 * 0.75 to 1.25 (`random` in [0, 1), so retries of many objects do not land together).
 */
export const backoffMs = (failures: number, random: () => number = Math.random): number =>
  Math.min(60_000, 500 * 2 ** Math.min(failures - 1, 7)) * (0.75 + random() / 2);

/** Counts consecutive failures of one kind of work and says how long to wait before the next try. */
export class Backoff {
  failures = 0;
  constructor(private readonly random: () => number = Math.random) {}

  /** Records a failure; returns the delay before the next attempt. */
  fail(): number {
    this.failures++;
    return backoffMs(this.failures, this.random);
  }

  /** Records a success: the next failure starts again at 0.5 s. */
  succeed(): void {
    this.failures = 0;
  }
}
