import { and, asc, count, desc, eq, gt, inArray, lt, or } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import type { TimerStore } from '../sku-stock/alarm-scheduler';
import * as t from './schema';

// Everything the AdsSync object reads and writes in its SQLite, synchronously.

type Db = DrizzleSqliteDODatabase<typeof t>;
export type ConnectionRow = typeof t.connection.$inferSelect;
export type ActionRow = typeof t.actions.$inferSelect;
export type MappingRow = typeof t.mappings.$inferSelect;

/** A Durable Object's SQLite refuses statements with more than 100 bound parameters. */
const MAX_BOUND_PARAMS = 100;

export class AdsStore {
  constructor(private readonly db: Db) {}

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

  deleteAll(): void {
    for (const table of [t.connection, t.mappings, t.skus, t.entities, t.actions, t.seen, t.meta]) {
      this.db.delete(table).run();
    }
  }

  // Mappings

  /** Replaces the entities of these SKUs. */
  replaceMappings(
    skus: readonly string[],
    rows: readonly { sku: string; entity: string; external: unknown }[],
    now: number,
  ): void {
    for (let i = 0; i < skus.length; i += MAX_BOUND_PARAMS) {
      this.db
        .delete(t.mappings)
        .where(inArray(t.mappings.sku, skus.slice(i, i + MAX_BOUND_PARAMS)))
        .run();
    }
    for (const r of rows) {
      const external = JSON.stringify(r.external);
      this.db
        .insert(t.mappings)
        .values({ sku: r.sku, entity: r.entity, external, updatedAt: now })
        .run();
      this.db
        .insert(t.entities)
        .values({ entity: r.entity, external, pushed: 'serving', updatedAt: now })
        .onConflictDoUpdate({ target: t.entities.entity, set: { external } })
        .run();
    }
  }

  mappingsOf(sku: string): MappingRow[] {
    return this.db.select().from(t.mappings).where(eq(t.mappings.sku, sku)).all();
  }

  /** Mapped SKUs after `cursor`, in code order. */
  mappedSkusAfter(cursor: string | undefined, limit: number): string[] {
    return this.db
      .selectDistinct({ sku: t.mappings.sku })
      .from(t.mappings)
      .where(cursor === undefined ? undefined : gt(t.mappings.sku, cursor))
      .orderBy(asc(t.mappings.sku))
      .limit(limit)
      .all()
      .map((r) => r.sku);
  }

  skusOfEntity(entity: string): string[] {
    return this.db
      .select({ sku: t.mappings.sku })
      .from(t.mappings)
      .where(eq(t.mappings.entity, entity))
      .all()
      .map((r) => r.sku);
  }

  // SKUs and entities

  sku(sku: string) {
    return this.db.select().from(t.skus).where(eq(t.skus.sku, sku)).get();
  }

  saveSku(sku: string, facts: unknown, soldOut: boolean, now: number): void {
    const values = { sku, facts: JSON.stringify(facts), soldOut, updatedAt: now };
    this.db
      .insert(t.skus)
      .values(values)
      .onConflictDoUpdate({ target: t.skus.sku, set: values })
      .run();
  }

  soldOutSkus(skus: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (let i = 0; i < skus.length; i += MAX_BOUND_PARAMS) {
      const rows = this.db
        .select({ sku: t.skus.sku })
        .from(t.skus)
        .where(
          and(inArray(t.skus.sku, skus.slice(i, i + MAX_BOUND_PARAMS)), eq(t.skus.soldOut, true)),
        )
        .all();
      for (const r of rows) out.add(r.sku);
    }
    return out;
  }

  entity(entity: string) {
    return this.db.select().from(t.entities).where(eq(t.entities.entity, entity)).get();
  }

  setPushed(entity: string, pushed: string, now: number): void {
    this.db
      .update(t.entities)
      .set({ pushed, updatedAt: now })
      .where(eq(t.entities.entity, entity))
      .run();
  }

  // Actions

  addAction(row: Omit<ActionRow, 'id'>): number {
    const r = this.db.insert(t.actions).values(row).returning({ id: t.actions.id }).get();
    return r.id;
  }

  updateAction(id: number, set: Partial<Omit<ActionRow, 'id'>>): void {
    this.db.update(t.actions).set(set).where(eq(t.actions.id, id)).run();
  }

  /** The entity's actions still to do or in flight, oldest first. */
  openActions(entity: string): ActionRow[] {
    return this.db
      .select()
      .from(t.actions)
      .where(
        and(
          eq(t.actions.entity, entity),
          or(eq(t.actions.status, 'queued'), eq(t.actions.status, 'sending')),
        ),
      )
      .orderBy(asc(t.actions.id))
      .all();
  }

  /** Queued actions, pauses first (a sold-out ad costs money), then in order of decision. */
  queued(limit: number): ActionRow[] {
    const byStatus = (action: string) =>
      this.db
        .select()
        .from(t.actions)
        .where(and(eq(t.actions.status, 'queued'), eq(t.actions.action, action)))
        .orderBy(asc(t.actions.id))
        .limit(limit)
        .all();
    return [...byStatus('pause'), ...byStatus('resume')].slice(0, limit);
  }

  actionsByIds(ids: readonly number[]): ActionRow[] {
    return ids.length === 0
      ? []
      : this.db
          .select()
          .from(t.actions)
          .where(inArray(t.actions.id, [...ids]))
          .all();
  }

  actionsPage(before: number | undefined, limit: number, sku: string | undefined): ActionRow[] {
    const conds = [
      before === undefined ? undefined : lt(t.actions.id, before),
      sku === undefined ? undefined : eq(t.actions.sku, sku),
    ];
    return this.db
      .select()
      .from(t.actions)
      .where(and(...conds))
      .orderBy(desc(t.actions.id))
      .limit(limit)
      .all();
  }

  // Figures

  counts() {
    const one = (q: { n: number } | undefined) => q?.n ?? 0;
    return {
      entities: one(this.db.select({ n: count() }).from(t.entities).get()),
      paused: one(
        this.db
          .select({ n: count() })
          .from(t.entities)
          .where(eq(t.entities.pushed, 'paused'))
          .get(),
      ),
      open: one(
        this.db
          .select({ n: count() })
          .from(t.actions)
          .where(or(eq(t.actions.status, 'queued'), eq(t.actions.status, 'sending')))
          .get(),
      ),
      skus: one(this.db.select({ n: count() }).from(t.skus).get()),
      soldOut: one(
        this.db.select({ n: count() }).from(t.skus).where(eq(t.skus.soldOut, true)).get(),
      ),
    };
  }

  // Signals seen

  /** Records the id; false when it was seen before. */
  firstSight(id: string, now: number): boolean {
    const r = this.db
      .insert(t.seen)
      .values({ id, at: now })
      .onConflictDoNothing()
      .returning({ id: t.seen.id })
      .get();
    return r !== undefined;
  }

  forgetSeenBefore(at: number): void {
    this.db.delete(t.seen).where(lt(t.seen.at, at)).run();
  }

  // Meta

  getMeta(key: string): unknown {
    const r = this.db.select().from(t.meta).where(eq(t.meta.key, key)).get();
    return r === undefined ? undefined : JSON.parse(r.value);
  }

  setMeta(key: string, value: unknown): void {
    if (value === undefined) {
      this.db.delete(t.meta).where(eq(t.meta.key, key)).run();
      return;
    }
    const v = { key, value: JSON.stringify(value) };
    this.db.insert(t.meta).values(v).onConflictDoUpdate({ target: t.meta.key, set: v }).run();
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
