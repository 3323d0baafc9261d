import { and, desc, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { type ScopedSignalQuery, SignalEvent, type SignalPage } from '../../protocol/webhooks';
import * as t from './schema';

// The recent signals of the mesh (docs/signals.md, GET /v1/signals): every signal the Webhooks
// object is handed, once by id, whether or not a subscription wants it; kept a week.

/** Signals are kept this long. */
export const SIGNAL_KEEP_MS = 7 * 24 * 3600 * 1000;

export class SignalLog {
  constructor(private readonly db: DrizzleSqliteDODatabase<typeof t>) {}

  /** Records signals not seen before (by id) and forgets those past the week. */
  record(events: readonly SignalEvent[], now: number): void {
    for (const e of events) {
      this.db
        .insert(t.signals)
        .values({
          id: e.id,
          type: e.type,
          sku: e.sku ?? null,
          location: e.location ?? null,
          channel: e.channel ?? null,
          event: JSON.stringify(e),
          recordedAt: now,
        })
        .onConflictDoNothing()
        .run();
    }
    this.db
      .delete(t.signals)
      .where(lt(t.signals.recordedAt, now - SIGNAL_KEEP_MS))
      .run();
  }

  /** Newest first, filtered, a page at a time. */
  recent(q: ScopedSignalQuery): SignalPage {
    const where: SQL[] = [];
    const within = (column: SQLiteColumn, codes: readonly string[] | undefined) => {
      if (codes === undefined) return;
      where.push(codes.length === 0 ? sql`0` : inArray(column, [...codes]));
    };
    within(t.signals.location, q.locations);
    within(t.signals.channel, q.channels);
    if (q.type !== undefined) where.push(eq(t.signals.type, q.type));
    if (q.sku !== undefined) where.push(eq(t.signals.sku, q.sku));
    if (q.location !== undefined) where.push(eq(t.signals.location, q.location));
    if (q.channel !== undefined) where.push(eq(t.signals.channel, q.channel));
    if (q.cursor !== undefined) where.push(lt(t.signals.n, Number(q.cursor)));
    const rows = this.db
      .select({ n: t.signals.n, event: t.signals.event })
      .from(t.signals)
      .where(and(...where))
      .orderBy(desc(t.signals.n))
      .limit(q.limit + 1)
      .all();
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => SignalEvent.parse(JSON.parse(r.event))),
      nextCursor: rows.length > q.limit && last !== undefined ? String(last.n) : null,
    };
  }
}
