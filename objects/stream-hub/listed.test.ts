import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LocationStock } from '../../protocol/stock';
import { listedQuantity, sellable } from './listed';

const at = (location: string, available: number): LocationStock => ({
  location,
  onHand: Math.max(available, 0),
  reserved: 0,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  incoming: 0,
  available,
  backordered: Math.max(-available, 0),
});

const rules = (overrides: Partial<Parameters<typeof listedQuantity>[0]> = {}) => ({
  locations: ['A', 'B'],
  percentage: 100,
  buffer: 0,
  maxListed: null,
  endWhen: 0,
  ...overrides,
});

describe('sellable units of a channel', () => {
  it('sums the available units of the channel locations only', () => {
    expect(sellable(rules(), [at('A', 3), at('B', 4), at('C', 100)])).toBe(7);
  });

  it('counts an overdrawn location as zero instead of subtracting its backorders', () => {
    expect(sellable(rules(), [at('A', -5), at('B', 4)])).toBe(4);
  });

  it('counts a channel location the SKU has no stock at as zero', () => {
    expect(sellable(rules({ locations: ['A', 'Z'] }), [at('A', 2)])).toBe(2);
  });
});

describe('listed quantity', () => {
  const cases: [string, Partial<ReturnType<typeof rules>>, number, number, string][] = [
    // name, rules, sellable, listed, rule
    ['lists every available unit by default', {}, 10, 10, 'available'],
    ['lists nothing when nothing is available', {}, 0, 0, 'available'],
    ['takes a percentage, rounded down', { percentage: 50 }, 7, 3, 'percentage'],
    ['keeps 100% whole', { percentage: 100 }, 7, 7, 'available'],
    ['rounds 1% of 99 down to 0', { percentage: 1 }, 99, 0, 'percentage'],
    ['holds a buffer back', { buffer: 2 }, 10, 8, 'buffer'],
    ['never lists below zero because of the buffer', { buffer: 20 }, 10, 0, 'buffer'],
    ['applies the buffer after the percentage', { percentage: 50, buffer: 2 }, 10, 3, 'buffer'],
    ['ends the listing at the end-when threshold', { endWhen: 3 }, 3, 0, 'end-when'],
    ['keeps the listing just above end-when', { endWhen: 3 }, 4, 4, 'available'],
    ['checks end-when after the buffer', { buffer: 2, endWhen: 3 }, 5, 0, 'end-when'],
    ['caps at maxListed', { maxListed: 5 }, 10, 5, 'max'],
    ['does not name the cap when under it', { maxListed: 50 }, 10, 10, 'available'],
    ['lists 0 with a cap of 0', { maxListed: 0 }, 10, 0, 'max'],
    [
      'checks end-when before the cap, so a low cap never ends a deep listing',
      { maxListed: 2, endWhen: 5 },
      50,
      2,
      'max',
    ],
    [
      'applies every rule in order',
      { percentage: 80, buffer: 1, maxListed: 6, endWhen: 2 },
      10,
      6,
      'max',
    ],
  ];
  for (const [name, overrides, units, listed, rule] of cases) {
    it(name, () => {
      expect(listedQuantity(rules({ ...overrides, locations: ['A'] }), [at('A', units)])).toEqual({
        quantity: listed,
        rule,
      });
    });
  }

  const arbitraryRules = fc.record({
    locations: fc.constant(['A', 'B']),
    percentage: fc.integer({ min: 1, max: 100 }),
    buffer: fc.integer({ min: 0, max: 50 }),
    maxListed: fc.option(fc.integer({ min: 0, max: 200 }), { nil: null }),
    endWhen: fc.integer({ min: 0, max: 50 }),
  });
  const arbitraryStock = fc.tuple(
    fc.integer({ min: -50, max: 500 }),
    fc.integer({ min: -50, max: 500 }),
    fc.integer({ min: -50, max: 500 }),
  );

  it('stays within 0 and the sellable units, the cap and above end-when', () => {
    fc.assert(
      fc.property(arbitraryRules, arbitraryStock, (r, [a, b, c]) => {
        const stock = [at('A', a), at('B', b), at('C', c)];
        const { quantity } = listedQuantity(r, stock);
        expect(quantity).toBeGreaterThanOrEqual(0);
        expect(quantity).toBeLessThanOrEqual(sellable(r, stock));
        if (r.maxListed !== null) expect(quantity).toBeLessThanOrEqual(r.maxListed);
        if (quantity > 0 && r.maxListed === null) expect(quantity).toBeGreaterThan(r.endWhen);
      }),
    );
  });

  it('never lists fewer units when more become available', () => {
    fc.assert(
      fc.property(arbitraryRules, arbitraryStock, fc.nat(100), (r, [a, b], more) => {
        const before = listedQuantity(r, [at('A', a), at('B', b)]).quantity;
        const after = listedQuantity(r, [at('A', a + more), at('B', b)]).quantity;
        expect(after).toBeGreaterThanOrEqual(before);
      }),
    );
  });

  it('ignores stock at locations outside the channel', () => {
    fc.assert(
      fc.property(arbitraryRules, arbitraryStock, (r, [a, b, c]) => {
        expect(listedQuantity(r, [at('A', a), at('B', b), at('C', c)])).toEqual(
          listedQuantity(r, [at('A', a), at('B', b)]),
        );
      }),
    );
  });

  it('equals the sellable units when no rule restricts', () => {
    fc.assert(
      fc.property(arbitraryStock, ([a, b]) => {
        const stock = [at('A', a), at('B', b)];
        expect(listedQuantity(rules(), stock).quantity).toBe(sellable(rules(), stock));
      }),
    );
  });
});

describe('exposure of degraded channels', () => {
  it('takes the exposed units off sellable first, before the percentage and the buffer', () => {
    expect(listedQuantity(rules({ percentage: 50 }), [at('A', 10)], 4)).toEqual({
      quantity: 3,
      rule: 'percentage',
    });
    expect(listedQuantity(rules(), [at('A', 10)], 4)).toEqual({ quantity: 6, rule: 'exposed' });
    expect(listedQuantity(rules(), [at('A', 3)], 5)).toEqual({ quantity: 0, rule: 'exposed' });
    expect(listedQuantity(rules(), [at('A', 3)], 0)).toEqual({ quantity: 3, rule: 'available' });
  });
});
