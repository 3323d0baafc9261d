import { describe, expect, it } from 'vitest';
import { PendingChanges } from './pending';
import type { HubRow } from './view';

const row = (sku: string, seq: number, cursor: number): HubRow => ({
  sku,
  seq,
  at: '2026-11-22T00:00:00.000Z',
  cursor,
  locations: [],
});

describe('PendingChanges', () => {
  it('keeps the newest state of each SKU and the state before the first pending change', () => {
    const pending = new PendingChanges();
    pending.add(row('A', 2, 10), row('A', 1, 3));
    pending.add(row('B', 1, 11), undefined);
    pending.add(row('A', 3, 12), row('A', 2, 10));
    expect(pending.take()).toEqual([
      { row: row('B', 1, 11), previous: undefined },
      { row: row('A', 3, 12), previous: row('A', 1, 3) },
    ]);
    expect(pending.take()).toEqual([]);
  });

  it('keeps the exposure the first state was seen under, across a restamp and a change', () => {
    const pending = new PendingChanges();
    pending.add(row('A', 2, 10), row('A', 1, 3));
    pending.add(row('A', 2, 11), row('A', 2, 10), { amazon: 4 });
    pending.add(row('A', 3, 12), row('A', 2, 11), { amazon: 9 });
    expect(pending.take()).toEqual([
      { row: row('A', 3, 12), previous: row('A', 1, 3), exposure: { amazon: 4 } },
    ]);
  });

  it('keeps what a move of locations took off each channel, across a later change', () => {
    const pending = new PendingChanges();
    pending.add(row('A', 2, 10), row('A', 2, 3), undefined, { web: 0 });
    pending.add(row('A', 3, 11), row('A', 2, 10));
    expect(pending.take()).toEqual([
      { row: row('A', 3, 11), previous: row('A', 2, 3), exposedBefore: { web: 0 } },
    ]);
  });
});
