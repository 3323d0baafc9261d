import type { SkuExposure } from './exposure';
import type { HubRow } from './view';

/**
 * A SKU's newest state not yet sent to live subscribers, the state they last saw and, when it
 * has moved since, the SKU's exposure they last saw (a row restamped for exposure keeps its seq)
 * or, after a degraded channel's locations changed, the units it took off each channel whose
 * listing that moved.
 */
export type Change = {
  row: HubRow;
  previous: HubRow | undefined;
  exposure?: SkuExposure;
  exposedBefore?: Record<string, number>;
};

/**
 * Changes published since the last fan-out. A SKU changed again before the fan-out keeps one
 * entry, its newest state: under load the hub sends each subscriber the latest state, once.
 */
export class PendingChanges {
  private readonly bySku = new Map<string, Change>();

  add(
    row: HubRow,
    previous: HubRow | undefined,
    exposure?: SkuExposure,
    exposedBefore?: Record<string, number>,
  ): void {
    const known = this.bySku.get(row.sku);
    const change: Change =
      known === undefined ? { row, previous } : { row, previous: known.previous };
    // Exposure unmoved since the first pending change is what its previous state was seen under.
    const before = known?.exposure ?? exposure;
    const taken = known?.exposedBefore ?? exposedBefore;
    this.bySku.set(row.sku, {
      ...change,
      ...(before !== undefined && { exposure: before }),
      ...(taken !== undefined && { exposedBefore: taken }),
    });
  }

  /** Every pending change in cursor order, leaving none. */
  take(): Change[] {
    const changes = [...this.bySku.values()].sort((a, b) => a.row.cursor - b.row.cursor);
    this.bySku.clear();
    return changes;
  }
}
