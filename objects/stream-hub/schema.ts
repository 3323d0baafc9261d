import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// The StreamHub object's own SQLite. Changes are drizzle-kit migrations in ./migrations.

/** The latest state of each SKU of the shard; `cursor` is where it last changed. */
export const rows = sqliteTable(
  'rows',
  {
    sku: text('sku').primaryKey(),
    seq: integer('seq').notNull(),
    cursor: integer('cursor').notNull(),
    /** JSON: { policy, at, locations } as SkuStock published it. */
    state: text('state').notNull(),
    /** Time (ms) of the event that produced `seq`: lag is measured from it. */
    changedAt: integer('changed_at').notNull(),
    /** Time (ms) the hub stored it. */
    updatedAt: integer('updated_at').notNull(),
    /** Events up to this seq are in the D1 ledger. */
    flushedSeq: integer('flushed_seq').notNull(),
    oldestUnflushedAt: text('oldest_unflushed_at'),
  },
  (t) => [index('rows_cursor').on(t.cursor)],
);

/** Each connector's acknowledged cursor per channel. */
export const acks = sqliteTable(
  'acks',
  {
    connector: text('connector').notNull(),
    channel: text('channel').notNull(),
    role: text('role').notNull(),
    cursor: integer('cursor').notNull(),
    /** Null until the connector acknowledges for the first time. */
    ackedAt: integer('acked_at'),
  },
  (t) => [primaryKey({ columns: [t.connector, t.channel] })],
);

/**
 * Every version of each channel's listing rules the hub has seen, by the cursor it took effect
 * at: a subscriber resuming from cursor C saw the version in force at C.
 */
export const channelRules = sqliteTable(
  'channel_rules',
  {
    channel: text('channel').notNull(),
    fromCursor: integer('from_cursor').notNull(),
    /** JSON of ListingRules. */
    rules: text('rules').notNull(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.fromCursor] })],
);

/** Channels whose ChannelSync object the hub pokes when their listed quantities change. */
export const syncChannels = sqliteTable('sync_channels', {
  channel: text('channel').primaryKey(),
  registeredAt: integer('registered_at').notNull(),
});

/** Keys revoked while this hub was running or since: their sockets and tickets are refused here. */
export const revokedKeys = sqliteTable('revoked_keys', {
  keyId: text('key_id').primaryKey(),
  revokedAt: integer('revoked_at').notNull(),
});

/** Stream tickets already used (a ticket opens one socket), kept until they expire. */
export const usedTickets = sqliteTable(
  'used_tickets',
  {
    nonce: text('nonce').primaryKey(),
    /** Time (ms) the ticket expires: after it the row is deleted. */
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('used_tickets_expires_at').on(t.expiresAt)],
);
