import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// The Checkout object's own SQLite. Changes are drizzle-kit migrations in ./migrations.

/**
 * One row: the cart. The saga's state is one JSON document rewritten at each step: a step
 * writes one row instead of one per hold (rows written are what storage bills).
 */
export const cart = sqliteTable('cart', {
  id: integer('id').primaryKey(),
  reservationId: text('reservation_id').notNull(),
  status: text('status').notNull(),
  /** JSON of a Cart (cart.ts), parsed with zod when loaded. */
  data: text('data').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
