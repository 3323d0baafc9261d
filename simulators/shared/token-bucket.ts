/**
 * A token bucket as Amazon describes its usage plans: `rate` tokens a second up to `burst`; a
 * request takes one token or is refused. Also a leaky bucket of cost points (Shopify) when
 * `take` is given a cost.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly rate: number,
    readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
  }

  /** What is available at `now`. */
  available(now: number): number {
    if (now > this.at) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.rate);
      this.at = now;
    }
    return this.tokens;
  }

  /** Takes `cost` if available; false (and nothing taken) otherwise. */
  take(now: number, cost = 1): boolean {
    if (this.available(now) < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Gives back unused cost (Shopify refunds requested minus actual). */
  refund(cost: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + cost);
  }
}

/** At most `jobs` in any `windowMs` (Amazon: 5 JSON_LISTINGS_FEED a 5 minutes). */
export class SlidingWindow {
  private times: number[] = [];
  constructor(
    readonly jobs: number,
    readonly windowMs: number,
  ) {}

  take(now: number): boolean {
    this.times = this.times.filter((t) => now - t < this.windowMs);
    if (this.times.length >= this.jobs) return false;
    this.times.push(now);
    return true;
  }
}
