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
