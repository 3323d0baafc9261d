import { z } from 'zod';
import { OrderEvent, type Source } from './event';
import type { OrderRecord } from './record';

// ChannelOrders' SQLite: deliveries seen (dedupe), the inbox of verified events not yet
// processed, and the orders. Migrations are ordered and each runs once (the version in KV).

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE deliveries (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
   CREATE INDEX deliveries_at ON deliveries (at);
   CREATE TABLE inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL,
     source TEXT NOT NULL, event TEXT NOT NULL, received_at INTEGER NOT NULL);
   CREATE TABLE orders (seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL UNIQUE,
     status TEXT NOT NULL, record TEXT NOT NULL, updated_at INTEGER NOT NULL);
   CREATE INDEX orders_status ON orders (status, seq);`,
];

const InboxRow = z.object({
  seq: z.number(),
  source: z.enum(['webhook', 'notification', 'poll']),
  event: z.string(),
});
export type InboxItem = { seq: number; source: Source; event: OrderEvent };

const OrderRow = z.object({ seq: z.number(), record: z.string() });

export class OrdersStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly kv: SyncKvStorage,
  ) {}

  /** Whether the tables exist: an object nobody configured writes nothing. */
  exists(): boolean {
    return (
      this.sql
        .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'orders'")
        .toArray().length > 0
    );
  }

  migrate(): void {
    const version = Number(this.kv.get('schema') ?? 0);
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.sql.exec(MIGRATIONS[v] ?? '');
      this.kv.put('schema', v + 1);
    }
  }

  /** Records a delivery id; false when it was seen already. */
  firstDelivery(id: string, now: number): boolean {
    const seen = this.sql.exec('SELECT 1 FROM deliveries WHERE id = ?', id).toArray().length > 0;
    if (!seen) this.sql.exec('INSERT INTO deliveries (id, at) VALUES (?, ?)', id, now);
    return !seen;
  }

  forgetDeliveries(before: number): void {
    this.sql.exec('DELETE FROM deliveries WHERE at < ?', before);
  }

  enqueue(events: readonly OrderEvent[], source: Source, now: number): void {
    for (const e of events) {
      this.sql.exec(
        'INSERT INTO inbox (order_id, source, event, received_at) VALUES (?, ?, ?, ?)',
        e.orderId,
        source,
        JSON.stringify(e),
        now,
      );
    }
  }

  inbox(limit: number): InboxItem[] {
    return this.sql
      .exec('SELECT seq, source, event FROM inbox ORDER BY seq LIMIT ?', limit)
      .toArray()
      .map((row) => {
        const r = InboxRow.parse(row);
        return { seq: r.seq, source: r.source, event: OrderEvent.parse(JSON.parse(r.event)) };
      });
  }

  pending(): number {
    return Number(this.sql.exec('SELECT count(*) AS n FROM inbox').one().n);
  }

  done(seq: number): void {
    this.sql.exec('DELETE FROM inbox WHERE seq = ?', seq);
  }

  order(orderId: string): OrderRecord | undefined {
    const row = this.sql
      .exec('SELECT seq, record FROM orders WHERE order_id = ?', orderId)
      .toArray()[0];
    // Written by this object only, from an OrderRecord.
    return row === undefined ? undefined : (JSON.parse(OrderRow.parse(row).record) as OrderRecord);
  }

  save(r: OrderRecord): void {
    this.sql.exec(
      `INSERT INTO orders (order_id, status, record, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, record = excluded.record,
       updated_at = excluded.updated_at`,
      r.orderId,
      r.status,
      JSON.stringify(r),
      r.updatedAt,
    );
  }

  /** Orders after `afterSeq` in arrival order, optionally of one status. */
  list(afterSeq: number, limit: number, status?: string): { seq: number; record: OrderRecord }[] {
    const rows =
      status === undefined
        ? this.sql.exec(
            'SELECT seq, record FROM orders WHERE seq > ? ORDER BY seq LIMIT ?',
            afterSeq,
            limit,
          )
        : this.sql.exec(
            'SELECT seq, record FROM orders WHERE status = ? AND seq > ? ORDER BY seq LIMIT ?',
            status,
            afterSeq,
            limit,
          );
    return rows.toArray().map((row) => {
      const r = OrderRow.parse(row);
      return { seq: r.seq, record: JSON.parse(r.record) as OrderRecord };
    });
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const row of this.sql.exec('SELECT status, count(*) AS n FROM orders GROUP BY status')) {
      out[String(row.status)] = Number(row.n);
    }
    return out;
  }
}
