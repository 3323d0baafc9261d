import { describe, expect, it } from 'vitest';
import type { LocationStock } from '../../protocol/stock.ts';
import { movementsBetween, unitsCommitted } from '../../web/src/model/movements.ts';
import { demandPerDayIn } from '../../web/src/model/row-demand.ts';
import { newMemory, recordSale, SalesClock, unitsPerDay } from '../../web/src/model/sales-rate.ts';
import { sellableIn } from '../../web/src/model/scope.ts';
import { formatCover, gradeStock, LOW_DAYS, OVER_DAYS } from '../../web/src/model/status.ts';
import { layoutFor, moveFocus, positionAt, tileOrigin } from '../../web/src/wall/layout.ts';

const at = (location: string, levels: Partial<LocationStock> = {}): LocationStock => ({
  location,
  onHand: 0,
  reserved: 0,
  committed: 0,
  unavailable: 0,
  safetyStock: 0,
  incoming: 0,
  available: 0,
  backordered: 0,
  ...levels,
});

describe('grading a SKU by days of cover', () => {
  it('calls nothing available out of stock, whatever it sells', () => {
    expect(gradeStock(0, 0)).toBe('out');
    expect(gradeStock(-3, 10)).toBe('out');
  });

  it(`is low under ${LOW_DAYS} days, overstock over ${OVER_DAYS}, healthy between`, () => {
    expect(gradeStock(49, 10)).toBe('low');
    expect(gradeStock(50, 10)).toBe('healthy');
    expect(gradeStock(450, 10)).toBe('healthy');
    expect(gradeStock(451, 10)).toBe('over');
  });

  it('counts stock that never sells as overstock', () => {
    expect(gradeStock(4, 0)).toBe('over');
    expect(formatCover(4, 0)).toBe('no recent sales');
    expect(formatCover(30, 4)).toBe('7.5 days');
  });
});

describe('the sales rate', () => {
  it("starts at the catalog's daily sales", () => {
    expect(unitsPerDay(newMemory(12), 0)).toBe(12);
  });

  it('rises toward what the live feed shows selling, on the catalogue clock', () => {
    const clock = new SalesClock(1000);
    const hot = newMemory(10);
    const cold = newMemory(10);
    // One catalogue day passes: 1,000 units sold, 100 of them this hot SKU's.
    for (let i = 0; i < 100; i++) {
      clock.advance(9);
      recordSale(hot, 1, clock.now());
      clock.advance(1);
    }
    expect(clock.now()).toBeCloseTo(1);
    expect(unitsPerDay(hot, clock.now())).toBeGreaterThan(25);
    // A SKU that sold nothing all day slows down from its average.
    expect(unitsPerDay(cold, clock.now())).toBeLessThan(10);
    expect(unitsPerDay(cold, clock.now())).toBeGreaterThan(5);
  });

  it('grades a time-compressed replay as real time would: the clock moves with sales, not hours', () => {
    const fast = new SalesClock(500);
    const sku = newMemory(5);
    // Twice the catalogue's daily units in a few real seconds; this SKU sells its usual share.
    for (let i = 0; i < 10; i++) {
      fast.advance(99);
      recordSale(sku, 1, fast.now());
      fast.advance(1);
    }
    expect(unitsPerDay(sku, fast.now())).toBeCloseTo(5, 0);
  });
});

describe('movements from two states of a SKU', () => {
  it('names a commit, a shipment and a receipt by their deltas', () => {
    const held = [at('MAN-1', { onHand: 10, reserved: 2, available: 8 })];
    const committed = [at('MAN-1', { onHand: 10, committed: 2, available: 8 })];
    const shipped = [at('MAN-1', { onHand: 8, available: 8 })];
    const received = [at('MAN-1', { onHand: 20, available: 20 }), at('LON-1', { incoming: 5 })];
    expect(movementsBetween('A', held, committed, 't').map((m) => m.kind)).toEqual([
      'order placed',
    ]);
    expect(movementsBetween('A', committed, shipped, 't')[0]).toMatchObject({
      kind: 'shipped',
      location: 'MAN-1',
      deltas: [
        { field: 'onHand', delta: -2 },
        { field: 'committed', delta: -2 },
      ],
    });
    expect(movementsBetween('A', shipped, received, 't').map((m) => [m.location, m.kind])).toEqual([
      ['MAN-1', 'received'],
      ['LON-1', 'expected'],
    ]);
    expect(movementsBetween('A', shipped, shipped, 't')).toEqual([]);
  });

  it('counts newly committed units as sales, shipments not again', () => {
    const before = [at('MAN-1', { committed: 1 }), at('LON-1')];
    const after = [at('MAN-1', { committed: 4 }), at('LON-1', { committed: 2 })];
    expect(unitsCommitted(before, after)).toBe(5);
    expect(unitsCommitted(after, before)).toBe(0);
  });
});

