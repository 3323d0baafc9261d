import { and, asc, eq, gt, gte, lt, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { catalogDb } from '../../db/client';
import { movements } from '../../db/schema';
import type { Movement, MovementFilter } from '../../protocol/ledger';
import { EventType, LevelDelta, LocationStock } from '../../protocol/stock';

const Deltas = z.array(LevelDelta);
const Levels = z.array(LocationStock);
const Totals = LocationStock.omit({ location: true });

/** A ledger row as the API shows it; the JSON columns are parsed, never trusted. */
export const toMovement = (row: typeof movements.$inferSelect): Movement => ({
  id: row.id,
  sku: row.sku,
  seq: row.seq,
  type: EventType.parse(row.type),
  at: row.at,
  actor: row.actor,
  reason: row.reason,
  ref: row.ref,
  idempotencyKey: row.idempotencyKey,
  holdId: row.holdId,
  transferId: row.transferId,
  deltas: Deltas.parse(JSON.parse(row.deltas)),
  levels: Levels.parse(JSON.parse(row.levels)),
  totals: Totals.parse(JSON.parse(row.totals)),
  recordedAt: row.recordedAt,
});

const conditions = (f: MovementFilter): SQL[] => {
  const where: (SQL | undefined)[] = [
    f.sku === undefined ? undefined : eq(movements.sku, f.sku),
    f.type === undefined ? undefined : eq(movements.type, f.type),
    f.reason === undefined ? undefined : eq(movements.reason, f.reason),
    f.ref === undefined ? undefined : eq(movements.ref, f.ref),
    f.actor === undefined ? undefined : eq(movements.actor, f.actor),
    f.from === undefined ? undefined : gte(movements.at, new Date(f.from).toISOString()),
    f.to === undefined ? undefined : lt(movements.at, new Date(f.to).toISOString()),
    f.location === undefined
      ? undefined
      : sql`exists (select 1 from movement_locations ml where ml.sku = ${movements.sku} and ml.seq = ${movements.seq} and ml.location = ${f.location})`,
  ];
  return where.filter((c): c is SQL => c !== undefined);
};

/** One page of the ledger in recording order, filtered; `cursor` is the last id seen. */
export const queryMovements = async (
  env: Env,
  filter: MovementFilter,
  cursor: number | undefined,
  limit: number,
): Promise<{ items: Movement[]; next: number | null }> => {
  const rows = await catalogDb(env)
    .select()
    .from(movements)
    .where(and(...conditions(filter), cursor === undefined ? undefined : gt(movements.id, cursor)))
    .orderBy(asc(movements.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map(toMovement);
  return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
};

/** One SKU's ledger in seq order after `after`: stable however many writes come meanwhile. */
export const skuHistory = async (env: Env, sku: string, after: number, limit: number) => {
  const rows = await catalogDb(env)
    .select()
    .from(movements)
    .where(and(eq(movements.sku, sku), gt(movements.seq, after)))
    .orderBy(asc(movements.seq))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map(toMovement);
  return { sku, items, next: rows.length > limit ? (items.at(-1)?.seq ?? null) : null };
};
