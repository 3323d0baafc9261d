import { describe, expect, it } from 'vitest';
import type { OpCounts } from './measure.ts';
import { type Brand, CART_LINES, MIX, model } from './model.ts';

const op = (name: string, o: Partial<OpCounts> = {}): OpCounts => ({
  op: name,
  n: 1,
  workerRequests: 1,
  calls: { SkuStock: 2, StreamHub: 2 },
  methods: { 'SkuStock.apply': 1, 'SkuStock.alarm': 1, 'StreamHub.publish': 2 },
  sqlRead: { SkuStock: 9 },
  sqlWritten: { SkuStock: 8 },
  d1Read: 4,
  d1Written: 17,
  d1Statements: 2,
  hubMessages: 2,
  subscriberMessages: 0,
  cpuMs: 1,
  settleSeconds: 1,
  ...o,
});

const brand: Brand = {
  name: 'b',
  skus: 1_000,
  changesPerDay: 600_000,
  channels: 5,
  dashboards: 10,
};

describe('the cost model', () => {
  it('turns a day of changes into operations by the mix and prices D1 writes beyond the allowance', () => {
    // Every operation costs the same 17 D1 rows; fan-out adds nothing beyond the bare change.
    const counts = [
      op('cart of 3 lines (reserve)', { d1Written: 3 * 17 }),
      op('cart of 3 lines (commit)', { d1Written: 3 * 17 }),
      op('inbound marketplace order (1 line)'),
      op('batch of 100 receive lines (per batch)', { d1Written: 100 * 17 }),
      op('stock change (adjust, no channel)'),
      op('stock change to 2 subscribers', {
        subscriberMessages: 2,
        calls: { SkuStock: 2, StreamHub: 3 },
      }),
      op('stock change pushed to 1 channel (adjust)', {
        calls: { SkuStock: 2, StreamHub: 2, ChannelSync: 2 },
      }),
    ];
    const [m] = model(counts, [brand]);
    if (m === undefined) throw new Error('no model');
    expect(m.missing).toEqual([]);
    const carts = (600_000 * MIX.carts) / (2 * CART_LINES);
    expect(m.operations['carts of 3 lines (reserve + commit)']).toBe(carts);
    // Cart lines (2 changes each), orders and warehouse lines: 17 rows per change, every change.
    const d1PerDay =
      carts * 2 * 51 + 600_000 * MIX.marketplaceOrders * 17 + 600_000 * MIX.warehouseLines * 17;
    expect(m.day.d1Written).toBeCloseTo(d1PerDay, 6);
    expect(m.cost['D1 rows written']).toBeCloseTo(((d1PerDay * 30 - 50e6) * 1) / 1e6, 6);
    // Fan-out: 1 hub call and 1 subscriber message per 2 subscribers → ×10 dashboards / 2.
    expect(m.day.subscriberMessages).toBeCloseTo(600_000 * 10, 6);
    expect(m.day.doCalls.ChannelSync).toBeCloseTo(600_000 * 5 * 2, 6);
  });

  it('says which operations it had no counts for', () => {
    const [m] = model([op('stock change (adjust, no channel)')], [brand]);
    expect(m?.missing).toContain('inbound marketplace order');
    expect(m?.missing).toContain('stock change pushed to 1 channel');
  });
});
