import type { ChannelRows } from '../stream-hub/channel-rows';

// Where the object is on each StreamHub shard: rows read (`after`, under the rules version
// `rules`), and acknowledged (`acked`: the marketplace shows every change up to it). The ack
// never passes a SKU whose listed quantity is not yet accepted, and stays put during a rescan.

export type ShardCursor = {
  shard: number;
  /** Every row up to this cursor has been read. */
  after: number;
  /** The rules version (its starting cursor) the rows read were computed under. */
  rules: number | null;
  /** The cursor last acknowledged to the hub. */
  acked: number;
  /** The hub's head at the last read. */
  head: number;
  /** A rescan (after a rules change) is under way: the rows read so far are a mix. */
  scanning: boolean;
};

export const freshCursor = (shard: number): ShardCursor => ({
  shard,
  after: 0,
  rules: null,
  acked: 0,
  head: 0,
  scanning: false,
});

/** The cursor after reading a page. */
export const afterPage = (c: ShardCursor, page: ChannelRows): ShardCursor => {
  if (page.rules === null) return { ...c, head: page.head };
  // The hub started over below our cursor: its storage was reset, so were its cursors.
  const reset = page.rescan && c.after > page.head;
  return {
    ...c,
    after: page.after,
    rules: page.rules,
    head: page.head,
    acked: reset ? 0 : c.acked,
    scanning: (page.rescan || c.scanning) && page.more,
  };
};

/**
 * How far the shard may be acknowledged: up to what was read, but below the oldest change of a
 * SKU the marketplace has not accepted (`oldestPending`: the lowest cursor among them).
 */
export const ackable = (c: ShardCursor, oldestPending: number | undefined): number => {
  if (c.scanning) return c.acked;
  const limit = oldestPending === undefined ? c.after : Math.min(c.after, oldestPending - 1);
  return Math.max(c.acked, limit);
};
