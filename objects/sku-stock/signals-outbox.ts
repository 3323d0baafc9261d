import { asc, inArray } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import type { StockView } from '../../protocol/stock';
import { StockThresholds, ThresholdsInput } from '../../protocol/thresholds';
import { SignalEvent } from '../../protocol/webhooks';
import {
  type LocationReading,
  locationSignals,
  type Overrides,
  resolveThresholds,
} from '../signals/location-signals';
import type { StockLevel, Thresholds } from '../signals/threshold';
import * as t from './schema';

// SkuStock's stock signals (docs/signals.md): levels, thresholds and the outbox in its SQLite.
// Kept apart from store.ts so the hot path's SQL stays in one place and this stays in another.

type Db = DrizzleSqliteDODatabase<typeof t>;

/** Most signals one publish sends. */
export const SIGNAL_BATCH = 100;

const LOCATION_SCOPE = 'location:';

/** Levels, thresholds and pending signals of one SKU; reads are cached, writes go to SQLite. */
export class SignalsOutbox {
  private readonly levels: Map<string, StockLevel>;
  private skuOverrides: Overrides = {};
  private locationOverrides = new Map<string, Overrides>();

  constructor(private readonly db: Db) {
    this.levels = new Map(
      db
        .select()
        .from(t.signalLevels)
        .all()
        .map((r) => [r.location, r.level]),
    );
    for (const row of db.select().from(t.signalThresholds).all()) {
      const o = overrides(ThresholdsInput.parse(JSON.parse(row.thresholds)));
      if (row.scope === 'sku') this.skuOverrides = o;
      else this.locationOverrides.set(row.scope.slice(LOCATION_SCOPE.length), o);
    }
  }

  /**
   * Judges the readings of a mutation's locations and writes the levels that moved and the
   * signals raised; call inside the mutation's transaction, and `commit()` once it committed
   * (memory follows SQLite only then). `raised`: how many signals it wrote.
   */
  record(
    sku: string,
    seq: number,
    at: number,
    readings: readonly LocationReading[],
  ): { raised: number; commit: () => void } {
    const { levels, events } = locationSignals({
      sku,
      seq,
      at,
      readings,
      levelOf: (l) => this.levels.get(l),
      thresholdsOf: (l) => this.thresholdsAt(l),
    });
    for (const [location, level] of levels) {
      this.db
        .insert(t.signalLevels)
        .values({ location, level })
        .onConflictDoUpdate({ target: t.signalLevels.location, set: { level } })
        .run();
    }
    for (const e of events) {
      this.db
        .insert(t.signalOutbox)
        .values({ id: e.id, event: JSON.stringify(e) })
        .onConflictDoNothing()
        .run();
    }
    return {
      raised: events.length,
      commit: () => {
        for (const [location, level] of levels) this.levels.set(location, level);
      },
    };
  }

  thresholdsAt(location: string): Thresholds {
    return resolveThresholds(this.skuOverrides, this.locationOverrides.get(location));
  }

  /** Replaces the overrides the catalog holds for this SKU and its locations. */
  setThresholds(input: StockThresholds): void {
    const parsed = StockThresholds.parse(input);
    this.db.transaction(() => {
      this.db.delete(t.signalThresholds).run();
      const rows = [
        { scope: 'sku', thresholds: JSON.stringify(parsed.sku) },
        ...Object.entries(parsed.locations).map(([l, o]) => ({
          scope: `${LOCATION_SCOPE}${l}`,
          thresholds: JSON.stringify(o),
        })),
      ];
      for (const row of rows) this.db.insert(t.signalThresholds).values(row).run();
    });
    this.skuOverrides = overrides(parsed.sku);
    this.locationOverrides = new Map(
      Object.entries(parsed.locations).map(([l, o]) => [l, overrides(o)]),
    );
  }

  /** The oldest signals waiting, at most `limit`. */
  pending(limit = SIGNAL_BATCH): SignalEvent[] {
    return this.db
      .select({ event: t.signalOutbox.event })
      .from(t.signalOutbox)
      .orderBy(asc(t.signalOutbox.n))
      .limit(limit)
      .all()
      .map((r) => SignalEvent.parse(JSON.parse(r.event)));
  }

  /** Forgets signals their receivers accepted. */
  remove(ids: readonly string[]): void {
    if (ids.length > 0) this.db.delete(t.signalOutbox).where(inArray(t.signalOutbox.id, ids)).run();
  }

  hasPending(): boolean {
    return (
      this.db.select({ n: t.signalOutbox.n }).from(t.signalOutbox).limit(1).get() !== undefined
    );
  }
}

/** Stored overrides without the fields left out (JSON has no undefined). */
const overrides = (o: ThresholdsInput): Overrides => {
  const out: Overrides = {};
  if (o.lowCoverDays !== undefined) out.lowCoverDays = o.lowCoverDays;
  if (o.reorderPoint !== undefined) out.reorderPoint = o.reorderPoint;
  if (o.band !== undefined) out.band = o.band;
  if (o.backInStock !== undefined) out.backInStock = o.backInStock;
  return out;
};

/** The readings of a mutation's locations, from the stock view it leaves. */
export const readingsOf = (view: StockView, locations: Iterable<string>): LocationReading[] => {
  const wanted = new Set(locations);
  return view.locations
    .filter((l) => wanted.has(l.location))
    .map((l) => ({
      location: l.location,
      available: l.available,
      coverDays: l.demand?.coverDays ?? null,
      ratePerDay: l.demand?.ratePerDay ?? null,
    }));
};

/** Where signals go (Webhooks and ads connections); must be idempotent on each signal's id. */
export type SignalSink = (events: SignalEvent[]) => Promise<void>;

/**
 * Sends the oldest batch of the outbox and forgets it once accepted. Answers `more` when signals
 * still wait, `done`, or the error (the batch stays; the caller retries with backoff).
 */
export const publishOutbox = async (
  outbox: SignalsOutbox,
  sink: SignalSink,
): Promise<'done' | 'more' | { error: unknown }> => {
  const batch = outbox.pending();
  if (batch.length > 0) {
    try {
      await sink(batch);
    } catch (error) {
      return { error };
    }
    outbox.remove(batch.map((e) => e.id));
  }
  return outbox.hasPending() ? 'more' : 'done';
};
