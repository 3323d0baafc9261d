import { and, asc, count, eq, gt, lt, max, min, sql } from 'drizzle-orm';
import type { DrizzleSqliteDODatabase } from 'drizzle-orm/durable-sqlite';
import { z } from 'zod';
import { Role } from '../../protocol/auth';
import type { SkuUpdate } from '../../protocol/sku-update';
import { BackorderPolicy, LocationStock } from '../../protocol/stock';
import { type LedgerLag, ListingRules } from '../../protocol/stream';
import * as t from './schema';
import type { HubRow } from './view';

type Db = DrizzleSqliteDODatabase<typeof t>;

const StoredState = z.object({
  policy: BackorderPolicy,
  at: z.string(),
  locations: z.array(LocationStock),
});

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
  const state = StoredState.parse(JSON.parse(r.state));
  return { sku: r.sku, seq: r.seq, cursor: r.cursor, at: state.at, locations: state.locations };
};

/** Everything a StreamHub reads and writes in its SQLite, synchronously. */
export class HubStore {
  constructor(private readonly db: Db) {}

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
    const r = this.db.select({ seq: t.rows.seq }).from(t.rows).where(eq(t.rows.sku, sku)).get();
    return r?.seq ?? -1;
  }

  row(sku: string): HubRow | undefined {
    const r = this.db.select().from(t.rows).where(eq(t.rows.sku, sku)).get();
    return r && toRow(r);
  }

  putRow(u: SkuUpdate, cursor: number, now: number): void {
    const values = {
      sku: u.sku,
      seq: u.seq,
      cursor,
      state: JSON.stringify({ policy: u.policy, at: u.at, locations: u.locations }),
      changedAt: Date.parse(u.at) || now,
      updatedAt: now,
      flushedSeq: u.ledger.flushedSeq,
      oldestUnflushedAt: u.ledger.oldestUnflushedAt,
    };
    const { sku: _sku, ...set } = values;
    this.db.insert(t.rows).values(values).onConflictDoUpdate({ target: t.rows.sku, set }).run();
  }

  /** Moves a SKU's ledger cursor forward only (a flush changes no quantities). */
  putLedger(sku: string, ledger: SkuUpdate['ledger']): void {
    this.db
      .update(t.rows)
      .set({ flushedSeq: ledger.flushedSeq, oldestUnflushedAt: ledger.oldestUnflushedAt })
      .where(and(eq(t.rows.sku, sku), lt(t.rows.flushedSeq, ledger.flushedSeq)))
      .run();
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
