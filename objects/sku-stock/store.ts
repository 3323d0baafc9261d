import { and, asc, eq, gt, lte, min, sql, sum } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import { z } from 'zod';
import {
  type Allocation,
  type BackorderPolicy,
  LEVEL_FIELDS,
  LevelDelta,
  type Levels,
  LocationStock,
  type StockEvent,
} from '../../protocol/stock';
import type { DemandState } from '../signals/demand';
import type { HoldRecord, TransferRecord } from './decide';
import * as t from './schema';

export type Meta = { sku: string; policy: BackorderPolicy; seq: number };
type Db = DrizzleSqliteDODatabase<typeof t>;

const Deltas = z.array(LevelDelta);
const Totals = LocationStock.omit({ location: true });
type Totals = z.infer<typeof Totals>;

// The statements every mutation runs (a hold writes the hold, its levels, the meta row, the
// event, often the idempotency record and a timer) are fixed SQL text on `ctx.storage.sql`:
// building them through drizzle on each call cost a third of a hold's CPU in the profile of
// bench/README.md ("Where the time goes"). Columns are those of ./schema.ts; reads and rare
// writes keep drizzle.
const SQL = {
  saveMeta:
    'INSERT INTO meta (id, sku, policy, seq) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET sku = excluded.sku, policy = excluded.policy, seq = excluded.seq',
  saveLevels:
    'INSERT INTO levels (location, on_hand, reserved, committed, unavailable, safety_stock, incoming) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (location) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, committed = excluded.committed, unavailable = excluded.unavailable, safety_stock = excluded.safety_stock, incoming = excluded.incoming',
  saveDemand:
    'INSERT INTO demand (location, p, z, mse, today, day, days) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (location) DO UPDATE SET p = excluded.p, z = excluded.z, mse = excluded.mse, today = excluded.today, day = excluded.day, days = excluded.days',
  getHold:
    'SELECT id, status, quantity, channel, ref, allocations, returned, expires_at, created_at, updated_at FROM holds WHERE id = ?',
  saveHold:
    'INSERT INTO holds (id, status, quantity, channel, ref, allocations, returned, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, quantity = excluded.quantity, channel = excluded.channel, ref = excluded.ref, allocations = excluded.allocations, returned = excluded.returned, expires_at = excluded.expires_at, created_at = excluded.created_at, updated_at = excluded.updated_at',
  nextHoldExpiry:
    "SELECT min(expires_at) AS at FROM holds WHERE status = 'held' AND expires_at IS NOT NULL",
  appendEvent:
    'INSERT INTO events (seq, type, at, actor, reason, ref, idempotency_key, hold_id, transfer_id, deltas, levels, totals) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  setCursor:
    'INSERT INTO cursors (name, seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET seq = excluded.seq',
  getIdempotency:
    "SELECT request, result FROM idempotency WHERE key = ? AND caller IN (?, '*') LIMIT 1",
  saveIdempotency:
    'INSERT INTO idempotency (caller, key, request, result, created_at) VALUES (?, ?, ?, ?, ?)',
  saveTimer:
    'INSERT INTO timers (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at',
  deleteTimer: 'DELETE FROM timers WHERE name = ?',
  eventTimeAfter: 'SELECT at FROM events WHERE seq > ? ORDER BY seq LIMIT 1',
  events:
    'SELECT seq, type, at, actor, reason, ref, idempotency_key, hold_id, transfer_id, deltas, levels, totals FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
} as const;

type EventRow = {
  seq: number;
  type: StockEvent['type'];
  at: number;
  actor: string;
  reason: string;
  ref: string | null;
  idempotency_key: string | null;
  hold_id: string | null;
  transfer_id: string | null;
  deltas: string;
  levels: string;
  totals: string | null;
};

type HoldRow = {
  id: string;
  status: HoldRecord['status'];
  quantity: number;
  channel: string | null;
  ref: string | null;
  allocations: string;
  returned: number;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
};

/** Everything the SkuStock object reads and writes in its SQLite, synchronously. */
export class StockStore {
  constructor(
    private readonly db: Db,
    private readonly sql: SqlStorage,
    private readonly transactionSync: <T>(fn: () => T) => T,
  ) {}

  loadMeta(): Meta | undefined {
    return this.db.select().from(t.meta).where(eq(t.meta.id, 1)).get();
  }

