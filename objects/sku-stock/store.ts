import { and, asc, eq, gt, inArray, isNotNull, lte, min, sql, sum } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import { z } from 'zod';
import {
  Allocation,
  type BackorderPolicy,
  LEVEL_FIELDS,
  LevelDelta,
  type Levels,
  LocationStock,
  type StockEvent,
  StockEvent as StockEventSchema,
} from '../../protocol/stock';
import type { DemandState } from '../signals/demand';
import type { HoldRecord, TransferRecord } from './decide';
import * as t from './schema';

export type Meta = { sku: string; policy: BackorderPolicy; seq: number };
type Db = DrizzleSqliteDODatabase<typeof t>;

const Allocations = z.array(Allocation);
const Deltas = z.array(LevelDelta);
const LevelsAfter = z.array(LocationStock);
const Totals = LocationStock.omit({ location: true });

/** Everything the SkuStock object reads and writes in its SQLite, synchronously. */
export class StockStore {
  constructor(private readonly db: Db) {}

  loadMeta(): Meta | undefined {
    return this.db.select().from(t.meta).where(eq(t.meta.id, 1)).get();
  }

  saveMeta(m: Meta): void {
    this.db
      .insert(t.meta)
      .values({ id: 1, ...m })
      .onConflictDoUpdate({ target: t.meta.id, set: { sku: m.sku, policy: m.policy, seq: m.seq } })
      .run();
  }

  loadLevels(): Map<string, Levels> {
    const rows = this.db.select().from(t.levels).orderBy(asc(t.levels.location)).all();
    return new Map(rows.map(({ location, ...l }) => [location, l]));
  }

  saveLevels(location: string, l: Levels): void {
    this.db
      .insert(t.levels)
      .values({ location, ...l })
      .onConflictDoUpdate({ target: t.levels.location, set: l })
      .run();
  }

  loadDemand(): Map<string, DemandState> {
    const rows = this.db.select().from(t.demand).all();
    return new Map(rows.map(({ location, ...d }) => [location, d]));
  }

  saveDemand(location: string, d: DemandState): void {
    this.db
      .insert(t.demand)
      .values({ location, ...d })
      .onConflictDoUpdate({ target: t.demand.location, set: d })
      .run();
  }

  getHold(id: string): HoldRecord | undefined {
    const row = this.db.select().from(t.holds).where(eq(t.holds.id, id)).get();
    return row && { ...row, allocations: Allocations.parse(JSON.parse(row.allocations)) };
  }

  saveHold(h: HoldRecord): void {
    const row = { ...h, allocations: JSON.stringify(h.allocations) };
    const { id: _id, ...set } = row;
    this.db.insert(t.holds).values(row).onConflictDoUpdate({ target: t.holds.id, set }).run();
  }

  /** Holds still held whose deadline has passed, oldest deadline first. */
  dueHolds(now: number): HoldRecord[] {
    return this.db
      .select({ id: t.holds.id })
      .from(t.holds)
      .where(and(eq(t.holds.status, 'held'), lte(t.holds.expiresAt, now)))
      .orderBy(asc(t.holds.expiresAt))
      .all()
      .flatMap(({ id }) => this.getHold(id) ?? []);
  }

  nextHoldExpiry(): number | null {
    const row = this.db
      .select({ at: min(t.holds.expiresAt) })
      .from(t.holds)
      .where(and(eq(t.holds.status, 'held'), isNotNull(t.holds.expiresAt)))
      .get();
    return row?.at ?? null;
  }

  getTransfer(id: string): TransferRecord | undefined {
    const row = this.db.select().from(t.transfers).where(eq(t.transfers.id, id)).get();
    return row && { ...row, from: row.fromLocation, to: row.toLocation };
  }

  /** Units sent to `location` on transfers and not yet received there. */
  inTransitTo(location: string): number {
    const row = this.db
      .select({ units: sum(sql<number>`${t.transfers.quantity} - ${t.transfers.received}`) })
      .from(t.transfers)
      .where(eq(t.transfers.toLocation, location))
      .get();
    return Number(row?.units ?? 0);
  }

  saveTransfer(tr: TransferRecord): void {
    const { from, to, ...rest } = tr;
    const row = { ...rest, fromLocation: from, toLocation: to };
    this.db
      .insert(t.transfers)
      .values(row)
      .onConflictDoUpdate({
        target: t.transfers.id,
        set: { received: tr.received, updatedAt: tr.updatedAt },
      })
      .run();
  }

  appendEvent(e: StockEvent): void {
    this.db
      .insert(t.events)
      .values({
        seq: e.seq,
        type: e.type,
        at: Date.parse(e.at),
        actor: e.actor,
        reason: e.reason,
        ref: e.ref,
        idempotencyKey: e.idempotencyKey,
        holdId: e.holdId,
        transferId: e.transferId,
        deltas: JSON.stringify(e.deltas),
        levels: JSON.stringify(e.levels),
        totals: JSON.stringify(e.totals),
      })
      .run();
  }

