import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// The AdsSync object's own SQLite (one object per ads connection). Changes are drizzle-kit
// migrations in ./migrations (`npx drizzle-kit generate --config objects/ads/drizzle.config.ts`).

/** One row (id 1) while the ads connection exists. */
export const connection = sqliteTable('connection', {
  id: integer('id').primaryKey(),
  kind: text('kind').notNull(),
  /** The channel whose listed quantity the ads follow. */
  channel: text('channel').notNull(),
  /** JSON of AdsRules. */
  rules: text('rules').notNull(),
  settings: text('settings').notNull(),
  /** Sealed (channel-sync/crypto.ts), never plaintext. */
  credentials: text('credentials').notNull(),
  credentialFields: text('credential_fields').notNull(),
  credentialsChangedAt: integer('credentials_changed_at').notNull(),
  /** An OAuth access token, sealed, and when it lapses. */
  token: text('token'),
  tokenExpiresAt: integer('token_expires_at'),
  /** active | paused, as the admin set it. */
  state: text('state').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** SKU → ad entity; a SKU may have several, an entity may serve several SKUs. */
export const mappings = sqliteTable(
  'mappings',
  {
    sku: text('sku').notNull(),
    entity: text('entity').notNull(),
    /** The adapter's Mapping output (JSON). */
    external: text('external').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sku, t.entity] }), index('mappings_entity').on(t.entity)],
);

/** What the signals told of a SKU, and whether the rules hold it sold out. */
export const skus = sqliteTable('skus', {
  sku: text('sku').primaryKey(),
  /** JSON of SkuFacts without soldOut. */
  facts: text('facts').notNull(),
  soldOut: integer('sold_out', { mode: 'boolean' }).notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Per ad entity: the status the ads API last confirmed from us (serving until we pause it). */
export const entities = sqliteTable('entities', {
  entity: text('entity').primaryKey(),
  external: text('external').notNull(),
  pushed: text('pushed').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** The action log: every pause and resume decided, with its reason in numbers and its fate. */
export const actions = sqliteTable(
  'actions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    entity: text('entity').notNull(),
    sku: text('sku').notNull(),
    /** pause | resume */
    action: text('action').notNull(),
    /** queued | sending | applied | failed | superseded */
    status: text('status').notNull(),
    /** JSON of ActionReason. */
    reason: text('reason').notNull(),
    attempts: integer('attempts').notNull(),
    error: text('error'),
    createdAt: integer('created_at').notNull(),
    doneAt: integer('done_at'),
  },
  (t) => [
    index('actions_status').on(t.status, t.id),
    index('actions_entity').on(t.entity, t.status),
    index('actions_sku').on(t.sku, t.id),
  ],
);

/** Signal ids already folded in, so a re-sent signal changes nothing. */
export const seen = sqliteTable('seen', {
  id: text('id').primaryKey(),
  at: integer('at').notNull(),
});

/** Small JSON documents: the gate, the in-flight attempt, the last error, counters. */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** The alarm's named deadlines (AlarmScheduler). */
export const timers = sqliteTable('timers', {
  name: text('name').primaryKey(),
  at: integer('at').notNull(),
});
