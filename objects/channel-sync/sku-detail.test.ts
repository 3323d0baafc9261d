import { describe, expect, it } from 'vitest';
import { newItem } from './item';
import { skuSyncView } from './sku-detail';

const mapping = { external: { sellerSku: 'SM-A' }, source: 'default' as const, updatedAt: null };
const listed = (quantity: number) => ({ quantity, rule: 'available' as const });

describe("one SKU's sync", () => {
  it('a SKU the sync has not read yet: nothing pushed, pending', () => {
    const view = skuSyncView('web', 'A', { item: undefined, inFlight: null, mapping }, listed(4));
    expect(view).toEqual({
      channel: 'web',
      sku: 'A',
      listed: listed(4),
      synced: null,
      pushed: null,
      pending: true,
      exposure: { own: 0, others: 0 },
      inFlight: null,
      rejected: null,
      lastError: null,
      mapping,
    });
  });

  it('pushed and accepted: not pending, with when it was accepted and the last error kept', () => {
    const item = {
      ...newItem('A', 1, 4, 9, 1_000),
      pushed: 4,
      pushedAt: 2_000,
      error: { code: 'retry', message: 'HTTP 503', at: 1_500 },
    };
    const view = skuSyncView('web', 'A', { item, inFlight: null, mapping }, listed(4));
    expect(view).toMatchObject({
      synced: { listed: 4, changedAt: '1970-01-01T00:00:01.000Z' },
      pushed: { quantity: 4, at: '1970-01-01T00:00:02.000Z' },
      pending: false,
      lastError: { code: 'retry', message: 'HTTP 503', at: '1970-01-01T00:00:01.500Z' },
    });
  });

  it('the stock moved since the push: pending, whatever the sync read last', () => {
    const item = { ...newItem('A', 1, 4, 9, 1_000), pushed: 4, pushedAt: 2_000 };
    const view = skuSyncView('web', 'A', { item, inFlight: 'push', mapping }, listed(0));
    expect(view).toMatchObject({ pending: true, inFlight: 'push', pushed: { quantity: 4 } });
  });

  it('refused for good for the quantity listed now: not pending, and the refusal shown', () => {
    const rejected = { quantity: 3, code: 'INVALID_INVENTORY_ITEM', message: 'no item', at: 5 };
    const item = { ...newItem('A', 1, 3, 9, 1_000), rejected };
    const now = skuSyncView('web', 'A', { item, inFlight: null, mapping }, listed(3));
    expect(now).toMatchObject({ pending: false, rejected: { quantity: 3, code: rejected.code } });
    const moved = skuSyncView('web', 'A', { item, inFlight: null, mapping }, listed(2));
    expect(moved).toMatchObject({ pending: true, rejected: null });
  });

  it("shows a degraded channel's pushed quantity as exposed, and what others expose here", () => {
    const item = { ...newItem('A', 0, 3, 9, 1_000), pushed: 5 };
    const view = skuSyncView(
      'web',
      'A',
      { item, inFlight: null, mapping, degraded: true },
      listed(3),
      2,
    );
    expect(view.exposure).toEqual({ own: 5, others: 2 });
  });
});