  /** Events with seq > after, oldest first. */
  events(sku: string, after: number, limit: number): StockEvent[] {
    return this.db
      .select()
      .from(t.events)
      .where(gt(t.events.seq, after))
      .orderBy(asc(t.events.seq))
      .limit(limit)
      .all()
      .map((row) =>
        StockEventSchema.parse({
          ...row,
          sku,
          at: new Date(row.at).toISOString(),
          deltas: Deltas.parse(JSON.parse(row.deltas)),
          levels: LevelsAfter.parse(JSON.parse(row.levels)),
          totals: Totals.parse(JSON.parse(row.totals ?? 'null')),
        }),
      );
  }

  /** The smallest seq still kept, or null when the log is empty. */
  oldestSeq(): number | null {
    return (
      this.db
        .select({ seq: min(t.events.seq) })
        .from(t.events)
        .get()?.seq ?? null
    );
  }

  /** Time (epoch ms) of event `seq`, if it is kept. */
  eventTime(seq: number): number | null {
    return (
      this.db.select({ at: t.events.at }).from(t.events).where(eq(t.events.seq, seq)).get()?.at ??
      null
    );
  }

  /** Time (epoch ms) of the first event after `seq`, if it is kept. */
  eventTimeAfter(seq: number): number | null {
    return (
      this.db
        .select({ at: t.events.at })
        .from(t.events)
        .where(gt(t.events.seq, seq))
        .orderBy(asc(t.events.seq))
        .limit(1)
        .get()?.at ?? null
    );
  }

  /** Sum of the deltas of every kept event after `seq`, per location, and how many there were. */
  deltasAfter(seq: number): { count: number; byLocation: Map<string, LevelDelta> } {
    const rows = this.db
      .select({ deltas: t.events.deltas })
      .from(t.events)
      .where(gt(t.events.seq, seq))
      .all();
    const byLocation = new Map<string, LevelDelta>();
    for (const row of rows) {
      for (const d of Deltas.parse(JSON.parse(row.deltas))) {
        const into = byLocation.get(d.location) ?? { location: d.location };
        for (const f of LEVEL_FIELDS) if (d[f] !== undefined) into[f] = (into[f] ?? 0) + d[f];
        byLocation.set(d.location, into);
      }
    }
    return { count: rows.length, byLocation };
  }

  /** Forgets events up to `seq` (they are in the ledger); the object keeps a recent window. */
  pruneEvents(seq: number): void {
    if (seq > 0) this.db.delete(t.events).where(lte(t.events.seq, seq)).run();
  }

  getCursor(name: string): number {
    return this.db.select().from(t.cursors).where(eq(t.cursors.name, name)).get()?.seq ?? 0;
  }

  setCursor(name: string, seq: number): void {
    this.db
      .insert(t.cursors)
      .values({ name, seq })
      .onConflictDoUpdate({ target: t.cursors.name, set: { seq } })
      .run();
  }

  /** The caller's record for `key`, or one migrated from before callers were recorded. */
  getIdempotency(caller: string, key: string): { request: string; result: string } | undefined {
    return this.db
      .select({ request: t.idempotency.request, result: t.idempotency.result })
      .from(t.idempotency)
      .where(and(eq(t.idempotency.key, key), inArray(t.idempotency.caller, [caller, '*'])))
      .get();
  }

  saveIdempotency(caller: string, key: string, request: string, result: string, now: number): void {
    this.db.insert(t.idempotency).values({ caller, key, request, result, createdAt: now }).run();
  }

  /** Deletes records created at or before `cutoff`; returns the oldest remaining creation time. */
  pruneIdempotency(cutoff: number): number | null {
    this.db.delete(t.idempotency).where(lte(t.idempotency.createdAt, cutoff)).run();
    const row = this.db
      .select({ at: min(t.idempotency.createdAt) })
      .from(t.idempotency)
      .get();
    return row?.at ?? null;
  }

  timers() {
    return {
      load: () =>
        new Map(
          this.db
            .select()
            .from(t.timers)
            .all()
            .map((r) => [r.name, r.at]),
        ),
      save: (name: string, at: number | null) => {
        if (at === null) this.db.delete(t.timers).where(eq(t.timers.name, name)).run();
        else
          this.db
            .insert(t.timers)
            .values({ name, at })
            .onConflictDoUpdate({ target: t.timers.name, set: { at } })
            .run();
      },
    };
  }

  /** Runs `fn` atomically: every write in it commits together or not at all. */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(() => fn());
  }
}
