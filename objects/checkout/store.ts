import { eq } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import { Cart } from './cart';
import * as t from './schema';

type Db = DrizzleSqliteDODatabase<typeof t>;

/** The Checkout object's one record, read and written synchronously. */
export class CartStore {
  constructor(private readonly db: Db) {}

  load(): Cart | undefined {
    const row = this.db.select().from(t.cart).where(eq(t.cart.id, 1)).get();
    return row && Cart.parse(JSON.parse(row.data));
  }

  save(c: Cart): void {
    const row = {
      reservationId: c.input.reservationId,
      status: c.status,
      data: JSON.stringify(c),
      updatedAt: c.updatedAt,
    };
    this.db
      .insert(t.cart)
      .values({ id: 1, ...row })
      .onConflictDoUpdate({ target: t.cart.id, set: row })
      .run();
  }
}
