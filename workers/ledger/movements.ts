import { and, asc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import { catalogDb } from '../../db/client';
import { movements } from '../../db/schema';
import { err, ok, type Result } from '../../protocol/errors';
import type { Movement } from '../../protocol/ledger';
import { EventType, LevelDelta, LocationStock } from '../../protocol/stock';
import { isWindow, type Position, pageStatements, positionOf, touchesAny } from './query-plan';
import type { LedgerQuery } from './scope';

type Row = typeof movements.$inferSelect;

const Deltas = z.array(LevelDelta);
const Levels = z.array(LocationStock);
const Totals = LocationStock.omit({ location: true });

/** A ledger row as the API shows it; the JSON columns are parsed, never trusted. */
export const toMovement = (row: Row): Movement => ({
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

/** A row as D1 returns it to raw SQL: snake_case columns, parsed into the schema's shape. */
const RawRow = z
  .object({
    id: z.number().int(),
    sku: z.string(),
    seq: z.number().int(),
    type: z.string(),
    at: z.string(),
    actor: z.string(),
    reason: z.string(),
    ref: z.string().nullable(),
    idempotency_key: z.string().nullable(),
    hold_id: z.string().nullable(),
    transfer_id: z.string().nullable(),
    deltas: z.string(),
    levels: z.string(),
    totals: z.string(),
    recorded_at: z.string(),
  })
  .transform(
    (r): Row => ({
      id: r.id,
      sku: r.sku,
      seq: r.seq,
      type: r.type,
      at: r.at,
      actor: r.actor,
      reason: r.reason,
      ref: r.ref,
      idempotencyKey: r.idempotency_key,
      holdId: r.hold_id,
      transferId: r.transfer_id,
      deltas: r.deltas,
      levels: r.levels,
      totals: r.totals,
      recordedAt: r.recorded_at,
    }),
  );
const RawRows = z.array(RawRow);

/** The first `limit` rows of several page statements in the page's order, each movement once. */
const merge = (pages: Row[][], window: boolean, limit: number): Row[] => {
  const rows = [...new Map(pages.flat().map((r) => [r.id, r])).values()];
  rows.sort((a, b) => (window && a.at !== b.at ? (a.at < b.at ? -1 : 1) : a.id - b.id));
  return rows.slice(0, limit);
};

/** Where the page after `cursor` starts; a time window needs the cursor's own `at`. */
const positionAfter = async (
  env: Env,
  query: LedgerQuery,
  cursor: number | undefined,
): Promise<Result<Position>> => {
  if (cursor === undefined || !isWindow(query)) return ok(positionOf(query, cursor, undefined));
  const [row] = await catalogDb(env)
    .select({ at: movements.at })
    .from(movements)
    .where(eq(movements.id, cursor));
  if (row === undefined) {
    return err(
      'validation_failed',
      `cursor ${cursor} names no movement: pass the \`next\` of the previous page`,
      { cursor },
    );
  }
  return ok(positionOf(query, cursor, row.at));
};

/** One page of the ledger, filtered and scoped; `cursor` is the `next` of the previous page. */
export const queryMovements = async (
  env: Env,
  query: LedgerQuery,
  cursor: number | undefined,
  limit: number,
): Promise<Result<{ items: Movement[]; next: number | null }>> => {
  const position = await positionAfter(env, query, cursor);
  if (!position.ok) return position;
  const db = catalogDb(env);
  const statements = pageStatements(query, position.value, limit + 1);
  const pages = await Promise.all(statements.map(async (s) => RawRows.parse(await db.all(s))));
  const rows = merge(pages, position.value.order === 'at', limit + 1);
  const items = rows.slice(0, limit).map(toMovement);
  return ok({ items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null });
};

/**
 * One SKU's ledger in seq order after `after`, within the key's scope: stable however many
 * writes come meanwhile.
 */
export const skuHistory = async (
  env: Env,
  sku: string,
  after: number,
  limit: number,
  scope: Pick<LedgerQuery, 'actor' | 'locations'> = {},
) => {
  const rows =
    scope.locations?.length === 0
      ? []
      : await catalogDb(env)
          .select()
          .from(movements)
          .where(
            and(
              eq(movements.sku, sku),
              gt(movements.seq, after),
              scope.actor === undefined ? undefined : eq(movements.actor, scope.actor),
              scope.locations === undefined ? undefined : touchesAny(scope.locations),
            ),
          )
          .orderBy(asc(movements.seq))
          .limit(limit + 1);
  const items = rows.slice(0, limit).map(toMovement);
  return { sku, items, next: rows.length > limit ? (items.at(-1)?.seq ?? null) : null };
};