  saveMeta(m: Meta): void {
    this.sql.exec(SQL.saveMeta, m.sku, m.policy, m.seq);
  }

  loadLevels(): Map<string, Levels> {
    const rows = this.db.select().from(t.levels).orderBy(asc(t.levels.location)).all();
    return new Map(rows.map(({ location, ...l }) => [location, l]));
  }

  saveLevels(location: string, l: Levels): void {
    this.sql.exec(
      SQL.saveLevels,
      location,
      l.onHand,
      l.reserved,
      l.committed,
      l.unavailable,
      l.safetyStock,
      l.incoming,
    );
  }

  loadDemand(): Map<string, DemandState> {
    const rows = this.db.select().from(t.demand).all();
    return new Map(rows.map(({ location, ...d }) => [location, d]));
  }

  saveDemand(location: string, d: DemandState): void {
    this.sql.exec(SQL.saveDemand, location, d.p, d.z, d.mse, d.today, d.day, d.days);
  }

  getHold(id: string): HoldRecord | undefined {
    const row = this.sql.exec<HoldRow>(SQL.getHold, id).toArray()[0];
    return (
      row && {
        id: row.id,
        status: row.status,
        quantity: row.quantity,
        channel: row.channel,
        ref: row.ref,
        // Written only by saveHold below, from allocations already checked.
        allocations: JSON.parse(row.allocations) as Allocation[],
        returned: row.returned,
        expiresAt: row.expires_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }
    );
  }

  saveHold(h: HoldRecord): void {
    this.sql.exec(
      SQL.saveHold,
      h.id,
      h.status,
      h.quantity,
      h.channel,
      h.ref,
      JSON.stringify(h.allocations),
      h.returned,
      h.expiresAt,
      h.createdAt,
      h.updatedAt,
    );
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
    const row = this.sql.exec<{ at: number | null }>(SQL.nextHoldExpiry).toArray()[0];
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
    this.sql.exec(
      SQL.appendEvent,
      e.seq,
      e.type,
      Date.parse(e.at),
      e.actor,
      e.reason,
      e.ref,
      e.idempotencyKey,
      e.holdId,
      e.transferId,
      JSON.stringify(e.deltas),
      JSON.stringify(e.levels),
      JSON.stringify(e.totals),
    );
  }

  /** Events with seq > after, oldest first (the ledger flush reads up to a batch at a time). */
  events(sku: string, after: number, limit: number): StockEvent[] {
    return this.sql
      .exec<EventRow>(SQL.events, after, limit)
      .toArray()
      .map((row) => ({
        sku,
        seq: row.seq,
        type: row.type,
        at: new Date(row.at).toISOString(),
        actor: row.actor,
        reason: row.reason,
        ref: row.ref,
        idempotencyKey: row.idempotency_key,
        holdId: row.hold_id,
        transferId: row.transfer_id,
        // Written only by appendEvent, from an event built by decide: read back without parsing
        // again. Rows from before 0001 have no totals; they fail here as they always did.
        deltas: JSON.parse(row.deltas) as LevelDelta[],
        levels: JSON.parse(row.levels) as LocationStock[],
        totals: row.totals === null ? Totals.parse(null) : (JSON.parse(row.totals) as Totals),
      }));
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
    return this.sql.exec<{ at: number }>(SQL.eventTimeAfter, seq).toArray()[0]?.at ?? null;
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
    this.sql.exec(SQL.setCursor, name, seq);
  }

  /** The caller's record for `key`, or one migrated from before callers were recorded. */
  getIdempotency(caller: string, key: string): { request: string; result: string } | undefined {
    return this.sql
      .exec<{ request: string; result: string }>(SQL.getIdempotency, key, caller)
      .toArray()[0];
  }

  saveIdempotency(caller: string, key: string, request: string, result: string, now: number): void {
    this.sql.exec(SQL.saveIdempotency, caller, key, request, result, now);
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
        if (at === null) this.sql.exec(SQL.deleteTimer, name);
        else this.sql.exec(SQL.saveTimer, name, at);
      },
    };
  }

  /** Runs `fn` atomically: every write in it commits together or not at all. */
  atomically<T>(fn: () => T): T {
    return this.transactionSync(fn);
  }
}
