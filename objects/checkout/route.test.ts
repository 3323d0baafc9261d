import { describe, expect, it } from 'vitest';
import type { Candidate } from './geo';
import { type PlanInput, planCart, type StockAt } from './route';

const at = (available: Record<string, number>, policy: StockAt['policy'] = 'deny'): StockAt => ({
  policy,
  available: new Map(Object.entries(available)),
});
const near = (...locations: string[]): Candidate[] =>
  locations.map((location, i) => ({ location, distanceKm: (i + 1) * 100 }));
const input = (over: Partial<PlanInput> & Pick<PlanInput, 'items' | 'stock'>): PlanInput => ({
  candidates: near('A', 'B', 'C'),
  basis: 'channel priority',
  allowSplit: false,
  ...over,
});
const picks = (plan: ReturnType<typeof planCart>) =>
  plan.ok
    ? plan.routes.map((r) => r.picks.map((p) => `${p.quantity}@${p.location}`).join('+'))
    : [];

describe('planCart', () => {
  it('ships the whole cart from the first location that has every line', () => {
    const plan = planCart(
      input({
        items: [
          { sku: 'X', quantity: 2 },
          { sku: 'Y', quantity: 1 },
        ],
        stock: new Map([
          ['X', at({ A: 5, B: 5 })],
          ['Y', at({ B: 1, C: 1 })],
        ]),
      }),
    );
    expect(picks(plan)).toEqual(['2@B', '1@B']);
    expect(plan.ok && plan.shipments).toEqual(['B']);
    expect(plan.ok && plan.routes[0]).toMatchObject({
      reason: 'single_location',
      note: 'B ships the whole cart: the only one of 3 locations that can (200 km)',
    });
  });

  it('prefers one location even when the first choice has most of the lines', () => {
    const plan = planCart(
      input({
        items: [
          { sku: 'X', quantity: 1 },
          { sku: 'Y', quantity: 1 },
          { sku: 'Z', quantity: 1 },
        ],
        stock: new Map([
          ['X', at({ A: 1, C: 1 })],
          ['Y', at({ A: 1, C: 1 })],
          ['Z', at({ C: 1 })],
        ]),
      }),
    );
    expect(picks(plan)).toEqual(['1@C', '1@C', '1@C']);
  });

  it('uses the fewest shipments when no location has everything, every line whole', () => {
    const plan = planCart(
      input({
        items: [
          { sku: 'X', quantity: 1 },
          { sku: 'Y', quantity: 1 },
          { sku: 'W', quantity: 1 },
          { sku: 'Z', quantity: 1 },
        ],
        stock: new Map([
          ['X', at({ A: 1, B: 1 })],
          ['Y', at({ B: 1 })],
          ['W', at({ B: 1 })],
          ['Z', at({ C: 1, A: 1 })],
        ]),
      }),
    );
    // B ships three lines, then A the fourth: two shipments, though A comes first by priority.
    expect(picks(plan)).toEqual(['1@B', '1@B', '1@B', '1@A']);
    expect(plan.ok && plan.shipments).toEqual(['B', 'A']);
    expect(plan.ok && plan.routes[3]).toEqual({
      picks: [{ location: 'A', quantity: 1 }],
      reason: 'fewest_shipments',
      note: 'No location ships the whole cart; A ships 1 of 4 items (shipment 2, most items first, then channel priority) (100 km)',
    });
  });

  it('splits a line only when the channel allows it and no location has it all', () => {
    const items = [{ sku: 'X', quantity: 5 }];
    const stock = new Map([['X', at({ A: 3, B: 1, C: 4 })]]);
    const refused = planCart(input({ items, stock }));
    expect(refused).toEqual({
      ok: false,
      short: [
        {
          item: 0,
          requested: 5,
          at: [
            { location: 'A', available: 3 },
            { location: 'B', available: 1 },
            { location: 'C', available: 4 },
          ],
          reason: 'split_refused',
        },
      ],
    });
    const split = planCart(input({ items, stock, allowSplit: true }));
    expect(picks(split)).toEqual(['3@A+1@B+1@C']);
    expect(split.ok && split.routes[0]?.note).toBe(
      'No single location has 5; split 3 at A, 1 at B, 1 at C (the channel allows splits)',
    );
  });

  it('fills a split from locations already shipping before adding one', () => {
    const plan = planCart(
      input({
        allowSplit: true,
        items: [
          { sku: 'Y', quantity: 1 },
          { sku: 'X', quantity: 4 },
        ],
        stock: new Map([
          ['Y', at({ C: 1 })],
          ['X', at({ A: 2, B: 2, C: 2 })],
        ]),
      }),
    );
    expect(picks(plan)).toEqual(['1@C', '2@C+2@A']);
  });

  it('reports every short line with what is available where, and out_of_stock when the total is short', () => {
    const plan = planCart(
      input({
        allowSplit: true,
        items: [
          { sku: 'X', quantity: 1 },
          { sku: 'Y', quantity: 9 },
        ],
        stock: new Map([
          ['X', at({ A: 1 })],
          ['Y', at({ A: 2, C: 3 })],
        ]),
      }),
    );
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.short).toEqual([
      {
        item: 1,
        requested: 9,
        reason: 'out_of_stock',
        at: [
          { location: 'A', available: 2 },
          { location: 'B', available: 0 },
          { location: 'C', available: 3 },
        ],
      },
    ]);
  });

  it('counts two items of one SKU (a kit component and its own line) against the same units', () => {
    const plan = planCart(
      input({
        items: [
          { sku: 'X', quantity: 2 },
          { sku: 'X', quantity: 2 },
        ],
        stock: new Map([['X', at({ A: 3, B: 2 })]]),
      }),
    );
    expect(picks(plan)).toEqual(['2@A', '2@B']);
  });

  it('never runs a continue SKU out, and says what is backordered', () => {
    const plan = planCart(
      input({
        items: [{ sku: 'X', quantity: 5 }],
        stock: new Map([['X', at({ A: 2 }, 'continue')]]),
      }),
    );
    expect(picks(plan)).toEqual(['5@A']);
    expect(plan.ok && plan.routes[0]?.note).toMatch(/3 backordered at A \(policy continue\)$/);
  });

  it('finds nothing at locations that do not feed the channel', () => {
    const plan = planCart(
      input({
        candidates: near('A'),
        items: [{ sku: 'X', quantity: 1 }],
        stock: new Map([['X', at({ Z: 50 })]]),
      }),
    );
    expect(!plan.ok && plan.short[0]).toMatchObject({
      reason: 'out_of_stock',
      at: [{ location: 'A', available: 0 }],
    });
  });
});
