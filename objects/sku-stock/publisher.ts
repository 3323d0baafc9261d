/**
 * Publishes the latest value, at most one send in flight: values offered while a send is under
 * way collapse into the newest, so a burst of changes costs one or two sends, not one each.
 * A failed send keeps its value (unless a newer one came) and reports the failure count; the
 * owner decides when `retry()` runs (an alarm, with backoff).
 */
export class CoalescingPublisher<T> {
  private pending: T | undefined;
  private inFlight = false;
  private failures = 0;
  private waiters: ((delivered: boolean) => void)[] = [];

  constructor(
    private readonly send: (value: T) => Promise<void>,
    private readonly onFailure: (failures: number, error: unknown) => void,
  ) {}

  /** Offers the newest value; returns at once. */
  offer(value: T): void {
    this.pending = value;
    this.kick();
  }

  /** Tries again after a failure; a no-op when nothing is waiting or a send is under way. */
  retry(): void {
    this.kick();
  }

  /** Resolves when nothing is in flight: true if the newest value was delivered, false if it failed. */
  settled(): Promise<boolean> {
    if (!this.inFlight) return Promise.resolve(this.pending === undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Whether a value is waiting or being sent. */
  get busy(): boolean {
    return this.inFlight || this.pending !== undefined;
  }

  private kick(): void {
    if (this.inFlight || this.pending === undefined) return;
    this.inFlight = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending !== undefined) {
        const value = this.pending;
        this.pending = undefined;
        try {
          await this.send(value);
          this.failures = 0;
        } catch (error) {
          this.pending ??= value;
          this.failures++;
          this.onFailure(this.failures, error);
          return;
        }
      }
    } finally {
      this.inFlight = false;
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w(this.pending === undefined);
    }
  }
}
