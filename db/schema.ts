import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

/** ISO 8601 UTC with milliseconds, the same shape as `Date.prototype.toISOString()`. */
export const nowIso = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

const timestamps = {
  createdAt: text('created_at').notNull().default(nowIso),
  updatedAt: text('updated_at').notNull().default(nowIso),
};

/** The product catalog: one row per SKU; its stock lives in the SKU's SkuStock object. */
export const skus = sqliteTable(
  'skus',
  {
    code: text('code').primaryKey(),
    title: text('title').notNull(),
    gtin: text('gtin'),
    // A JSON object of string → string | number | boolean; parsed with zod when read.
    attributes: text('attributes', { mode: 'json' }).$type<unknown>().notNull().default({}),
    backorderPolicy: text('backorder_policy', { enum: ['deny', 'continue'] })
      .notNull()
      .default('deny'),
    ...timestamps,
  },
  (t) => [check('skus_backorder_policy', sql`${t.backorderPolicy} in ('deny', 'continue')`)],
);

/** Where stock physically is: warehouses, stores and drop-shippers. */
export const locations = sqliteTable(
  'locations',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['warehouse', 'store', 'dropship'] }).notNull(),
    region: text('region').notNull(),
    country: text('country').notNull(),
    latitude: real('latitude').notNull(),
    longitude: real('longitude').notNull(),
    ...timestamps,
  },
  (t) => [check('locations_kind', sql`${t.kind} in ('warehouse', 'store', 'dropship')`)],
);

/** Where stock is sold, and the rules that turn availability into a listed quantity. */
export const channels = sqliteTable(
  'channels',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['storefront', 'marketplace', 'store', 'custom'] }).notNull(),
    // JSON array of location codes, in priority order.
    locations: text('locations', { mode: 'json' }).$type<unknown>().notNull(),
    percentage: integer('percentage').notNull().default(100),
    buffer: integer('buffer').notNull().default(0),
    maxListed: integer('max_listed'),
    endWhen: integer('end_when').notNull().default(0),
    routing: text('routing', { enum: ['priority', 'nearest'] })
      .notNull()
      .default('priority'),
    allowSplit: integer('allow_split', { mode: 'boolean' }).notNull().default(false),
    ...timestamps,
  },
  (t) => [
    check('channels_kind', sql`${t.kind} in ('storefront', 'marketplace', 'store', 'custom')`),
    check('channels_percentage', sql`${t.percentage} between 1 and 100`),
    check('channels_buffer', sql`${t.buffer} >= 0`),
    check('channels_end_when', sql`${t.endWhen} >= 0`),
    check('channels_routing', sql`${t.routing} in ('priority', 'nearest')`),
  ],
);

/** API keys: only the SHA-256 of the whole key is stored; the key itself is shown once. */
export const apiKeys = sqliteTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role', {
    enum: ['admin', 'storefront', 'warehouse', 'connector', 'viewer'],
  }).notNull(),
  channels: text('channels', { mode: 'json' }).$type<unknown>().notNull(),
  locations: text('locations', { mode: 'json' }).$type<unknown>().notNull(),
  hash: text('hash').notNull().unique(),
  createdAt: text('created_at').notNull().default(nowIso),
  revokedAt: text('revoked_at'),
  lastUsedAt: text('last_used_at'),
});

/**
 * The movement ledger: every SkuStock event, flushed from the object's outbox in batches.
 * `id` orders the whole ledger for paging; (sku, seq) makes a re-sent event a no-op.
 */
export const movements = sqliteTable(
  'movements',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sku: text('sku').notNull(),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    ref: text('ref'),
    idempotencyKey: text('idempotency_key'),
    holdId: text('hold_id'),
    transferId: text('transfer_id'),
    // JSON arrays of the event's LevelDelta and LocationStock after it; JSON totals after it.
    deltas: text('deltas').notNull(),
    levels: text('levels').notNull(),
    totals: text('totals').notNull(),
    recordedAt: text('recorded_at').notNull().default(nowIso),
  },
  // Every filter of GET /v1/movements is answered from one of these, in page order: `(col, id)`
  // for recording order, `(col, at)` (SQLite appends the id) for a time window in event-time order.
  (t) => [
    uniqueIndex('movements_sku_seq').on(t.sku, t.seq),
    index('movements_at').on(t.at),
    index('movements_ref').on(t.ref),
    index('movements_sku_id').on(t.sku, t.id),
    index('movements_sku_at').on(t.sku, t.at),
    index('movements_actor_id').on(t.actor, t.id),
    index('movements_actor_at').on(t.actor, t.at),
    index('movements_type_id').on(t.type, t.id),
    index('movements_reason_id').on(t.reason, t.id),
  ],
);

/**
 * The movements that touched each location, in recording and in event-time order: what a
 * location filter or a warehouse key's scope reads. Derived, never written by the Worker: a
 * trigger on `movements` fills it from each row's deltas (migration 0003).
 */
export const locationMovements = sqliteTable(
  'location_movements',
  {
    location: text('location').notNull(),
    movementId: integer('movement_id').notNull(),
    at: text('at').notNull(),
  },
  (t) => [
    uniqueIndex('location_movements_location_id').on(t.location, t.movementId),
    index('location_movements_location_at').on(t.location, t.at, t.movementId),
  ],
);

