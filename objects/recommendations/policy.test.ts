import { describe, expect, it } from 'vitest';
import {
  autoBuffer,
  DEFAULT_LOCATION_POLICY,
  type LocationPolicy,
  levelsFor,
  networkDemand,
  normalQuantile,
  planByLocation,
  planNetwork,
  replenishment,
  type Site,
  transfers,
  withNetworkShare,
} from './policy';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const certain: LocationPolicy = {
  leadTimeDays: 4,
  leadTimeSpreadDays: 0,
  reviewPeriodDays: 1,
  serviceLevel: 0.95,
};

describe('normalQuantile', () => {
  it('matches the tables to 6 decimals in the centre and both tails', () => {
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326348, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 6);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232, 6);
  });
  it('refuses what is not a probability strictly inside (0, 1)', () => {
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => normalQuantile(1)).toThrow(RangeError);
    expect(() => normalQuantile(Number.NaN)).toThrow(RangeError);
  });
});

describe('levelsFor', () => {
  it('computes ROP = d·L + z·σ·√L and S = d·(R+L) + z·σ·√(R+L) for a certain lead time', () => {
    // d 10/day ± 3, L 4, R 1, z(0.95) = 1.6448536: ss = 1.6448536·3·2 = 9.869,
    // ROP = 49.869, S = 50 + 1.6448536·3·√5 = 61.034.
    const l = levelsFor({ ratePerDay: 10, sigmaPerDay: 3 }, certain);
    expect(l.safetyStock).toBeCloseTo(9.8691, 4);
    expect(l.reorderPoint).toBeCloseTo(49.8691, 4);
    expect(l.orderUpTo).toBeCloseTo(61.034, 3);
  });
  it('adds the lead time spread: σ = √(L·σ_d² + d²·σ_L²)', () => {
    // √(4·9 + 100·1) = √136 = 11.6619 → ss 19.182; S: √(5·9 + 100) = √145 = 12.0416 → 19.807.
    const l = levelsFor({ ratePerDay: 10, sigmaPerDay: 3 }, { ...certain, leadTimeSpreadDays: 1 });
    expect(l.safetyStock).toBeCloseTo(19.1822, 3);
    expect(l.reorderPoint).toBeCloseTo(59.1822, 3);
    expect(l.orderUpTo).toBeCloseTo(69.8067, 3);
  });
  it('a location with no lead time keeps only what the review period needs', () => {
    const l = levelsFor(
      { ratePerDay: 4, sigmaPerDay: 0 },
      { ...certain, leadTimeDays: 0, reviewPeriodDays: 1 },
    );
    expect(l).toEqual({ safetyStock: 0, reorderPoint: 0, orderUpTo: 4 });
  });
});

describe('replenishment', () => {
  const d = { ratePerDay: 10, sigmaPerDay: 3 };
  it('orders up to S when the position is at or under the reorder point, with its reasons', () => {
    const r = replenishment('MAN-SKU', 'MAN-1', d, certain, { available: 30, incoming: 10 }, NOW);
    expect(r?.quantity).toBe(62 - 40);
    expect(r?.coverDays).toBe(3);
    expect(r?.urgentAt).toBe(new Date(NOW).toISOString());
    expect(r?.reason).toBe(
      'MAN-SKU at MAN-1 sells 10/day ± 3, 30 available, 3 days of cover, 10 incoming; ' +
        'supplier lead time 4 days ± 0; reorder point 50, order up to 62: order 22',
    );
  });
  it('orders nothing above the reorder point, for zero demand, or for a SKU that stopped selling', () => {
    expect(replenishment('A', 'L', d, certain, { available: 51, incoming: 0 }, NOW)).toBeNull();
    expect(replenishment('A', 'L', d, certain, { available: 20, incoming: 31 }, NOW)).toBeNull();
    expect(
      replenishment(
        'A',
        'L',
        { ratePerDay: 0, sigmaPerDay: 0 },
        certain,
        { available: 0, incoming: 0 },
        NOW,
      ),
    ).toBeNull();
  });
  it('counts a backorder (negative available) against the position', () => {
    const r = replenishment('A', 'L', d, certain, { available: -5, incoming: 0 }, NOW);
    expect(r?.quantity).toBe(67);
    expect(r?.coverDays).toBe(0);
  });
});

