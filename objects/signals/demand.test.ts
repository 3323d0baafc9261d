import { describe, expect, it } from 'vitest';
import { advance, demandView, newDemand, rateOf, record } from './demand';

const DAY = 24 * 3600 * 1000;
const t0 = Date.UTC(2026, 10, 2);
/** Noon of day n after t0. */
const day = (n: number) => t0 + n * DAY + DAY / 2;

describe('TSB demand estimate', () => {
  it('has no demand before the first sale', () => {
    const s = advance(newDemand(t0), day(5));
    expect(rateOf(s)).toBe(0);
    expect(demandView(s, 10, day(5))).toEqual({
      ratePerDay: 0,
      sigmaPerDay: 0,
      coverDays: null,
      stockoutAt: null,
    });
  });

  it('matches hand-computed values over sales, an empty day and a smaller sale', () => {
    let s = newDemand(t0);
    s = record(s, 6, day(0));
    s = record(s, 4, day(0)); // 10 on day 0
    s = record(s, 4, day(2)); // closes day 0 (10) and day 1 (0)
    // Day 0: first demand → z = 10, p = 1/1; mse = 0.2·(10² − 0) = 20.
    // Day 1: no demand → p = 0.9; error −10 → mse = 20 + 0.2·(100 − 20) = 36.
    expect(s.p).toBeCloseTo(0.9, 12);
    expect(s.z).toBeCloseTo(10, 12);
    expect(s.mse).toBeCloseTo(36, 12);
    expect(rateOf(s)).toBeCloseTo(9, 12);
    s = advance(s, day(3));
    // Day 2: 4 units → p = 0.9 + 0.1·(1 − 0.9) = 0.91, z = 10 + 0.2·(4 − 10) = 8.8,
    // error 4 − 9 = −5 → mse = 36 + 0.2·(25 − 36) = 33.8.
    expect(s.p).toBeCloseTo(0.91, 12);
    expect(s.z).toBeCloseTo(8.8, 12);
    expect(s.mse).toBeCloseTo(33.8, 12);
    const view = demandView(s, 16, day(3));
    expect(view.ratePerDay).toBe(8.008);
    expect(view.sigmaPerDay).toBe(5.814); // √33.8
    expect(view.coverDays).toBe(2); // 16 ÷ 8.008 = 1.998
    expect(view.stockoutAt).toBe(new Date(day(3) + (16 / 8.008) * DAY).toISOString());
  });

  it('starts the occurrence probability from the first inter-demand interval', () => {
    const s = advance(record(newDemand(t0), 3, day(4)), day(5));
    // One demand day in five days seen: p = 1/5, z = 3.
    expect(s.p).toBeCloseTo(0.2, 12);
    expect(rateOf(s)).toBeCloseTo(0.6, 12);
  });

  it('moves the size by α on a burst and keeps the occurrence probability', () => {
    let s = newDemand(t0, { rate: 2, p: 0.5 }); // z = 4
    s = advance(record(s, 40, day(0)), day(1));
    expect(s.z).toBeCloseTo(4 + 0.2 * (40 - 4), 12);
    expect(s.p).toBeCloseTo(0.55, 12);
  });

  it('decays to zero when a SKU stops selling', () => {
    let s = newDemand(t0, { rate: 12, p: 0.8 });
    s = advance(s, day(60));
    expect(rateOf(s)).toBeCloseTo(12 * 0.9 ** 60, 9);
    expect(demandView(s, 100, day(60)).ratePerDay).toBeLessThan(0.03);
    s = advance(s, day(2000));
    expect(demandView(s, 100, day(2000))).toMatchObject({ ratePerDay: 0, coverDays: null });
  });

  it('never lets a cancellation take a day below zero units', () => {
    const s = record(record(newDemand(t0), 2, day(0)), -5, day(0));
    expect(s.today).toBe(0);
  });

  it('reports no stockout time for a location with nothing available', () => {
    const s = advance(record(newDemand(t0), 5, day(0)), day(1));
    expect(demandView(s, 0, day(1))).toMatchObject({ coverDays: 0, stockoutAt: null });
  });
});
