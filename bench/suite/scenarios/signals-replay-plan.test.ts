import { describe, expect, it } from 'vitest';
import type { ReplayEvent } from '../order-stream.ts';
import { planReplay, soldOutMs } from './signals-replay-plan.ts';

const T0 = 29_000_000; // minutes since the epoch
const cart = (invoice: string, minute: number, lines: [string, number][]): ReplayEvent => ({
  kind: 'cart',
  invoice: {
    invoice,
    day: '12/1/10',
    minutes: T0 + minute,
    country: 'United Kingdom',
    shipTo: 'GB',
    lines: lines.map(([sku, quantity]) => ({ sku, quantity })),
    returned: [],
    cancelled: false,
  },
});
const at = (minute: number) => (T0 + minute) * 60_000;

describe('the signals replay plan', () => {
  it('cuts lines to the stock left, knows which cart sells a SKU out, and restocks it the set time after', () => {
    const events: ReplayEvent[] = [
      cart('c1', 0, [
        ['85123A', 4],
        ['71053', 1],
      ]),
      cart('c2', 30, [['85123A', 3]]),
      { kind: 'return', invoice: 'C2', lines: [{ sku: '71053', quantity: 1 }] },
      cart('c3', 90, [
        ['85123A', 2],
        ['POST', 1],
      ]),
    ];
    // 85123A: demand 9 → opening 5; 71053: demand 1 → opening 1. POST is a service code: never stocked.
    const plan = planReplay(events, { openingShare: 0.5, restockAfterMinutes: 60 });
    expect([...plan.opening]).toEqual([
      ['85123A', 5],
      ['71053', 1],
    ]);
    expect(plan.steps).toEqual([
      {
        kind: 'cart',
        at: at(0),
        invoice: 'c1',
        lines: [
          { sku: '85123A', quantity: 4 },
          { sku: '71053', quantity: 1 },
        ],
        soldOut: ['71053'],
      },
      {
        kind: 'cart',
        at: at(30),
        invoice: 'c2',
        lines: [{ sku: '85123A', quantity: 1 }],
        soldOut: ['85123A'],
      },
      {
        kind: 'return',
        at: at(30),
        invoice: 'C2',
        lines: [{ sku: '71053', quantity: 1 }],
        back: ['71053'],
      },
      // 71053's restock is still due though a return brought it back first: it brings nothing back.
      { kind: 'restock', at: at(60), lines: [{ sku: '71053', quantity: 1 }], back: [] },
      { kind: 'restock', at: at(90), lines: [{ sku: '85123A', quantity: 5 }], back: ['85123A'] },
      {
        kind: 'cart',
        at: at(90),
        invoice: 'c3',
        lines: [{ sku: '85123A', quantity: 2 }],
        soldOut: [],
      },
    ]);
    expect(plan).toMatchObject({
      unitsSold: 8,
      unitsLost: 2,
      sellOuts: 2,
      restocks: 2,
      cartsEmpty: 0,
    });
    // 71053 out from minute 0 to the return at 30, 85123A from 30 to its restock at 90.
    expect(soldOutMs(plan.steps)).toBe(90 * 60_000);
  });

  it('leaves out a cart whose every product is sold out, counting its units lost', () => {
    const plan = planReplay([cart('c1', 0, [['85123A', 2]]), cart('c2', 5, [['85123A', 3]])], {
      openingShare: 0.2,
      restockAfterMinutes: 600,
    });
    // 85123A: demand 5 → opening 1: c1 gets 1 of 2, c2 nothing.
    expect(plan.steps.map((s) => [s.kind, s.lines])).toEqual([
      ['cart', [{ sku: '85123A', quantity: 1 }]],
    ]);
    expect(plan).toMatchObject({
      unitsSold: 1,
      unitsLost: 4,
      sellOuts: 1,
      restocks: 0,
      cartsEmpty: 1,
    });
  });
});
