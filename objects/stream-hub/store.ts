import { and, asc, count, eq, gt, max, min, sql } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import { Role } from '../../protocol/auth';
import type { SkuUpdate } from '../../protocol/sku-update';
import type { BackorderPolicy, LocationStock } from '../../protocol/stock';
import { type LedgerLag, ListingRules } from '../../protocol/stream';
import * as t from './schema';
import type { HubRow } from './view';

type Db = DrizzleSqliteDODatabase<typeof t>;

type StoredState = { policy: BackorderPolicy; at: string; locations: LocationStock[] };

export type AckRow = {
  connector: string;
  channel: string;
  role: Role;
  cursor: number;
  ackedAt: number | null;
};

/** A version of a channel's rules and the cursor it took effect at. */
export type RulesVersion = { fromCursor: number; rules: ListingRules };

const toRow = (r: { sku: string; seq: number; cursor: number; state: string }): HubRow => {
  // Written only by putRow, from an update publish() has parsed: read back without parsing again.
  const state = JSON.parse(r.state) as StoredState;
  return { sku: r.sku, seq: r.seq, cursor: r.cursor, at: state.at, locations: state.locations };
};

// What every publish runs, as fixed SQL on ctx.storage.sql: drizzle's query building was a tenth
// of the hub's CPU under the carts workload (bench/README.md, "Where the time goes").
const SQL = {
  seqOf: 'SELECT seq FROM rows WHERE sku = ?',
  row: 'SELECT sku, seq, cursor, state FROM rows WHERE sku = ?',
  putRow:
    'INSERT INTO rows (sku, seq, cursor, state, changed_at, updated_at, flushed_seq, oldest_unflushed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE SET seq = excluded.seq, cursor = excluded.cursor, state = excluded.state, changed_at = excluded.changed_at, updated_at = excluded.updated_at, flushed_seq = excluded.flushed_seq, oldest_unflushed_at = excluded.oldest_unflushed_at',
  putLedger:
    'UPDATE rows SET flushed_seq = ?, oldest_unflushed_at = ? WHERE sku = ? AND flushed_seq < ?',
} as const;
type StoredRow = { sku: string; seq: number; cursor: number; state: string };

/** Everything a StreamHub reads and writes in its SQLite, synchronously. */
export class HubStore {
  constructor(
    private readonly db: Db,
    private readonly sql: SqlStorage,
  ) {}

  /** The highest cursor handed out: a row's, or a rules change's. */
  head(): number {
    const [r] = this.db
      .select({ c: max(t.rows.cursor) })
      .from(t.rows)
      .all();
    const [c] = this.db
      .select({ c: max(t.channelRules.fromCursor) })
      .from(t.channelRules)
      .all();
    return Math.max(r?.c ?? 0, c?.c ?? 0);
  }

  /** The stored seq of a SKU, or -1 when the hub has never seen it. */
  seqOf(sku: string): number {
    return this.sql.exec<{ seq: number }>(SQL.seqOf, sku).toArray()[0]?.seq ?? -1;
  }

  row(sku: string): HubRow | undefined {
    const r = this.sql.exec<StoredRow>(SQL.row, sku).toArray()[0];
    return r && toRow(r);
  }

  putRow(u: SkuUpdate, cursor: number, now: number): void {
    this.sql.exec(
      SQL.putRow,
      u.sku,
      u.seq,
      cursor,
      JSON.stringify({ policy: u.policy, at: u.at, locations: u.locations }),
      Date.parse(u.at) || now,
      now,
      u.ledger.flushedSeq,
      u.ledger.oldestUnflushedAt,
    );
  }

  /**
   * Gives a SKU's row a new cursor, as changed at `now` (its quantities stay): readers after the
   * old cursor read it again. A degraded channel's exposure moved what the others list.
   * Returns that cursor.
   */
  restamp(sku: string, cursor: number, now: number): number {
    const at = new Date(now).toISOString();
    this.db
      .update(t.rows)
      .set({
        cursor,
        state: sql`json_set(${t.rows.state}, '$.at', ${at})`,
        changedAt: now,
        updatedAt: now,
      })
      .where(eq(t.rows.sku, sku))
      .run();
    return cursor;
  }

