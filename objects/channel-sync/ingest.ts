import type { ChannelRows } from '../stream-hub/channel-rows';
import { newItem, type SyncItem } from './item';

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
): SyncItem[] => {
  const changed: SyncItem[] = [];
  for (const row of page.rows) {
    const item = known(row.sku);
    const at = page.rescan ? now : Math.max(Date.parse(row.at) || now, since);
    if (item === undefined) changed.push(newItem(row.sku, shard, row.listed, row.cursor, at));
    else if (item.listed !== row.listed) {
      changed.push({ ...item, shard, listed: row.listed, cursor: row.cursor, changedAt: at });
    } else if (item.shard !== shard) changed.push({ ...item, shard });
  }
  return changed;
};