/** One row per location an event moved, with the deltas: what the ledger is folded from. */
export const movementLocations = sqliteTable(
  'movement_locations',
  {
    sku: text('sku').notNull(),
    seq: integer('seq').notNull(),
    location: text('location').notNull(),
    onHand: integer('on_hand').notNull(),
    reserved: integer('reserved').notNull(),
    committed: integer('committed').notNull(),
    unavailable: integer('unavailable').notNull(),
    safetyStock: integer('safety_stock').notNull(),
    incoming: integer('incoming').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sku, t.seq, t.location] }),
    index('movement_locations_location').on(t.location, t.sku, t.seq),
  ],
);

/** Kits (bundles): a kit SKU has no stock of its own; holding one holds its components. */
export const kits = sqliteTable(
  'kits',
  {
    kitSku: text('kit_sku')
      .notNull()
      .references(() => skus.code),
    componentSku: text('component_sku')
      .notNull()
      .references(() => skus.code),
    /** Units of the component in one kit. */
    quantity: integer('quantity').notNull(),
    createdAt: text('created_at').notNull().default(nowIso),
  },
  (t) => [
    primaryKey({ columns: [t.kitSku, t.componentSku] }),
    index('kits_component').on(t.componentSku),
    check('kits_quantity', sql`${t.quantity} >= 1`),
    check('kits_not_self', sql`${t.kitSku} <> ${t.componentSku}`),
  ],
);

/** Ads connections by name (each kept by its AdsSync object): whom stock signals go to. */
export const adsConnections = sqliteTable('ads_connections', {
  name: text('name').primaryKey(),
  kind: text('kind').notNull(),
  /** The channel whose listed quantity the connection's ads follow. */
  channel: text('channel').notNull(),
  ...timestamps,
});

/** Replenishment settings per location (docs/recommendations.md); no row: the defaults. */
export const locationPolicies = sqliteTable(
  'location_policies',
  {
    location: text('location')
      .primaryKey()
      .references(() => locations.code),
    /** Supplier lead time in days, and its spread (standard deviation, days). */
    leadTimeDays: real('lead_time_days').notNull(),
    leadTimeSpreadDays: real('lead_time_spread_days').notNull(),
    reviewPeriodDays: real('review_period_days').notNull(),
    serviceLevel: real('service_level').notNull(),
    ...timestamps,
  },
  (t) => [check('location_policies_service_level', sql`${t.serviceLevel} between 0.5 and 0.999`)],
);

/** Moving stock from one location to another; no row: the default for the two regions. */
export const transferLanes = sqliteTable(
  'transfer_lanes',
  {
    fromLocation: text('from_location')
      .notNull()
      .references(() => locations.code),
    toLocation: text('to_location')
      .notNull()
      .references(() => locations.code),
    leadTimeDays: real('lead_time_days').notNull(),
    costPerUnit: real('cost_per_unit').notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.fromLocation, t.toLocation] }),
    check('transfer_lanes_not_self', sql`${t.fromLocation} <> ${t.toLocation}`),
  ],
);

/**
 * What to order and what to move, one row per (kind, SKU, location or lane) with a stable id,
 * upserted by every recompute of the SKU. `basis` holds the involved locations' available units
 * at compute time: apply refuses once they moved.
 */
export const recommendations = sqliteTable(
  'recommendations',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['replenish', 'transfer'] }).notNull(),
    sku: text('sku').notNull(),
    /** Where the units go: the ordering location, or a transfer's destination. */
    location: text('location').notNull(),
    /** A transfer's source; null for a supplier order. */
    fromLocation: text('from_location'),
    quantity: integer('quantity').notNull(),
    urgentAt: text('urgent_at').notNull(),
    reason: text('reason').notNull(),
    // JSON: the figures behind the reason, and { location: available } at compute time.
    numbers: text('numbers').notNull(),
    basis: text('basis').notNull(),
    /** The SKU's event seq the figures were computed from. */
    seq: integer('seq').notNull(),
    status: text('status', { enum: ['open', 'applied', 'dismissed', 'expired'] })
      .notNull()
      .default('open'),
    /** Counts each time the figures change: apply's idempotency key includes it. */
    revision: integer('revision').notNull().default(1),
    dismissedAt: text('dismissed_at'),
    dismissedQuantity: integer('dismissed_quantity'),
    appliedAt: text('applied_at'),
    // JSON: what apply did (the stock event's seq, the transfer id).
    applied: text('applied'),
    computedAt: text('computed_at').notNull(),
    ...timestamps,
  },
  (t) => [
    check('recommendations_kind', sql`${t.kind} in ('replenish', 'transfer')`),
    check(
      'recommendations_status',
      sql`${t.status} in ('open', 'applied', 'dismissed', 'expired')`,
    ),
    index('recommendations_status_urgent').on(t.status, t.urgentAt, t.id),
    index('recommendations_sku').on(t.sku, t.status),
    index('recommendations_location').on(t.location, t.status, t.urgentAt),
    index('recommendations_from').on(t.fromLocation, t.status, t.urgentAt),
  ],
);

/**
 * Overrides of the stock signals' thresholds (docs/signals.md), per SKU, location or channel;
 * pushed to the SkuStock objects and stream hubs that judge them, so no mutation reads D1.
 */
export const signalThresholds = sqliteTable(
  'signal_thresholds',
  {
    scope: text('scope', { enum: ['sku', 'location', 'channel'] }).notNull(),
    code: text('code').notNull(),
    /** JSON of the overrides (protocol/thresholds.ts); a field left out inherits. */
    thresholds: text('thresholds').notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.scope, t.code] }),
    check('signal_thresholds_scope', sql`${t.scope} in ('sku', 'location', 'channel')`),
  ],
);
