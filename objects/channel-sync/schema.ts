import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// The ChannelSync object's own SQLite (one object per channel). Changes are drizzle-kit
// migrations in ./migrations.

/** One row (id 1) while the channel has a connection. */
export const connection = sqliteTable('connection', {
  id: integer('id').primaryKey(),
  kind: text('kind').notNull(),
  /** JSON of the adapter's Settings output. */
  settings: text('settings').notNull(),
  /** The credentials, sealed (crypto.ts): never plaintext. */
  credentials: text('credentials').notNull(),
  /** JSON array of the credential fields set, for the admin API (never the values). */
  credentialFields: text('credential_fields').notNull(),
  credentialsChangedAt: integer('credentials_changed_at').notNull(),
  /** A marketplace access token (Amazon LWA), sealed, and when it lapses. */
  token: text('token'),
  tokenExpiresAt: integer('token_expires_at'),
  /** active | paused, as the admin set it (failing is the sync's health, kept in meta). */
  state: text('state').notNull(),
  /** Bumped when the connection is replaced by one for another marketplace or shop. */
  generation: integer('generation').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Our SKU ↔ the marketplace's item, as the adapter's Mapping schema outputs it (JSON). */
export const mappings = sqliteTable('mappings', {
  sku: text('sku').primaryKey(),
  external: text('external').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Per SKU: what the channel lists and what the marketplace last accepted (item.ts). */
export const items = sqliteTable('items', {
  sku: text('sku').primaryKey(),
  shard: integer('shard').notNull(),
  listed: integer('listed').notNull(),
  cursor: integer('cursor').notNull(),
  changedAt: integer('changed_at').notNull(),
  pushed: integer('pushed'),
  reread: integer('reread', { mode: 'boolean' }).notNull(),
  /** JSON { quantity, code, message, at } while the marketplace refuses the listed quantity. */
  rejected: text('rejected'),
  /** When the marketplace last accepted `pushed` (ms); null before the first acceptance. */
  pushedAt: integer('pushed_at'),
  /** JSON { code, message, at }: the last failure the marketplace answered for this SKU. */
  error: text('error'),
});

/** Where the object is on each StreamHub shard (cursors.ts). */
export const cursors = sqliteTable('cursors', {
  shard: integer('shard').primaryKey(),
  after: integer('after').notNull(),
  rules: integer('rules'),
  acked: integer('acked').notNull(),
  head: integer('head').notNull(),
  scanning: integer('scanning', { mode: 'boolean' }).notNull(),
});

/**
 * Attempts in flight, recorded before they are sent: `push` (per item) and `bulk` (a job). Their
 * JSON can exceed a row (a 25,000-item job), so it is stored in parts of at most 256 KiB.
 */
export const attemptParts = sqliteTable(
  'attempt_parts',
  {
    slot: text('slot').notNull(),
    part: integer('part').notNull(),
    data: text('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.slot, t.part] })],
);

/** Small JSON documents: the gate, the health, the totals, the bulk quota. */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** The alarm's named deadlines (AlarmScheduler). */
export const timers = sqliteTable('timers', {
  name: text('name').primaryKey(),
  at: integer('at').notNull(),
});

/**
 * Marketplace orders whose units the marketplace already took off its count, by order id: an
 * order told twice (a replayed delivery, a crash before it was recorded) lowers `pushed` once.
 */
export const expectations = sqliteTable('expectations', {
  orderId: text('order_id').primaryKey(),
  at: integer('at').notNull(),
});