describe('transfers', () => {
  const lanes: Record<string, number> = { 'C>A': 0.5, 'B>A': 1, 'D>A': 5, 'A>B': 1 };
  const lane = (from: string, to: string) => {
    const days = lanes[`${from}>${to}`];
    return days === undefined ? null : { leadTimeDays: days, costPerUnit: 1 };
  };
  const site = (location: string, rate: number, available: number, incoming = 0): Site => ({
    location,
    demand: { ratePerDay: rate, sigmaPerDay: 0 },
    policy: certain,
    position: { available, incoming },
  });

  it('brings a location that runs out before a supplier order up to S, nearest source first', () => {
    // A: 10/day, 5 available → out in 0.5 days < 4; ROP 40, S 50: needs 45.
    // C sells nothing: keeps 0, gives 10 over the fastest lane. B sells 1/day: keeps S = 5 of 100.
    const out = transfers('SKU', [site('A', 10, 5), site('B', 1, 100), site('C', 0, 10)], lane);
    expect(out.map((t) => [t.from, t.to, t.quantity])).toEqual([
      ['C', 'A', 10],
      ['B', 'A', 35],
    ]);
    expect(out[0]?.stockoutInDays).toBe(0.5);
  });

  it('never takes a source under what it keeps, nor uses a lane slower than a supplier order', () => {
    // B keeps S = 5 of its 8 available: gives 3. D's lane takes 5 days, longer than the 4-day lead time.
    const out = transfers('SKU', [site('A', 10, 5), site('B', 1, 8), site('D', 0, 500)], lane);
    expect(out.map((t) => [t.from, t.to, t.quantity])).toEqual([['B', 'A', 3]]);
  });

  it('moves nothing to a location whose incoming covers it or that will not run out in time', () => {
    expect(transfers('SKU', [site('A', 10, 5, 40), site('B', 0, 100)], lane)).toEqual([]);
    expect(transfers('SKU', [site('A', 10, 41), site('B', 0, 100)], lane)).toEqual([]);
  });
});

describe('autoBuffer', () => {
  const bounds = { min: 0, max: 20 };
  it('keeps back what sells during the lag, with its spread, within bounds', () => {
    // 48/day over 1 hour: 2 units, + 1.6449·4.8·√(1/24) = 1.6117 → 3.61 → 4.
    expect(autoBuffer({ ratePerDay: 48, sigmaPerDay: 4.8 }, 3600, bounds)).toBe(4);
    expect(autoBuffer({ ratePerDay: 48, sigmaPerDay: 0 }, 3600, bounds)).toBe(2);
    expect(autoBuffer({ ratePerDay: 48, sigmaPerDay: 4.8 }, 0, { min: 1, max: 20 })).toBe(1);
    expect(autoBuffer({ ratePerDay: 4800, sigmaPerDay: 0 }, 3600, bounds)).toBe(20);
  });
  it('a slower marketplace keeps more back than a fast one', () => {
    const d = { ratePerDay: 100, sigmaPerDay: 20 };
    expect(autoBuffer(d, 600, bounds)).toBeGreaterThan(autoBuffer(d, 5, bounds));
    expect(DEFAULT_LOCATION_POLICY.serviceLevel).toBe(0.95);
  });
});

describe('withNetworkShare', () => {
  it('adds rates and variances over the locations', () => {
    expect(
      networkDemand([
        { ratePerDay: 6, sigmaPerDay: 3 },
        { ratePerDay: 2, sigmaPerDay: 4 },
      ]),
    ).toEqual({ ratePerDay: 8, sigmaPerDay: 5 });
    expect(networkDemand([])).toEqual({ ratePerDay: 0, sigmaPerDay: 0 });
  });

  it("gives a location that has not sold the SKU its share of the network's demand, never less than its own", () => {
    const local = new Map([
      ['MAN', { ratePerDay: 6, sigmaPerDay: 3 }],
      ['LON', { ratePerDay: 0, sigmaPerDay: 0 }],
      ['RTM', { ratePerDay: 2, sigmaPerDay: 4 }],
    ]);
    // Network 8/day ± 5. LON takes 40% of all demand: 3.2 ± 2. MAN's own 6 beats 40% (3.2);
    // RTM's own 2 beats 10% (0.8).
    const shares: Record<string, number> = { MAN: 0.4, LON: 0.4, RTM: 0.1 };
    const out = withNetworkShare(local, (l) => shares[l] ?? null);
    expect(Object.fromEntries(out)).toEqual({
      MAN: { ratePerDay: 6, sigmaPerDay: 3 },
      LON: { ratePerDay: 3.2, sigmaPerDay: 2 },
      RTM: { ratePerDay: 2, sigmaPerDay: 4 },
    });
    // No share known, or a SKU that sells nowhere: every location keeps its own estimate.
    expect(withNetworkShare(local, () => null)).toEqual(local);
    const none = new Map([['LON', { ratePerDay: 0, sigmaPerDay: 0 }]]);
    expect(withNetworkShare(none, () => 1)).toEqual(none);
  });
});