  /** Moves a SKU's ledger cursor forward only (a flush changes no quantities). */
  putLedger(sku: string, ledger: SkuUpdate['ledger']): void {
    this.sql.exec(
      SQL.putLedger,
      ledger.flushedSeq,
      ledger.oldestUnflushedAt,
      sku,
      ledger.flushedSeq,
    );
  }

  /** Rows that changed after `cursor`, in cursor order. */
  rowsAfter(cursor: number, limit: number): HubRow[] {
    return this.db
      .select({ sku: t.rows.sku, seq: t.rows.seq, cursor: t.rows.cursor, state: t.rows.state })
      .from(t.rows)
      .where(gt(t.rows.cursor, cursor))
      .orderBy(asc(t.rows.cursor))
      .limit(limit)
      .all()
      .map(toRow);
  }

  /** SKUs changed after `cursor`, and the time of the oldest of those changes. */
  pendingAfter(cursor: number): { skus: number; oldestChangedAt: number | null } {
    const [r] = this.db
      .select({ skus: count(), oldest: min(t.rows.changedAt) })
      .from(t.rows)
      .where(gt(t.rows.cursor, cursor))
      .all();
    return { skus: r?.skus ?? 0, oldestChangedAt: r?.oldest ?? null };
  }

  ledgerLag(): LedgerLag {
    const [r] = this.db
      .select({
        skus: count(),
        unflushedSkus: sql<number>`coalesce(sum(${t.rows.seq} > ${t.rows.flushedSeq}), 0)`,
        unflushedEvents: sql<number>`coalesce(sum(max(${t.rows.seq} - ${t.rows.flushedSeq}, 0)), 0)`,
        oldestUnflushedAt: min(t.rows.oldestUnflushedAt),
      })
      .from(t.rows)
      .all();
    return {
      skus: r?.skus ?? 0,
      unflushedSkus: Number(r?.unflushedSkus ?? 0),
      unflushedEvents: Number(r?.unflushedEvents ?? 0),
      oldestUnflushedAt: r?.oldestUnflushedAt ?? null,
    };
  }

  /** Every rules version of every channel, oldest first. */
  loadRules(): Map<string, RulesVersion[]> {
    const byChannel = new Map<string, RulesVersion[]>();
    const all = this.db
      .select()
      .from(t.channelRules)
      .orderBy(asc(t.channelRules.channel), asc(t.channelRules.fromCursor))
      .all();
    for (const r of all) {
      const version = { fromCursor: r.fromCursor, rules: ListingRules.parse(JSON.parse(r.rules)) };
      byChannel.set(r.channel, [...(byChannel.get(r.channel) ?? []), version]);
    }
    return byChannel;
  }

  addRules(rules: ListingRules, fromCursor: number): void {
    this.db
      .insert(t.channelRules)
      .values({ channel: rules.code, fromCursor, rules: JSON.stringify(rules) })
      .onConflictDoNothing()
      .run();
  }

  saveAck(a: AckRow): void {
    const { connector: _c, channel: _ch, ...set } = a;
    this.db
      .insert(t.acks)
      .values(a)
      .onConflictDoUpdate({ target: [t.acks.connector, t.acks.channel], set })
      .run();
  }

  /**
   * A connector's socket of a channel opened resuming after `from`: its acknowledged cursor starts
   * there (a fresh start keeps when it last acked).
   */
  resumeAck(connector: string, channel: string, from: number, now: number): void {
    const ackedAt = from > 0 ? now : (this.ack(connector, channel)?.ackedAt ?? null);
    this.saveAck({ connector, channel, role: 'connector', cursor: from, ackedAt });
  }

  ack(connector: string, channel: string): AckRow | undefined {
    const r = this.db
      .select()
      .from(t.acks)
      .where(and(eq(t.acks.connector, connector), eq(t.acks.channel, channel)))
      .get();
    return r && { ...r, role: Role.parse(r.role) };
  }

  acksOf(channel: string): AckRow[] {
    return this.db
      .select()
      .from(t.acks)
      .where(eq(t.acks.channel, channel))
      .orderBy(asc(t.acks.connector))
      .all()
      .map((r) => ({ ...r, role: Role.parse(r.role) }));
  }
}
