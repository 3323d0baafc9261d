import type { StreamRow } from '../protocol/stream';
import { fingerprint } from './fingerprint';

/**
 * What a stream has delivered per SKU, so that a subscriber never sees a SKU's seq go back
 * (after a change of shard count a SKU can be on two hubs) nor the same view twice.
 */
export class SeenRows {
  private readonly last = new Map<string, { seq: number; view: number }>();

  /** True, and remembered, when the row is newer than the last one delivered or shows it differently. */
  isNew(row: StreamRow): boolean {
    const view = fingerprint(JSON.stringify([row.locations, row.listed ?? null]));
    const last = this.last.get(row.sku);
    if (
      last !== undefined &&
      (row.seq < last.seq || (row.seq === last.seq && view === last.view))
    ) {
      return false;
    }
    this.last.set(row.sku, { seq: row.seq, view });
    return true;
  }
}
