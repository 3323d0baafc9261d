import type { ListingRules, StreamFilter, StreamRow } from '../../protocol/stream';
import type { SkuExposure } from './exposure';
import type { Change } from './pending';
import type { Replay } from './replay';
import type { Outgoing } from './subscriber';
import { type HubRow, isNarrow, matchesSku, project, sameView, type View } from './view';

// What a hub's live subscribers are sent for a batch of changes (docs/stream.md): each one's view
// of the rows, rendered once per view and serialised once per filter.

/** What rendering needs of the hub. */
export type FanOutContext = {
  shard: number;
  /** A channel's rules in force now (undefined: no channel, or none known). */
  rules: (channel: string | undefined) => ListingRules | undefined;
  /**
   * Units of the SKU degraded channels take off `channel`'s listing: now, or as they stood in
   * `exposure` (the SKU's exposure when a subscriber last saw it).
   */
  exposed: (sku: string, channel: string, exposure?: SkuExposure) => number;
};

/** A live subscriber as the fan-out sees it. */
export type FanOutTarget = {
  filter: StreamFilter;
  replay: Replay | null;
  since: number;
  /** Same key: same rendering of a row; same filterKey: same message. */
  key: string;
  filterKey: string;
};

/** Renderings per view key and messages per filter, shared by the subscribers of one fan-out. */
export type FanOutCache = {
  views: Map<string, (StreamRow | null)[]>;
  messages: Map<string, string | null>;
};

export const newFanOutCache = (): FanOutCache => ({ views: new Map(), messages: new Map() });

/** The subscriber's view of a row under its channel's rules and exposure now. */
export const viewNow = (row: HubRow, filter: StreamFilter, ctx: FanOutContext): View => {
  const { channel } = filter;
  const exposed = channel === undefined ? 0 : ctx.exposed(row.sku, channel);
  return project(row, filter, ctx.rules(channel), exposed);
};

/** A change as a subscriber with this filter sees it, or null when its view did not change. */
export const render = (
  change: Change,
  filter: StreamFilter,
  ctx: FanOutContext,
): StreamRow | null => {
  const { row, previous } = change;
  const view = viewNow(row, filter, ctx);
  if (previous !== undefined) {
    // A restamp for exposure keeps the seq: only a channel's listing can have moved.
    if (filter.channel === undefined && previous.seq === row.seq) return null;
    // A narrowed view (some locations, a channel) skips changes it cannot see; a whole-SKU view
    // gets every new seq, even one whose quantities came back to where they were (a hold and
    // its release in one batch): its seq is what a compare-and-swap (`ifSeq`) needs.
    if (isNarrow(filter)) {
      const { channel } = filter;
      const exposed =
        channel === undefined
          ? 0
          : (change.exposedBefore?.[channel] ?? ctx.exposed(row.sku, channel, change.exposure));
      if (sameView(view, project(previous, filter, ctx.rules(channel), exposed))) return null;
    }
  }
  return { ...row, ...view };
};

/** One `update`, or one `updates` for several rows; null for none. */
export const updateMessage = (rows: StreamRow[], shard: number): string | null => {
  const [only] = rows;
  if (only === undefined) return null;
  if (rows.length === 1)
    return JSON.stringify({ type: 'update', shard, ...only } satisfies Outgoing);
  const cursor = rows.reduce((max, r) => Math.max(max, r.cursor), 0);
  return JSON.stringify({ type: 'updates', shard, cursor, rows } satisfies Outgoing);
};

/** The message one live subscriber gets for these changes (in cursor order), or null. */
export const messageFor = (
  target: FanOutTarget,
  changes: readonly Change[],
  ctx: FanOutContext,
  cache: FanOutCache,
): string | null => {
  const { filter, replay, since } = target;
  const first = changes[0]?.row.cursor;
  // A replaying socket gets the rows when its scan reaches their cursors.
  if (replay !== null || first === undefined) return null;
  // A socket that went live after some of these rows were stored had them in its replay, and
  // may hold a newer state than the one before the batch: it gets every row after `since`.
  if (since >= first) {
    const rows = changes
      .filter((c) => c.row.cursor > since && matchesSku(filter, c.row.sku))
      .map(({ row }) => render({ row, previous: undefined }, filter, ctx))
      .filter((r): r is StreamRow => r !== null);
    return updateMessage(rows, ctx.shard);
  }
  const cached = cache.messages.get(target.filterKey);
  if (cached !== undefined) return cached;
  let rendered = cache.views.get(target.key);
  if (rendered === undefined) {
    rendered = changes.map((c) => render(c, filter, ctx));
    cache.views.set(target.key, rendered);
  }
  const message = updateMessage(
    rendered.filter((r): r is StreamRow => r !== null && matchesSku(filter, r.sku)),
    ctx.shard,
  );
  cache.messages.set(target.filterKey, message);
  return message;
};
