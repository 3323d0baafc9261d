import { and, eq, getTableColumns, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { locationMovements, movements } from '../../db/schema';
import type { LedgerQuery } from './scope';

// Each page is read from one index whose order is the page's order, so a page reads about as many
// rows as it returns (more only when other filters reject some) and sorts nothing. `INDEXED BY`
// pins that index: SQLite refuses the statement rather than quietly scan the ledger.

/** Pages come in recording order (id); a time window comes in event-time order (at, then id). */
export const isWindow = (q: LedgerQuery): boolean => q.from !== undefined || q.to !== undefined;

/** The filter a page is read by, the most selective first; `ledger` is the whole ledger by id. */
export type Driver =
  | 'ref'
  | 'sku'
  | 'locations'
  | 'actor'
  | 'window'
  | 'reason'
  | 'type'
  | 'ledger';

export const driverOf = (q: LedgerQuery): Driver => {
  if (q.ref !== undefined) return 'ref';
  if (q.sku !== undefined) return 'sku';
  if (q.locations !== undefined) return 'locations';
  if (q.actor !== undefined) return 'actor';
  if (isWindow(q)) return 'window';
  if (q.reason !== undefined) return 'reason';
  if (q.type !== undefined) return 'type';
  return 'ledger';
};

// The index of `movements` each driver reads, by page order. A reference has few movements, so a
// window on one sorts them rather than keep one more index; reason and type under a window are
// read by the window (driverOf never picks them there).
const INDEX: Record<Exclude<Driver, 'locations' | 'ledger'>, [byId: string, byAt: string]> = {
  ref: ['movements_ref', 'movements_ref'],
  sku: ['movements_sku_id', 'movements_sku_at'],
  actor: ['movements_actor_id', 'movements_actor_at'],
  window: ['movements_at', 'movements_at'],
  reason: ['movements_reason_id', 'movements_at'],
  type: ['movements_type_id', 'movements_at'],
};

const COLUMNS = sql.join(
  Object.values(getTableColumns(movements)).map((c) => sql`${movements}.${sql.identifier(c.name)}`),
  sql`, `,
);

/** Conditions on the movement itself, whichever index feeds it; `from` is part of the position. */
const filters = (q: LedgerQuery): (SQL | undefined)[] => [
  q.sku === undefined ? undefined : eq(movements.sku, q.sku),
  q.type === undefined ? undefined : eq(movements.type, q.type),
  q.reason === undefined ? undefined : eq(movements.reason, q.reason),
  q.ref === undefined ? undefined : eq(movements.ref, q.ref),
  q.actor === undefined ? undefined : eq(movements.actor, q.actor),
  q.to === undefined ? undefined : lt(movements.at, new Date(q.to).toISOString()),
];

/** The movement touched one of these locations: one index probe per location. */
export const touchesAny = (locations: readonly string[]): SQL =>
  sql`exists (select 1 from ${locationMovements} lm where lm.movement_id = ${movements.id} and ${inArray(sql`lm.location`, [...locations])})`;

/**
 * Where a page starts, exclusive: after an id in recording order, or after an (at, id) pair in
 * event-time order. One bound, so SQLite seeks to it instead of filtering from the window's start.
 */
export type Position = { order: 'id'; after: number } | { order: 'at'; after?: [string, number] };

/**
 * The position after `cursor` (the last id of the previous page), given the cursor's own `at` in
 * event-time order: the later of the cursor and the window's start.
 */
export const positionOf = (
  q: LedgerQuery,
  cursor: number | undefined,
  cursorAt: string | undefined,
): Position => {
  if (!isWindow(q)) return { order: 'id', after: cursor ?? 0 };
  // (at, id) > (from, 0) is at >= from, ids starting at 1.
  const start: [string, number] | undefined =
    q.from === undefined ? undefined : [new Date(q.from).toISOString(), 0];
  const cur: [string, number] | undefined =
    cursor === undefined || cursorAt === undefined ? undefined : [cursorAt, cursor];
  if (start === undefined) return { order: 'at', ...(cur && { after: cur }) };
  if (cur === undefined) return { order: 'at', after: start };
  const later = cur[0] > start[0] || (cur[0] === start[0] && cur[1] > start[1]) ? cur : start;
  return { order: 'at', after: later };
};

const after = (at: SQL, id: SQL, p: Position): SQL | undefined => {
  if (p.order === 'id') return sql`${id} > ${p.after}`;
  return p.after === undefined ? undefined : sql`(${at}, ${id}) > (${p.after[0]}, ${p.after[1]})`;
};

const orderBy = (at: SQL, id: SQL, p: Position) =>
  p.order === 'at' ? sql`order by ${at}, ${id}` : sql`order by ${id}`;

/**
 * The statements that read one page of at most `limit` movements after `position`: one, or one
 * per location when the page is read by several locations (the caller merges them).
 */
export const pageStatements = (q: LedgerQuery, position: Position, limit: number): SQL[] => {
  const window = position.order === 'at';
  const driver = driverOf(q);
  if (driver === 'locations') {
    const index = window ? 'location_movements_location_at' : 'location_movements_location_id';
    const at = sql`${locationMovements}.at`;
    const id = sql`${locationMovements}.movement_id`;
    return (q.locations ?? []).map(
      (location) =>
        sql`select ${COLUMNS} from ${locationMovements} indexed by ${sql.identifier(index)} cross join ${movements} where ${and(
          eq(locationMovements.location, location),
          eq(movements.id, locationMovements.movementId),
          after(at, id, position),
          ...filters(q),
        )} ${orderBy(at, id, position)} limit ${limit}`,
    );
  }
  const from =
    driver === 'ledger'
      ? sql`${movements}`
      : sql`${movements} indexed by ${sql.identifier(INDEX[driver][window ? 1 : 0])}`;
  const at = sql`${movements}.at`;
  const id = sql`${movements}.id`;
  const where = and(
    after(at, id, position),
    ...filters(q),
    q.locations === undefined ? undefined : touchesAny(q.locations),
  );
  return [
    sql`select ${COLUMNS} from ${from}${where === undefined ? sql`` : sql` where ${where}`} ${orderBy(at, id, position)} limit ${limit}`,
  ];
};
