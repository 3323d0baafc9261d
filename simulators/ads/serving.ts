import { z } from 'zod';

// How long each ad entity served while its SKU was sold out: "ad-seconds on sold-out SKUs". A
// test (or the demo) tells the simulator which entities are sold out (POST /_sim/{api}/truth);
// the simulator knows when each one served, from the statuses it was sent.

export const Truth = z.object({
  /** Entity key (resource name, product input name, node id) → sold out now. */
  entities: z.record(z.string().min(1), z.boolean()),
});

type Entry = {
  serving: boolean;
  soldOut: boolean;
  since: number;
  soldOutServingMs: number;
  /** Status changes the API applied (a write that set the status it had is not one). */
  changes: number;
  writes: number;
  status: string;
};

export class ServingLedger {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly initialStatus: string) {}

  private entry(key: string, now: number): Entry {
    let e = this.entries.get(key);
    if (e === undefined) {
      e = {
        serving: true,
        soldOut: false,
        since: now,
        soldOutServingMs: 0,
        changes: 0,
        writes: 0,
        status: this.initialStatus,
      };
      this.entries.set(key, e);
    }
    return e;
  }

  private settle(e: Entry, now: number): void {
    if (e.serving && e.soldOut) e.soldOutServingMs += Math.max(0, now - e.since);
    e.since = now;
  }

  status(key: string, now: number): string {
    return this.entry(key, now).status;
  }

  /** The API set an entity's status; `serving` says whether that status shows ads. */
  write(key: string, status: string, serving: boolean, now: number): void {
    const e = this.entry(key, now);
    this.settle(e, now);
    e.writes++;
    if (e.status !== status) e.changes++;
    e.status = status;
    e.serving = serving;
  }

  truth(update: z.output<typeof Truth>, now: number): void {
    for (const [key, soldOut] of Object.entries(update.entities)) {
      const e = this.entry(key, now);
      this.settle(e, now);
      e.soldOut = soldOut;
    }
  }

  report(now: number) {
    const entities = [...this.entries].map(([entity, e]) => {
      this.settle(e, now);
      return {
        entity,
        status: e.status,
        soldOut: e.soldOut,
        soldOutServingSeconds: e.soldOutServingMs / 1000,
        changes: e.changes,
        writes: e.writes,
      };
    });
    const adSecondsOnSoldOut = entities.reduce((s, e) => s + e.soldOutServingSeconds, 0);
    return { entities, adSecondsOnSoldOut };
  }
}