describe('what a scope can sell', () => {
  const levels = [at('MAN-1', { available: 10 }), at('LON-1', { available: 7 })];
  it('sums every location, or one', () => {
    expect(sellableIn({ kind: 'all' }, levels)).toBe(17);
    expect(sellableIn({ kind: 'location', location: 'LON-1' }, levels)).toBe(7);
  });
  it("lists what a channel's rules list", () => {
    const channel = {
      code: 'ebay-uk',
      name: 'eBay UK',
      kind: 'marketplace' as const,
      locations: ['MAN-1', 'LON-1'],
      percentage: 50,
      buffer: 0,
      maxListed: null,
      endWhen: 3,
      routing: 'priority' as const,
      allowSplit: false,
      createdAt: '',
      updatedAt: '',
    };
    expect(sellableIn({ kind: 'channel', channel }, levels)).toBe(8);
    expect(sellableIn({ kind: 'channel', channel }, [at('MAN-1', { available: 6 })])).toBe(0);
  });
});

describe('the wall layout', () => {
  it('picks the largest tiles that fit everything, and scrolls only past the smallest', () => {
    const small = layoutFor(100, 400, 400);
    expect(small.rows * small.pitch).toBeLessThanOrEqual(400);
    expect(small.pitch).toBeGreaterThan(20);
    const huge = layoutFor(20_000, 900, 600);
    expect(huge.pitch).toBe(6);
    expect(huge.cols * huge.rows).toBeGreaterThanOrEqual(20_000);
  });

  it('maps points to tiles and back', () => {
    const l = layoutFor(50, 200, 200);
    const { x, y } = tileOrigin(l, 17);
    expect(positionAt(l, 50, x + 1, y + 1)).toBe(17);
    expect(positionAt(l, 50, -5, y)).toBe(-1);
    expect(positionAt(l, 17, x + 1, y + 1)).toBe(-1);
  });

  it('moves the focus with arrows, pages, Home and End, never off the wall', () => {
    const l = { cols: 10, rows: 5, pitch: 10, tile: 9, pad: 4 };
    expect(moveFocus('ArrowRight', 3, 45, l, 2)).toBe(4);
    expect(moveFocus('ArrowLeft', 0, 45, l, 2)).toBe(0);
    expect(moveFocus('ArrowDown', 38, 45, l, 2)).toBe(38);
    expect(moveFocus('ArrowDown', 33, 45, l, 2)).toBe(43);
    expect(moveFocus('ArrowUp', 3, 45, l, 2)).toBe(3);
    expect(moveFocus('PageDown', 0, 45, l, 2)).toBe(20);
    expect(moveFocus('End', 0, 45, l, 2)).toBe(44);
    expect(moveFocus('Home', 30, 45, l, 2)).toBe(0);
    expect(moveFocus('a', 3, 45, l, 2)).toBeUndefined();
  });
});

describe('colouring by the demand the rows carry', () => {
  const demand = (ratePerDay: number) => ({
    ratePerDay,
    sigmaPerDay: 1,
    coverDays: null,
    stockoutAt: null,
  });
  const rows = [
    at('MAN', { available: 30, demand: demand(2) }),
    at('LON', { available: 10, demand: demand(3) }),
    at('RTM', { available: 50 }),
    at('OSL', { available: 50, demand: demand(0) }),
  ];

  it('sums the rate of the locations in scope, and is null where none carries a rate yet', () => {
    expect(demandPerDayIn({ kind: 'all' }, rows)).toBe(5);
    expect(demandPerDayIn({ kind: 'location', location: 'LON' }, rows)).toBe(3);
    expect(demandPerDayIn({ kind: 'location', location: 'RTM' }, rows)).toBeNull();
    expect(demandPerDayIn({ kind: 'location', location: 'OSL' }, rows)).toBeNull();
    // 30 ÷ 2 = 15 days at MAN: healthy; 10 ÷ 3 = 3.3 days at LON: low.
    expect(gradeStock(30, demandPerDayIn({ kind: 'location', location: 'MAN' }, rows) ?? 0)).toBe(
      'healthy',
    );
    expect(gradeStock(10, demandPerDayIn({ kind: 'location', location: 'LON' }, rows) ?? 0)).toBe(
      'low',
    );
  });
});
