import { describe, expect, it } from 'vitest';
import type { LocationPolicy } from '../../objects/recommendations/policy';
import type { StockView } from '../../protocol/stock';
import { demandAt, recommend, recommendationId } from './assemble';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
// z = 0 at a 50% service level: reorder point = rate × lead time, order-up-to = rate × (R + L).
const POLICY: LocationPolicy = {
  leadTimeDays: 4,
  leadTimeSpreadDays: 0,
  reviewPeriodDays: 1,
  serviceLevel: 0.5,
};

const loc = (location: string, available: number, rate: number, extra = { reserved: 0 }) => ({
  location,
  onHand: available + extra.reserved,
  reserved: extra.reserved,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  incoming: 0,
  available,
  backordered: 0,
  demand: { ratePerDay: rate, sigmaPerDay: 0, coverDays: null, stockoutAt: null },
});

const view = (locations: ReturnType<typeof loc>[]): StockView => {
  const v: StockView = {
    sku: 'TEE',
    policy: 'deny',
    seq: 7,
    locations,
    totals: { ...loc('', 0, 0), available: 0 },
  };
  return v;
};

const settings = {
  policy: () => POLICY,
  lane: (from: string, to: string) =>
    from === to ? null : { leadTimeDays: 0.5, costPerUnit: 0.2 },
};

describe('recommend', () => {
  it('moves the surplus to the location running out and orders the rest there', () => {
    // A sells 10/day with 5 left: reorder point 40, order up to 50. B sells nothing: keeps 0.
    const out = recommend(
      view([loc('A', 5, 10), loc('B', 30, 0, { reserved: 20 })]),
      settings,
      NOW,
    );
    expect(
      out.map(({ kind, location, from, quantity }) => ({ kind, location, from, quantity })),
    ).toEqual([
      { kind: 'transfer', location: 'A', from: 'B', quantity: 30 },
      // Position 5 + 30 incoming = 35 ≤ 40: order up to 50.
      { kind: 'replenish', location: 'A', from: null, quantity: 15 },
    ]);
    expect(out[0]?.basis).toEqual({ A: 5, B: 30 });
    expect(out[0]?.urgentAt).toBe('2026-12-01T12:00:00.000Z');
    expect(out[1]?.numbers.incoming).toBe(30);
    expect(out[1]?.seq).toBe(7);
  });

  it('never takes a source under what it keeps, nor units that are not available', () => {
    // B sells 5/day: keeps its order-up-to level 25 of its 30 available; its 20 reserved stay.
    const out = recommend(
      view([loc('A', 5, 10), loc('B', 30, 5, { reserved: 20 })]),
      settings,
      NOW,
    );
    expect(out.map(({ kind, location, quantity }) => [kind, location, quantity])).toEqual([
      ['transfer', 'A', 5],
      ['replenish', 'A', 40],
    ]);
    expect(out[0]?.numbers.sourceKeeps).toBe(25);
  });

  it('recommends nothing without demand, and reads a missing estimate as no demand', () => {
    expect(recommend(view([loc('A', 0, 0), loc('B', 30, 0)]), settings, NOW)).toEqual([]);
    const bare = view([loc('A', 5, 10)]);
    expect(demandAt(bare, 'Z')).toEqual({ ratePerDay: 0, sigmaPerDay: 0 });
    expect(demandAt(bare, 'A')).toEqual({ ratePerDay: 10, sigmaPerDay: 0 });
  });

  it('gives each kind, SKU and location or lane one stable id', async () => {
    const a = await recommendationId({ kind: 'transfer', sku: 'TEE', location: 'A', from: 'B' });
    expect(a).toMatch(/^rc_[0-9a-f]{32}$/);
    expect(await recommendationId({ kind: 'transfer', sku: 'TEE', location: 'A', from: 'B' })).toBe(
      a,
    );
    expect(
      await recommendationId({ kind: 'transfer', sku: 'TEE', location: 'B', from: 'A' }),
    ).not.toBe(a);
  });

  it("orders for a location with no estimate yet from its share of the SKU's demand", () => {
    // A sells 10/day and has plenty; B has never sold it but takes half of all demand: 5/day,
    // reorder point 20, order up to 25. A keeps its own 50 of 60 and moves 10; B orders the 15 left.
    const withShare = { ...settings, share: (l: string) => (l === 'B' ? 0.5 : 0.1) };
    const out = recommend(view([loc('A', 60, 10), loc('B', 0, 0)]), withShare, NOW);
    expect(out.map((r) => [r.kind, r.from, r.location, r.quantity])).toEqual([
      ['transfer', 'A', 'B', 10],
      ['replenish', null, 'B', 15],
    ]);
    expect(recommend(view([loc('A', 60, 10), loc('B', 0, 0)]), settings, NOW)).toEqual([]);
  });
});
