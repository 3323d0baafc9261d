import { z } from 'zod';
import { ChannelCode } from '../../protocol/catalog';
import { ListingRules } from '../../protocol/stream';
import { listedQuantity } from './listed';
import type { RulesVersion } from './store';
import type { HubRow } from './view';

// What a ChannelSync object reads from a hub: the rows of the shard changed since its cursor, each
// with the channel's listed quantity. Rows are latest state, so reading from a cursor is exact;
// a rules change (which moves no row) makes the reader rescan every row from the start.

/** The connector name under which a hub keeps a ChannelSync's acknowledged cursor. */
export const SYNC_CONNECTOR = 'channel-sync';
export const MAX_CHANNEL_ROWS = 1000;

const Cursor = z.number().int().min(0);

export const ChannelRowsInput = z.object({
  channel: ChannelCode,
  /** The reader holds every row up to this cursor, computed under the rules version `rules`. */
  after: Cursor,
  /** The cursor at which the rules version the reader's rows were computed under took effect. */
  rules: Cursor.nullable(),
  limit: z.number().int().min(1).max(MAX_CHANNEL_ROWS),
  /** The channel's rules as the catalog has them: a hub that never saw the channel keeps them. */
  listing: ListingRules.optional(),
});
export type ChannelRowsInput = z.infer<typeof ChannelRowsInput>;

export const ChannelRow = z.object({
  sku: z.string(),
  seq: z.number().int().min(0),
  cursor: Cursor,
  /** When the event that produced `seq` happened (ISO 8601). */
  at: z.string(),
  listed: z.number().int().min(0),
});
export type ChannelRow = z.infer<typeof ChannelRow>;

export const ChannelRows = z.object({
  rows: z.array(ChannelRow),
  head: Cursor,
  /** Pass back as `after`: every row up to here has been read. */
  after: Cursor,
  /** Pass back as `rules`; null when the hub knows no rules for the channel (nothing was read). */
  rules: Cursor.nullable(),
  /** True when this read started over from cursor 0 (the rules changed, or the hub was reset). */
  rescan: z.boolean(),
  /** More rows wait after `after`. */
  more: z.boolean(),
});
export type ChannelRows = z.infer<typeof ChannelRows>;

/** What the read needs of the hub. */
export type RowSource = {
  head: number;
  /** The channel's rules in force now. */
  rules: RulesVersion | undefined;
  rowsAfter: (cursor: number, limit: number) => HubRow[];
  /** Does this hub still publish the SKU (a change of STREAM_SHARDS leaves others behind)? */
  owns: (sku: string) => boolean;
  /** Units of the SKU degraded channels expose, taken off this channel's listing (exposure.ts). */
  exposed?: (sku: string) => number;
};

/** The next page of the channel's rows after the reader's cursor. */
export const readChannelRows = (input: ChannelRowsInput, hub: RowSource): ChannelRows => {
  const { head, rules } = hub;
  if (rules === undefined) {
    return { rows: [], head, after: input.after, rules: null, rescan: false, more: false };
  }
  // A cursor past the head comes from another life of the hub's storage; rows read under other
  // rules may all list another quantity now.
  const restart = input.after > head || (input.after > 0 && input.rules !== rules.fromCursor);
  const from = restart ? 0 : input.after;
  const batch = hub.rowsAfter(from, input.limit);
  const more = batch.length === input.limit;
  const rows = batch
    .filter((row) => hub.owns(row.sku))
    .map((row) => ({
      sku: row.sku,
      seq: row.seq,
      cursor: row.cursor,
      at: row.at,
      listed: listedQuantity(rules.rules, row.locations, hub.exposed?.(row.sku) ?? 0).quantity,
    }));
  const after = more ? (batch.at(-1)?.cursor ?? from) : head;
  return { rows, head, after, rules: rules.fromCursor, rescan: restart, more };
};

/** The ack row of a ChannelSync: never past the head. */
export const syncAck = (channel: string, cursor: number, head: number, now: number) => ({
  connector: SYNC_CONNECTOR,
  channel,
  role: 'connector' as const,
  cursor: Math.min(cursor, head),
  ackedAt: now,
});
