import { and, asc, desc, eq, lt, lte, min, ne, or } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import { z } from 'zod';
import {
  type Delivery,
  SignalType,
  WebhookFilter,
  type WebhookView,
} from '../../protocol/webhooks';
import * as t from './schema';

type Db = DrizzleSqliteDODatabase<typeof t>;
export type SubscriptionRow = typeof t.subscriptions.$inferSelect;
export type DeliveryRow = typeof t.deliveries.$inferSelect;

const Events = z.array(SignalType);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const subscriptionView = (r: SubscriptionRow): WebhookView => ({
  id: r.id,
  url: r.url,
  events: Events.parse(JSON.parse(r.events)),
  filter: r.filter === null ? null : WebhookFilter.parse(JSON.parse(r.filter)),
  description: r.description,
  enabled: r.enabled,
  disabledReason: r.disabledReason,
  failingSince: iso(r.failingSince),
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
});

export const deliveryView = (r: DeliveryRow): Delivery => ({
  id: r.id,
  eventId: r.eventId,
  type: SignalType.parse(r.type),
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.status === 'pending' ? iso(r.nextAttemptAt) : null,
  lastStatus: r.lastStatus,
  lastError: r.lastError,
  createdAt: new Date(r.createdAt).toISOString(),
  deliveredAt: iso(r.deliveredAt),
});

/** Everything the Webhooks object reads and writes in its SQLite, synchronously. */
export class WebhookStore {
  constructor(private readonly db: Db) {}

  subscriptions(): SubscriptionRow[] {
    return this.db.select().from(t.subscriptions).orderBy(asc(t.subscriptions.createdAt)).all();
  }

  subscription(id: string): SubscriptionRow | undefined {
    return this.db.select().from(t.subscriptions).where(eq(t.subscriptions.id, id)).get();
  }

  saveSubscription(row: SubscriptionRow): void {
    const { id: _id, ...set } = row;
    this.db
      .insert(t.subscriptions)
      .values(row)
      .onConflictDoUpdate({ target: t.subscriptions.id, set })
      .run();
  }

  removeSubscription(id: string): void {
    this.db.delete(t.deliveries).where(eq(t.deliveries.subscription, id)).run();
    this.db.delete(t.subscriptions).where(eq(t.subscriptions.id, id)).run();
  }

  delivery(id: string): DeliveryRow | undefined {
    return this.db.select().from(t.deliveries).where(eq(t.deliveries.id, id)).get();
  }

  /** Adds a delivery unless one with this id exists (the same event published twice). */
  addDelivery(row: DeliveryRow): boolean {
    const added = this.db
      .insert(t.deliveries)
      .values(row)
      .onConflictDoNothing()
      .returning({ id: t.deliveries.id })
      .all();
    return added.length > 0;
  }

  saveDelivery(row: DeliveryRow): void {
    const { id: _id, ...set } = row;
    this.db.update(t.deliveries).set(set).where(eq(t.deliveries.id, row.id)).run();
  }

  /** Pending deliveries due at `now`, oldest due first. */
  due(now: number, limit: number): DeliveryRow[] {
    return this.db
      .select()
      .from(t.deliveries)
      .where(and(eq(t.deliveries.status, 'pending'), lte(t.deliveries.nextAttemptAt, now)))
      .orderBy(asc(t.deliveries.nextAttemptAt))
      .limit(limit)
      .all();
  }

  nextDue(): number | null {
    const [r] = this.db
      .select({ at: min(t.deliveries.nextAttemptAt) })
      .from(t.deliveries)
      .where(eq(t.deliveries.status, 'pending'))
      .all();
    return r?.at ?? null;
  }

  /** A subscription's deliveries, newest first, before `cursor` (a createdAt:id pair). */
  deliveriesOf(
    subscription: string,
    before: { at: number; id: string } | null,
    limit: number,
    status?: Delivery['status'],
  ) {
    return this.db
      .select()
      .from(t.deliveries)
      .where(
        and(
          eq(t.deliveries.subscription, subscription),
          before === null
            ? undefined
            : or(
                lt(t.deliveries.createdAt, before.at),
                and(eq(t.deliveries.createdAt, before.at), lt(t.deliveries.id, before.id)),
              ),
          status === undefined ? undefined : eq(t.deliveries.status, status),
        ),
      )
      .orderBy(desc(t.deliveries.createdAt), desc(t.deliveries.id))
      .limit(limit + 1)
      .all();
  }

  /** Gives up every pending delivery of a subscription (it was disabled). */
  failPending(subscription: string, reason: string): void {
    this.db
      .update(t.deliveries)
      .set({ status: 'failed', lastError: reason, nextAttemptAt: null })
      .where(and(eq(t.deliveries.subscription, subscription), eq(t.deliveries.status, 'pending')))
      .run();
  }

  /** Drops finished deliveries older than `before` (the log keeps a week). */
  prune(before: number): void {
    this.db
      .delete(t.deliveries)
      .where(and(lt(t.deliveries.createdAt, before), ne(t.deliveries.status, 'pending')))
      .run();
  }
}
