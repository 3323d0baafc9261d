import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// The Webhooks object's own SQLite. Changes are drizzle-kit migrations in ./migrations.

export const subscriptions = sqliteTable('subscriptions', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  /** JSON array of signal types. */
  events: text('events').notNull(),
  /** JSON of WebhookFilter, or null. */
  filter: text('filter'),
  description: text('description'),
  /** The signing secret, sealed (AES-GCM) under a key derived from CONNECTOR_SECRET. */
  secret: text('secret').notNull(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull(),
  disabledReason: text('disabled_reason'),
  failingSince: integer('failing_since'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** One event for one subscription: its attempts, until delivered or given up. */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    subscription: text('subscription').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    /** The exact body sent, so every attempt signs the same bytes. */
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull(),
    firstAttemptAt: integer('first_attempt_at'),
    /** When it is due (pending); while an attempt is in flight, the time it is retried if the object dies. */
    nextAttemptAt: integer('next_attempt_at'),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [
    index('deliveries_due').on(t.status, t.nextAttemptAt),
    index('deliveries_by_subscription').on(t.subscription, t.createdAt),
  ],
);

/** Every signal published, newest last, kept a week: what GET /v1/signals reads. */
export const signals = sqliteTable(
  'signals',
  {
    n: integer('n').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    type: text('type').notNull(),
    sku: text('sku'),
    location: text('location'),
    channel: text('channel'),
    /** JSON of the SignalEvent. */
    event: text('event').notNull(),
    recordedAt: integer('recorded_at').notNull(),
  },
  (t) => [index('signals_age').on(t.recordedAt), index('signals_sku').on(t.sku, t.n)],
);

/**
 * Per ads connection, how far the relay has handed it the signal log (docs/signals.md): each
 * connection moves on its own, so one that refuses holds no other.
 */
export const adsRelay = sqliteTable('ads_relay', {
  name: text('name').primaryKey(),
  /** The connection's createdAt (ms) as D1 has it: a new one with the same name starts afresh. */
  createdAt: integer('created_at').notNull(),
  /** The log's `n` of the last signal this connection accepted (or was not meant to get). */
  after: integer('after').notNull(),
  failures: integer('failures').notNull(),
  /** While refusing: not tried again before this. */
  notBefore: integer('not_before'),
  lastError: text('last_error'),
});

/**
 * The background jobs of the object, each a JSON state with the time it is next due
 * (the ads relay's wake-up, a location's thresholds pushed to every SKU a page at a time).
 */
export const jobs = sqliteTable('jobs', {
  name: text('name').primaryKey(),
  dueAt: integer('due_at'),
  state: text('state').notNull(),
});
