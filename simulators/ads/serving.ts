import { z } from 'zod';

// How long each ad entity served while its SKU was sold out: "ad-seconds on sold-out SKUs". A
// test (or the demo) tells the simulator which entities are sold out (POST /_sim/{api}/truth);
// the simulator knows when each one served, from the statuses it was sent. Each sold-out spell is
// also kept on its own (an episode), so a benchmark can tell how long after the sell-out the ad
// stopped serving, spell by spell (bench/README.md, `signals`).

export const Truth = z.object({
  /** Entity key (resource name, product input name, node id) → sold out now. */
  entities: z.record(z.string().min(1), z.boolean()),
});

/** One spell of an entity's SKU sold out, from the truth call that began it. */
type Episode = {
  soldOutAt: number;
  /** Whether the ad was serving when the spell began (else it was already stopped). */
  servingAtStart: boolean;
  servedMs: number;
  /** The first write that stopped it serving during the spell. */
  stoppedAt: number | null;
  /** The truth call that ended the spell (back in stock). */
  endedAt: number | null;
};

type Entry = {
  serving: boolean;
  soldOut: boolean;
  since: number;
  soldOutServingMs: number;
  /** Status changes the API applied (a write that set the status it had is not one). */
  changes: number;
  writes: number;
  status: string;
  episodes: Episode[];
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
        episodes: [],
      };
      this.entries.set(key, e);
    }
    return e;
  }

  private settle(e: Entry, now: number): void {
    if (e.serving && e.soldOut) {
      const ms = Math.max(0, now - e.since);
      e.soldOutServingMs += ms;
      const spell = e.episodes.at(-1);
      if (spell !== undefined) spell.servedMs += ms;
    }
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
    const spell = e.episodes.at(-1);
    if (e.soldOut && e.serving && !serving && spell?.stoppedAt === null) spell.stoppedAt = now;
    e.status = status;
    e.serving = serving;
  }

  truth(update: z.output<typeof Truth>, now: number): void {
    for (const [key, soldOut] of Object.entries(update.entities)) {
      const e = this.entry(key, now);
      this.settle(e, now);
      if (soldOut && !e.soldOut) {
        e.episodes.push({
          soldOutAt: now,
          servingAtStart: e.serving,
          servedMs: 0,
          stoppedAt: null,
          endedAt: null,
        });
      }
      const spell = e.episodes.at(-1);
      if (!soldOut && e.soldOut && spell !== undefined) spell.endedAt = now;
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
        episodes: e.episodes.map((p) => ({ ...p, servedSeconds: p.servedMs / 1000 })),
      };
    });
    const adSecondsOnSoldOut = entities.reduce((s, e) => s + e.soldOutServingSeconds, 0);
    return { entities, adSecondsOnSoldOut };
  }
}
