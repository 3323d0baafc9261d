import { and, asc, count, eq, gt, gte, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import type { TimerStore } from '../sku-stock/alarm-scheduler';
import type { ShardCursor } from './cursors';
import { ItemError, Rejection, type SyncItem } from './item';
import type { AttemptSlot, SyncRepo } from './repo';
import * as t from './schema';

type Db = DrizzleSqliteDODatabase<typeof t>;

/** A SQLite row holds at most 2 MB: large attempts are stored in parts of this many characters. */
const PART_CHARS = 256 * 1024;
/** A Durable Object's SQLite refuses statements with more than 100 bound parameters. */
const MAX_BOUND_PARAMS = 100;

/** putItems' statement: the same row drizzle's upsert writes (schema.ts `items`). */
const UPSERT_ITEM = `INSERT INTO items (sku, shard, listed, cursor, changed_at, pushed, reread, rejected, pushed_at, error)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (sku) DO UPDATE SET shard = excluded.shard, listed = excluded.listed,
    cursor = excluded.cursor, changed_at = excluded.changed_at, pushed = excluded.pushed,
    reread = excluded.reread, rejected = excluded.rejected, pushed_at = excluded.pushed_at,
    error = excluded.error`;

/** The stored connection; settings and credential fields as JSON, credentials sealed. */
export type ConnectionRow = typeof t.connection.$inferSelect;

const toItem = (r: typeof t.items.$inferSelect): SyncItem => ({
  ...r,
  rejected: r.rejected === null ? null : Rejection.parse(JSON.parse(r.rejected)),
  error: r.error === null ? null : ItemError.parse(JSON.parse(r.error)),
});

/** Everything the ChannelSync object reads and writes in its SQLite, synchronously. */
export class SyncStore implements SyncRepo {
  /** The stored parts of each attempt slot, so a step rewrites only the parts that changed. */
  private readonly parts = new Map<AttemptSlot, string[]>();

  /**
   * `sql`: the object's SQLite handle, for the writes a push repeats per item (putItems), which
   * drizzle's query building would cost more than the statement itself.
   */
  constructor(
    private readonly db: Db,
    private readonly sql?: SqlStorage,
  ) {}

  connection(): ConnectionRow | undefined {
    return this.db.select().from(t.connection).where(eq(t.connection.id, 1)).get();
  }

  saveConnection(row: Omit<ConnectionRow, 'id'>): void {
    this.db
      .insert(t.connection)
      .values({ id: 1, ...row })
      .onConflictDoUpdate({ target: t.connection.id, set: row })
      .run();
  }

  updateConnection(set: Partial<Omit<ConnectionRow, 'id'>>): void {
    this.db.update(t.connection).set(set).where(eq(t.connection.id, 1)).run();
  }

  /** Forgets the connection, its mappings and its sync state. */
  deleteAll(): void {
    this.db.delete(t.connection).run();
    this.db.delete(t.mappings).run();
    this.clearSync();
  }

  // Mappings

  mapping(sku: string): unknown {
    const r = this.db.select().from(t.mappings).where(eq(t.mappings.sku, sku)).get();
    return r === undefined ? undefined : JSON.parse(r.external);
  }

  mappingsOf(skus: readonly string[]): Map<string, unknown> {
    const found = new Map<string, unknown>();
    for (let i = 0; i < skus.length; i += MAX_BOUND_PARAMS) {
      const chunk = skus.slice(i, i + MAX_BOUND_PARAMS);
      for (const r of this.db
        .select({ sku: t.mappings.sku, external: t.mappings.external })
        .from(t.mappings)
        .where(inArray(t.mappings.sku, chunk))
        .all()) {
        found.set(r.sku, JSON.parse(r.external));
      }
    }
    return found;
  }

  mappingRow(sku: string) {
    return this.db.select().from(t.mappings).where(eq(t.mappings.sku, sku)).get();
  }

  putMappings(rows: readonly { sku: string; external: unknown }[], now: number): void {
    for (const r of rows) {
      const values = { sku: r.sku, external: JSON.stringify(r.external), updatedAt: now };
      this.db
        .insert(t.mappings)
        .values(values)
        .onConflictDoUpdate({ target: t.mappings.sku, set: values })
        .run();
    }
  }

  /** Which of these SKUs have a mapping. */
  mapped(skus: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (let i = 0; i < skus.length; i += MAX_BOUND_PARAMS) {
      const chunk = skus.slice(i, i + MAX_BOUND_PARAMS);
      for (const r of this.db
        .select({ sku: t.mappings.sku })
        .from(t.mappings)
        .where(inArray(t.mappings.sku, chunk))
        .all()) {
        found.add(r.sku);
      }
    }
    return found;
  }

  mappingsAfter(cursor: string | undefined, limit: number) {
    return this.db
      .select()
      .from(t.mappings)
      .where(cursor === undefined ? undefined : gt(t.mappings.sku, cursor))
      .orderBy(asc(t.mappings.sku))
      .limit(limit)
      .all();
  }

  clearMappings(): void {
    this.db.delete(t.mappings).run();
  }

  // Sync state (SyncRepo)

  item(sku: string): SyncItem | undefined {
    const r = this.db.select().from(t.items).where(eq(t.items.sku, sku)).get();
    return r && toItem(r);
  }

  pendingItems(): SyncItem[] {
    return this.db
      .select()
      .from(t.items)
      .where(or(isNull(t.items.pushed), ne(t.items.pushed, t.items.listed)))
      .all()
      .map(toItem);
  }

  /** SKUs whose listed quantity the marketplace refused: how many, and the first `limit`. */
  rejected(limit: number): { count: number; items: SyncItem[] } {
    const refused = sql`${t.items.rejected} is not null
      and json_extract(${t.items.rejected}, '$.quantity') = ${t.items.listed}`;
    const [c] = this.db.select({ n: count() }).from(t.items).where(refused).all();
    const items = this.db
      .select()
      .from(t.items)
      .where(refused)
      .orderBy(asc(t.items.sku))
      .limit(limit)
      .all()
      .map(toItem);
    return { count: c?.n ?? 0, items };
  }

  putItems(items: readonly SyncItem[]): void {
    const sql = this.sql;
    if (sql !== undefined) {
      for (const i of items) {
        sql.exec(
          UPSERT_ITEM,
          i.sku,
          i.shard,
          i.listed,
          i.cursor,
          i.changedAt,
          i.pushed,
          i.reread ? 1 : 0,
          i.rejected === null ? null : JSON.stringify(i.rejected),
          i.pushedAt,
          i.error === null ? null : JSON.stringify(i.error),
        );
      }
      return;
    }
    for (const i of items) {
      const values = {
        ...i,
        rejected: i.rejected === null ? null : JSON.stringify(i.rejected),
        error: i.error === null ? null : JSON.stringify(i.error),
      };
      const { sku: _sku, ...set } = values;
      this.db.insert(t.items).values(values).onConflictDoUpdate({ target: t.items.sku, set }).run();
    }
  }

  pushedItems(): { sku: string; pushed: number }[] {
    return this.db
      .select({ sku: t.items.sku, pushed: t.items.pushed })
      .from(t.items)
      .where(gt(t.items.pushed, 0))
      .all()
      .flatMap((r) => (r.pushed === null ? [] : [{ sku: r.sku, pushed: r.pushed }]));
  }

  cursors(): ShardCursor[] {
    return this.db.select().from(t.cursors).orderBy(asc(t.cursors.shard)).all();
  }

  putCursor(c: ShardCursor): void {
    const { shard: _shard, ...set } = c;
    this.db.insert(t.cursors).values(c).onConflictDoUpdate({ target: t.cursors.shard, set }).run();
  }

  attempt(slot: AttemptSlot): unknown {
    const rows = this.db
      .select()
      .from(t.attemptParts)
      .where(eq(t.attemptParts.slot, slot))
      .orderBy(asc(t.attemptParts.part))
      .all();
    if (rows.length === 0) return undefined;
    const parts = rows.map((r) => r.data);
    this.parts.set(slot, parts);
    return JSON.parse(parts.join(''));
  }

  putAttempt(slot: AttemptSlot, value: unknown): void {
    const text = JSON.stringify(value);
    const parts: string[] = [];
    for (let i = 0; i < text.length; i += PART_CHARS) parts.push(text.slice(i, i + PART_CHARS));
    const before = this.parts.get(slot) ?? [];
    parts.forEach((data, part) => {
      if (before[part] === data) return;
      this.db
        .insert(t.attemptParts)
        .values({ slot, part, data })
        .onConflictDoUpdate({ target: [t.attemptParts.slot, t.attemptParts.part], set: { data } })
        .run();
    });
    if (before.length > parts.length) {
      this.db
        .delete(t.attemptParts)
        .where(and(eq(t.attemptParts.slot, slot), gte(t.attemptParts.part, parts.length)))
        .run();
    }
    this.parts.set(slot, parts);
  }

  deleteAttempt(slot: AttemptSlot): void {
    this.db.delete(t.attemptParts).where(eq(t.attemptParts.slot, slot)).run();
    this.parts.delete(slot);
  }

  meta(key: string): unknown {
    const r = this.db.select().from(t.meta).where(eq(t.meta.key, key)).get();
    return r === undefined ? undefined : JSON.parse(r.value);
  }

  putMeta(key: string, value: unknown): void {
    const row = { key, value: JSON.stringify(value) };
    this.db
      .insert(t.meta)
      .values(row)
      .onConflictDoUpdate({ target: t.meta.key, set: { value: row.value } })
      .run();
  }

  firstExpectation(orderId: string, now: number): boolean {
    // Kept two days, as long as ChannelOrders remembers a delivery: a later repeat is an old order.
    this.db
      .delete(t.expectations)
      .where(lt(t.expectations.at, now - 48 * 3600_000))
      .run();
    const added = this.db
      .insert(t.expectations)
      .values({ orderId, at: now })
      .onConflictDoNothing()
      .returning({ orderId: t.expectations.orderId })
      .all();
    return added.length > 0;
  }

  clearSync(): void {
    this.db.delete(t.expectations).run();
    this.db.delete(t.items).run();
    this.db.delete(t.cursors).run();
    this.db.delete(t.attemptParts).run();
    this.db.delete(t.meta).run();
    this.parts.clear();
  }

  timers(): TimerStore {
    return {
      load: () =>
        new Map(
          this.db
            .select()
            .from(t.timers)
            .all()
            .map((r) => [r.name, r.at]),
        ),
      save: (name, at) => {
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
}
