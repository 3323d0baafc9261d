import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newItem, type SyncItem } from './item';
import { byRisk, isUrgent, nextBatch, riskOf, SyncQueue } from './queue';

const item = (sku: string, listed: number, pushed: number | null, changedAt = 0): SyncItem => ({
  ...newItem(sku, 0, listed, 1, changedAt),
  pushed,
});

describe('risk order', () => {
  it('sends a sell-out first, then decreases largest first, then increases oldest first', () => {
    const items = [
      item('UP-OLD', 9, 5, 1),
      item('DOWN-1', 4, 5),
      item('UP-NEW', 9, 5, 2),
      item('ZERO', 0, 3),
      item('DOWN-10', 10, 20),
      item('UNKNOWN', 4, null),
    ];
    expect([...items].sort(byRisk).map((i) => i.sku)).toEqual([
      'ZERO',
      'DOWN-10',
      'DOWN-1',
      'UNKNOWN',
      'UP-OLD',
      'UP-NEW',
    ]);
  });

  it('counts a zero the marketplace may not show yet as a sell-out', () => {
    expect(riskOf(item('A', 0, null))).toBe('sell-out');
    expect(riskOf(item('A', 0, 4))).toBe('sell-out');
    expect(riskOf(item('A', 2, null))).toBe('decrease');
  });

  it('calls urgent only a sell-out of units the marketplace is known to show', () => {
    expect(isUrgent(item('A', 0, 4))).toBe(true);
    expect(isUrgent(item('A', 0, null))).toBe(false);
    expect(isUrgent(item('A', 1, 4))).toBe(false);
  });

  it('picks the same SKUs as a full sort, for any batch size', () => {
    const arb = fc.array(
      fc.record({
        listed: fc.nat(5),
        pushed: fc.option(fc.nat(5)),
        changedAt: fc.nat(3),
      }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(arb, fc.integer({ min: 1, max: 10 }), (rows, size) => {
        const items = rows.map((r, n) => item(`S${n}`, r.listed, r.pushed, r.changedAt));
        const expected = [...items].sort(byRisk).slice(0, size);
        expect(nextBatch(items, size, () => true)).toEqual(expected);
      }),
    );
  });

  it('leaves out what the caller says is not eligible', () => {
    const items = [item('A', 0, 3), item('B', 1, 3)];
    expect(nextBatch(items, 1, (i) => i.sku !== 'A').map((i) => i.sku)).toEqual(['B']);
  });
});

describe('SyncQueue', () => {
  it('holds a SKU while the marketplace does not show its listed quantity', () => {
    const q = new SyncQueue();
    q.put(item('A', 3, null));
    expect(q.size).toBe(1);
    q.put(item('A', 3, 3));
    expect(q.size).toBe(0);
  });

  it('drops a refused quantity until the listed quantity changes', () => {
    const q = new SyncQueue();
    const rejected = { quantity: 3, code: 'INVALID', message: 'no such item', at: 0 };
    q.put({ ...item('A', 3, 1), rejected });
    expect(q.size).toBe(0);
    q.put({ ...item('A', 4, 1), rejected });
    expect(q.size).toBe(1);
  });
});
