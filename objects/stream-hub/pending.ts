import type { HubRow } from './view';

/** A SKU's newest state not yet sent to live subscribers, and the state they last saw. */
export type Change = { row: HubRow; previous: HubRow | undefined };

/**
 * Changes published since the last fan-out. A SKU changed again before the fan-out keeps one
 * entry, its newest state: under load the hub sends each subscriber the latest state, once.
 */
export class PendingChanges {
  private readonly bySku = new Map<string, Change>();

  add(row: HubRow, previous: HubRow | undefined): void {
    const known = this.bySku.get(row.sku);
    this.bySku.set(row.sku, { row, previous: known === undefined ? previous : known.previous });
  }

  /** Every pending change in cursor order, leaving none. */
  take(): Change[] {
    const changes = [...this.bySku.values()].sort((a, b) => a.row.cursor - b.row.cursor);
    this.bySku.clear();
    return changes;
  }
}
