import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// The SkuStock object's own SQLite. Changes are drizzle-kit migrations in ./migrations.

/** One row: which SKU this object is, its policy and the head of its event log. */
export const meta = sqliteTable('meta', {
  id: integer('id').primaryKey(),
  sku: text('sku').notNull(),
  policy: text('policy', { enum: ['deny', 'continue'] }).notNull(),
  seq: integer('seq').notNull(),
});

export const levels = sqliteTable('levels', {
  location: text('location').primaryKey(),
  onHand: integer('on_hand').notNull(),
  reserved: integer('reserved').notNull(),
  committed: integer('committed').notNull(),
  unavailable: integer('unavailable').notNull(),
  safetyStock: integer('safety_stock').notNull(),
  incoming: integer('incoming').notNull(),
});

export const holds = sqliteTable(
  'holds',
  {
    id: text('id').primaryKey(),
    status: text('status', {
      enum: ['held', 'committed', 'shipped', 'released', 'expired', 'cancelled'],
    }).notNull(),
    quantity: integer('quantity').notNull(),
    channel: text('channel'),
    /** The ref the hold was placed with (added in 0002). */
    ref: text('ref'),
    /** JSON array of { location, quantity, shipped }. */
    allocations: text('allocations').notNull(),
    returned: integer('returned').notNull(),
    expiresAt: integer('expires_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('holds_expiry').on(t.expiresAt)],
);

export const transfers = sqliteTable('transfers', {
  id: text('id').primaryKey(),
  fromLocation: text('from_location').notNull(),
  toLocation: text('to_location').notNull(),
  quantity: integer('quantity').notNull(),
  received: integer('received').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** The event log, and the outbox the ledger and the stream are fed from. */
export const events = sqliteTable('events', {
  seq: integer('seq').primaryKey(),
  type: text('type').notNull(),
  at: integer('at').notNull(),
  actor: text('actor').notNull(),
  reason: text('reason').notNull(),
  ref: text('ref'),
  idempotencyKey: text('idempotency_key'),
  holdId: text('hold_id'),
  transferId: text('transfer_id'),
  /** JSON array of LevelDelta. */
  deltas: text('deltas').notNull(),
  /** JSON array of LocationStock after the event. */
  levels: text('levels').notNull(),
  /** JSON of the SKU's totals after the event (added in 0001; null on older rows). */
  totals: text('totals'),
});

/** How far each consumer of the event log has got: `ledger` = events up to seq are in D1. */
export const cursors = sqliteTable('cursors', {
  name: text('name').primaryKey(),
  seq: integer('seq').notNull(),
});

/** First results of idempotent requests, kept 24 hours, per caller: a key is its sender's own. */
export const idempotency = sqliteTable(
  'idempotency',
  {
    /** `key:<API key id>` or `checkout`; `*` on rows from before callers were recorded (0003). */
    caller: text('caller').notNull(),
    key: text('key').notNull(),
    /** The canonical request, to tell a replay from a reuse of the key. */
    request: text('request').notNull(),
    /** JSON of the first outcome, success or expected failure. */
    result: text('result').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caller, t.key] }), index('idempotency_age').on(t.createdAt)],
);

/** Named deadlines multiplexed on the object's one alarm. */
export const timers = sqliteTable('timers', {
  name: text('name').primaryKey(),
  at: integer('at').notNull(),
});

/** Demand per location (TSB state, objects/signals/demand.ts), folded from committed units. */
export const demand = sqliteTable('demand', {
  location: text('location').primaryKey(),
  p: real('p').notNull(),
  z: real('z').notNull(),
  mse: real('mse').notNull(),
  today: real('today').notNull(),
  day: integer('day').notNull(),
  days: integer('days').notNull(),
});

/** Each location's stock level against its signal thresholds (signals/threshold.ts), for hysteresis. */
export const signalLevels = sqliteTable('signal_levels', {
  location: text('location').primaryKey(),
  level: text('level', { enum: ['ok', 'low', 'out'] }).notNull(),
});

/** Signals written with their movement, waiting for the alarm to publish them. */
export const signalOutbox = sqliteTable('signal_outbox', {
  n: integer('n').primaryKey({ autoIncrement: true }),
  id: text('id').notNull().unique(),
  /** JSON of the SignalEvent. */
  event: text('event').notNull(),
});

/** Signal threshold overrides pushed by the catalog: `sku`, or `location:<code>`; JSON. */
export const signalThresholds = sqliteTable('signal_thresholds', {
  scope: text('scope').primaryKey(),
  thresholds: text('thresholds').notNull(),
});
