import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  lossFloor,
  type Sale,
  type Settings,
  salesOf,
  simulate,
} from './simulate';

const HOUR = 3600 * 1000;
const DAY0 = Date.UTC(2010, 11, 1);
const at = (day: number, hour: number) => DAY0 + day * 24 * HOUR + hour * HOUR;

describe('salesOf', () => {
  it('ships each order from its country nearest warehouse, the UK split by invoice, charges and cancellations left out', () => {
    const records = [
      ['InvoiceNo', 'StockCode', 'Quantity', 'InvoiceDate', 'Country'],
      ['536365', 'A', '6', '12/1/10 8:26', 'United Kingdom'],
      ['536365', 'POST', '1', '12/1/10 8:26', 'United Kingdom'],
      ['536366', 'A', '2', '12/1/10 9:00', 'United Kingdom'],
      ['536367', '22423', '3', '12/2/10 10:30', 'Norway'],
      ['C536368', 'A', '-1', '12/2/10 11:00', 'United Kingdom'],
    ];
    expect(salesOf(records)).toEqual([
      { at: at(0, 8) + 26 * 60_000, location: 'LON-1', sku: 'A', quantity: 6 },
      { at: at(0, 9), location: 'MAN-1', sku: 'A', quantity: 2 },
      { at: at(1, 10.5), location: 'STO-1', sku: '22423', quantity: 3 },
    ]);
  });
});

describe('simulate', () => {
  const warehouses = [
    { code: 'A', region: 'R1', latitude: 0, longitude: 0 },
    { code: 'B', region: 'R1', latitude: 0, longitude: 1 },
  ];
  const settings: Settings = {
    ...DEFAULT_SETTINGS,
    historyDays: 1,
    openingDays: 1,
    policy: { leadTimeDays: 2, leadTimeSpreadDays: 0, reviewPeriodDays: 1, serviceLevel: 0.5 },
  };
  const sales: Sale[] = [
    { at: at(0, 12), location: 'A', sku: 'S', quantity: 4 },
    { at: at(1, 10), location: 'A', sku: 'S', quantity: 6 },
    { at: at(1, 12), location: 'B', sku: 'S', quantity: 2 },
    { at: at(3, 11), location: 'A', sku: 'S', quantity: 5 },
  ];

  it('static points: reorder at ⌈average × lead time⌉ for a fixed quantity, arriving a lead time later', () => {
    // History: A sold 4 in one day → opening 4, reorder point 8, order 28; B: none → 0, point 0, order 1.
    const r = simulate('static', sales, warehouses, settings);
    // Day 1 10:00: A serves 4 of 6 and orders 28 (day 3 10:00); B loses 2 and orders 1 (day 3 12:00).
    // Day 3 11:00: A has 28, serves 5.
    expect(r).toMatchObject({
      unitsDemanded: 13,
      unitsServed: 9,
      unitsLost: 4,
      unitsLostWithoutHistory: 2,
      supplierOrders: 2,
      unitsOrdered: 29,
      unitsOpening: 4,
      unitsOnHandAtEnd: 24,
      transfers: 0,
    });
    // A at zero from day 1 10:00 to day 3 10:00; B from the start (day 1 0:00) to day 3 12:00.
    expect(r.stockoutSkuHours).toBe(48 + 60);
  });

  it('Stockmesh conserves every unit and orders as soon as its estimate sees demand', () => {
    const r = simulate('stockmesh', sales, warehouses, settings);
    expect(r.unitsServed + r.unitsLost).toBe(13);
    expect(r.unitsOnHandAtEnd).toBe(
      r.unitsOpening + r.unitsArrived - r.unitsServed - r.unitsInTransitAtEnd,
    );
    expect(r.supplierOrders).toBeGreaterThan(0);
  });

  it('Stockmesh with the network plan orders once for the network, split by demand, and conserves every unit', () => {
    // History: A 8, B 2 → opening 8 and 2; rates 8 and 2 (the first day starts TSB's estimate).
    // At the start, z = 0: network reorder point 10 × 2 days = 20, order-up-to 10 × 3 = 30, position
    // 10: order 20, 16 at A and 4 at B (80% and 20% of the demand), arriving on day 3; A keeps
    // 8 × 1.5 = 12, so it has nothing to move to B yet. Nothing else is ever due.
    const two: Sale[] = [
      { at: at(0, 10), location: 'A', sku: 'S', quantity: 8 },
      { at: at(0, 12), location: 'B', sku: 'S', quantity: 2 },
      { at: at(1, 10), location: 'B', sku: 'S', quantity: 6 },
      { at: at(1, 12), location: 'A', sku: 'S', quantity: 2 },
      { at: at(3, 11), location: 'B', sku: 'S', quantity: 5 },
    ];
    const lost: [string, number][] = [];
    const r = simulate('stockmesh', two, warehouses, { ...settings, plan: 'network' }, (s, n) =>
      lost.push([s.location, n]),
    );
    expect(r).toMatchObject({ supplierOrders: 2, unitsOrdered: 20, unitsOpening: 10 });
    expect(r.unitsServed + r.unitsLost).toBe(13);
    expect(r.unitsOnHandAtEnd).toBe(
      r.unitsOpening + r.unitsArrived - r.unitsServed - r.unitsInTransitAtEnd,
    );
    // B's 6 on day 1 finds its 2: 4 lost before anything could arrive.
    expect(lost[0]).toEqual(['B', 4]);
    // Each location on its own orders more, in more orders.
    const own = simulate('stockmesh', two, warehouses, settings);
    expect([own.supplierOrders, own.unitsOrdered]).toEqual([5, 28]);
  });

  it('the lower bound counts what is asked for before an order could arrive, beyond all opening stock', () => {
    // Opening 4 (A's day of history). Lead time 2 days from the start (day 1): 6 + 2 asked before
    // day 3, 4 of them beyond the opening stock. An unseen SKU T first sells on day 2: its 3 and
    // its 1 the next morning fall within 2 days of its first sale, with no stock at all.
    const more: Sale[] = [
      ...sales,
      { at: at(2, 9), location: 'B', sku: 'T', quantity: 3 },
      { at: at(3, 8), location: 'A', sku: 'T', quantity: 1 },
    ].sort((a, b) => a.at - b.at);
    expect(lossFloor(more, settings)).toBe(4 + 4);
    expect(lossFloor(more, settings)).toBeLessThanOrEqual(
      simulate('stockmesh', more, warehouses, settings).unitsLost,
    );
  });
});
