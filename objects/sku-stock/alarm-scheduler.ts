/** Where named deadlines are kept (the object's SQLite in production, a Map in tests). */
export interface TimerStore {
  load(): Map<string, number>;
  save(name: string, at: number | null): void;
}

/** Timers whose work outlives `takeDue` (it awaits I/O) and the deadline they move to meanwhile. */
export type Lease = { names: readonly string[]; until: number };

/**
 * Multiplexes named deadlines onto the one alarm a Durable Object has: the platform alarm is
 * always set no later than the earliest deadline, and `takeDue` hands back the names whose time
 * has come.
 */
export class AlarmScheduler {
  private readonly timers: Map<string, number>;
  private armedAt: number | null;

  constructor(
    private readonly store: TimerStore,
    private readonly setAlarm: (at: number | null) => void,
    currentAlarm: number | null,
  ) {
    this.timers = store.load();
    this.armedAt = currentAlarm;
    // A death between saving a timer and setting the alarm leaves a deadline nothing would wake.
    const next = this.next();
    if (next !== null && (currentAlarm === null || currentAlarm > next)) this.arm();
  }

  /** Sets (or moves) the deadline of `name`. */
  schedule(name: string, at: number): void {
    if (this.timers.get(name) === at) return;
    this.timers.set(name, at);
    this.store.save(name, at);
    this.arm();
  }

  /** Moves `name` earlier only; a later time leaves the deadline as it is. */
  scheduleNoLaterThan(name: string, at: number): void {
    const current = this.timers.get(name);
    if (current === undefined || at < current) this.schedule(name, at);
  }

  cancel(name: string): void {
    if (!this.timers.delete(name)) return;
    this.store.save(name, null);
    this.arm();
  }

  /**
   * Returns the names due at `now`, earliest first, and removes them, except those the lease
   * names: they move to `lease.until`, so dying before their work ends leaves an alarm to redo
   * it. The owner cancels or reschedules a leased name when its work is done.
   */
  takeDue(now: number, lease?: Lease): string[] {
    const due = [...this.timers].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [name] of due) {
      if (lease?.names.includes(name)) {
        this.timers.set(name, lease.until);
        this.store.save(name, lease.until);
      } else {
        this.timers.delete(name);
        this.store.save(name, null);
      }
    }
    // The platform alarm that woke us is spent.
    this.armedAt = null;
    this.arm();
    return due.map(([name]) => name);
  }

  at(name: string): number | undefined {
    return this.timers.get(name);
  }

  next(): number | null {
    let min: number | null = null;
    for (const at of this.timers.values()) if (min === null || at < min) min = at;
    return min;
  }

  private arm(): void {
    const next = this.next();
    if (next === this.armedAt) return;
    this.armedAt = next;
    this.setAlarm(next);
  }
}
