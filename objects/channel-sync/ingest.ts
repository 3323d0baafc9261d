import type { ChannelRows } from '../stream-hub/channel-rows';
import { isPending, newItem, type SyncItem } from './item';

/**
 * The SKUs a page of a hub's rows changes: new SKUs, and SKUs whose listed quantity moved (the
 * rest stay as they are, and are not rewritten). A change counts from its event, or from `since`
 * (when the connection was made) if older, or from `now` in a rescan (a rules change moved it).
 */
export const ingestPage = (
  shard: number,
  page: ChannelRows,
  known: (sku: string) => SyncItem | undefined,
  now: number,
  since: number,
  /** Called for each SKU whose new listed quantity is what the marketplace already holds. */
  onAvoided: () => void = () => {},
): SyncItem[] => {
  const changed: SyncItem[] = [];
  for (const row of page.rows) {
    const item = known(row.sku);
    const at = page.rescan ? now : Math.max(Date.parse(row.at) || now, since);
    if (item === undefined) changed.push(newItem(row.sku, shard, row.listed, row.cursor, at));
    else if (item.listed !== row.listed) {
      // A push it no longer needs: a marketplace order's expectation (or a change undone) got there first.
      if (isPending(item) && item.pushed === row.listed) onAvoided();
      changed.push({ ...item, shard, listed: row.listed, cursor: row.cursor, changedAt: at });
    } else if (item.shard !== shard) changed.push({ ...item, shard });
  }
  return changed;
};
