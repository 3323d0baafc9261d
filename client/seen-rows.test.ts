import { describe, expect, it } from 'vitest';
import type { StreamRow } from '../protocol/stream';
import { SeenRows } from './seen-rows';

const row = (sku: string, seq: number, listed?: number): StreamRow => ({
  sku,
  seq,
  at: '2026-11-22T00:00:00.000Z',
  cursor: seq,
  locations: [],
  ...(listed !== undefined && { listed: { channel: 'web', quantity: listed, rule: 'available' } }),
});

describe('SeenRows', () => {
  it('lets the first row of a SKU and every newer seq through', () => {
    const seen = new SeenRows();
    expect([row('A', 1), row('A', 2), row('B', 1), row('A', 5)].map((r) => seen.isNew(r))).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('drops an older seq and a repeat of the same view', () => {
    const seen = new SeenRows();
    seen.isNew(row('A', 3));
    expect(seen.isNew(row('A', 2))).toBe(false);
    expect(seen.isNew(row('A', 3))).toBe(false);
  });

  it('lets the same seq through when a rule change altered its listed quantity', () => {
    const seen = new SeenRows();
    seen.isNew(row('A', 3, 4));
    expect(seen.isNew(row('A', 3, 9))).toBe(true);
    expect(seen.isNew(row('A', 3, 9))).toBe(false);
  });
});
