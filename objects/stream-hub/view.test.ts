import { describe, expect, it } from 'vitest';
import type { LocationStock } from '../../protocol/stock';
import type { ListingRules } from '../../protocol/stream';
import { matchesSku, project, sameView, viewKey } from './view';

const at = (location: string, available: number): LocationStock => ({
  location,
  onHand: available,
  reserved: 0,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  incoming: 0,
  available,
  backordered: 0,
});
const rules: ListingRules = {
  code: 'web',
  locations: ['A'],
  percentage: 100,
  buffer: 0,
  maxListed: null,
  endWhen: 0,
  updatedAt: '2026-11-22T00:00:00.000Z',
};
const row = { locations: [at('A', 4), at('B', 6)] };

describe('filter matching', () => {
  it('lets every SKU through an empty filter', () => {
    expect(matchesSku({}, 'TEE-BLK-M')).toBe(true);
  });

  it('needs the SKU in the list and starting with the prefix when both are given', () => {
    const filter = { skus: ['TEE-BLK-M', 'MUG-1'], prefix: 'TEE' };
    expect(['TEE-BLK-M', 'MUG-1', 'TEE-WHT-S'].map((s) => matchesSku(filter, s))).toEqual([
      true,
      false,
      false,
    ]);
  });
});

describe('a subscriber view of a row', () => {
  it('shows every location without a channel or a location filter', () => {
    expect(project(row, {}, undefined)).toEqual({ locations: row.locations });
  });

  it("shows a channel's locations and its listed quantity", () => {
    expect(project(row, { channel: 'web' }, rules)).toEqual({
      locations: [at('A', 4)],
      listed: { channel: 'web', quantity: 4, rule: 'available' },
    });
  });

  it('lets an explicit location filter override the channel locations, not the listing', () => {
    expect(project(row, { channel: 'web', locations: ['B'] }, rules)).toEqual({
      locations: [at('B', 6)],
      listed: { channel: 'web', quantity: 4, rule: 'available' },
    });
  });

  it('tells a change outside the view from one inside it', () => {
    const moved = { locations: [at('A', 4), at('B', 1)] };
    const filter = { channel: 'web' };
    expect(sameView(project(row, filter, rules), project(moved, filter, rules))).toBe(true);
    expect(sameView(project(row, {}, undefined), project(moved, {}, undefined))).toBe(false);
  });

  it('renders subscribers with the same channel and locations once', () => {
    expect(viewKey({ channel: 'web', skus: ['A'] })).toBe(viewKey({ channel: 'web', prefix: 'B' }));
    expect(viewKey({ channel: 'web' })).not.toBe(viewKey({ channel: 'web', locations: ['A'] }));
  });
});