describe('planNetwork', () => {
  // A and B share a region (0.5 days apart); C is 1.5 days from both.
  const lane = (from: string, to: string) =>
    from === to ? null : { leadTimeDays: from === 'C' || to === 'C' ? 1.5 : 0.5, costPerUnit: 0 };
  const site = (
    location: string,
    ratePerDay: number,
    sigmaPerDay: number,
    available: number,
    policy: LocationPolicy = { ...certain, serviceLevel: 0.5 },
  ): Site => ({
    location,
    demand: { ratePerDay, sigmaPerDay },
    policy,
    position: { available, incoming: 0 },
  });

  it('positions stock ahead of demand: a location under what covers it until a transfer arrives gets it from the nearest surplus', () => {
    // z = 0. Each keeps d × (fastest inbound lane 0.5 + review 1) = 15; C sells nothing, keeps 0.
    // B has none: 15 from A (85 over its 15) before C. The network (20/day, lead time 4) has
    // 85 + 15 + 30 = 130 over its reorder point 80: no order, though B alone is at 0.
    const plan = planNetwork(
      'S',
      [site('A', 10, 0, 100), site('B', 10, 0, 0), site('C', 0, 0, 30)],
      lane,
      NOW,
    );
    expect(plan.transfers.map((t) => [t.from, t.to, t.quantity])).toEqual([['A', 'B', 15]]);
    expect(plan.orders).toEqual([]);
    // On its own, B would take A's units up to its own order-up-to level, 50.
    const own = planByLocation(
      'S',
      [site('A', 10, 0, 100), site('B', 10, 0, 0), site('C', 0, 0, 30)],
      lane,
      NOW,
    );
    expect(own.transfers.map((t) => [t.from, t.to, t.quantity])).toEqual([['A', 'B', 50]]);
  });

  it('orders for the network when its position reaches the network reorder point, split by demand', () => {
    // A 40: gives B 15 (25 over its 15). Network position 25 + 15 + 30 = 70 ≤ 80: order up to
    // 20 × 5 = 100, so 30, half at each seller.
    const plan = planNetwork(
      'S',
      [site('A', 10, 0, 40), site('B', 10, 0, 0), site('C', 0, 0, 30)],
      lane,
      NOW,
    );
    expect(plan.transfers.map((t) => [t.from, t.to, t.quantity])).toEqual([['A', 'B', 15]]);
    expect(plan.orders.map((o) => [o.location, o.quantity])).toEqual([
      ['A', 15],
      ['B', 15],
    ]);
    expect(plan.orders[0]?.reason).toBe(
      'S sells 20/day over 2 locations, 55 available, 2.8 days of cover, 15 incoming; network reorder point 80, order up to 100: order 30, 15 of it at A (50% of the demand)',
    );
  });

  it('pools safety stock: √(Σσ²) over the network instead of Σσ at each location', () => {
    // σ = 3 at A and B, 95%: pooled ROP = 80 + 1.645·√(4·9 + 4·9) = 93.96 → 94, against
    // 2 × (40 + 1.645·3·2) = 99.7 for the two on their own; S = 100 + 1.645·√(2·5·9) = 115.604 → 116.
    // Each keeps 15 + 1.645·3·√1.5 = 21.04 → 22: B (15) gets 7 from A. Position 68 + 22 = 90: order 26.
    const sure = { ...certain, serviceLevel: 0.95 };
    const plan = planNetwork(
      'S',
      [site('A', 10, 3, 75, sure), site('B', 10, 3, 15, sure)],
      lane,
      NOW,
    );
    expect(plan.transfers.map((t) => [t.from, t.to, t.quantity])).toEqual([['A', 'B', 7]]);
    expect(plan.orders.map((o) => [o.location, o.quantity])).toEqual([
      ['A', 13],
      ['B', 13],
    ]);
    expect(plan.orders[0]?.levels.reorderPoint).toBeCloseTo(93.957, 3);
    expect(plan.orders[0]?.levels.orderUpTo).toBeCloseTo(115.604, 3);
    // At 95 the network is over its pooled reorder point: nothing to order.
    expect(
      planNetwork('S', [site('A', 10, 3, 80, sure), site('B', 10, 3, 15, sure)], lane, NOW).orders,
    ).toEqual([]);
  });

  it('never moves units a source keeps for itself, nor over a lane slower than a supplier order', () => {
    const slow = (from: string, to: string) =>
      from === to ? null : { leadTimeDays: 4, costPerUnit: 0 };
    expect(
      planNetwork('S', [site('A', 10, 0, 100), site('B', 10, 0, 0)], slow, NOW).transfers,
    ).toEqual([]);
    // A keeps 15 of its 20: only 5 move, though B wants 15.
    expect(
      planNetwork('S', [site('A', 10, 0, 20), site('B', 10, 0, 0)], lane, NOW).transfers.map(
        (t) => t.quantity,
      ),
    ).toEqual([5]);
  });

  it('orders nothing for a SKU that sells nowhere', () => {
    expect(planNetwork('S', [site('A', 0, 0, 0), site('B', 0, 0, 0)], lane, NOW)).toEqual({
      transfers: [],
      orders: [],
    });
  });
});
