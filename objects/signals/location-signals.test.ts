import { describe, expect, it } from 'vitest';
import { type LocationReading, locationSignals, resolveThresholds } from './location-signals';
import type { StockLevel } from './threshold';

const AT = Date.UTC(2026, 11, 2, 1, 0);

/** Runs readings of one location through the producer as SkuStock does: levels carried over. */
const run = (readings: Omit<LocationReading, 'location'>[], t = resolveThresholds({}, {})) => {
  const stored = new Map<string, StockLevel>();
  const events = readings.flatMap((r, i) => {
    const out = locationSignals({
      sku: 'TEE-BLK-M',
      seq: i + 1,
      at: AT,
      readings: [{ location: 'CHI-1', ...r }],
      levelOf: (l) => stored.get(l),
      thresholdsOf: () => t,
    });
    for (const [l, level] of out.levels) stored.set(l, level);
    return out.events;
  });
  return { events, level: stored.get('CHI-1') };
};

describe('location signals', () => {
  it('takes a first reading silently, then raises out with its numbers and a stable id', () => {
    const { events, level } = run([
      { available: 5, coverDays: 10, ratePerDay: 0.5 },
      { available: 0, coverDays: 0, ratePerDay: 0.5 },
    ]);
    expect(level).toBe('out');
    expect(events).toEqual([
      {
        id: 'TEE-BLK-M:CHI-1:out:2',
        type: 'out',
        at: '2026-12-02T01:00:00.000Z',
        sku: 'TEE-BLK-M',
        location: 'CHI-1',
        data: {
          available: 0,
          coverDays: 0,
          ratePerDay: 0.5,
          threshold: 0,
          rule: 'available 0 ≤ 0',
          seq: 2,
        },
      },
    ]);
  });

  it('a SKU oscillating 1,000 times around its cover threshold raises exactly the crossings the rule defines', () => {
    // Threshold 5 days, band 20 %: 4.9 ↔ 5.5 never clears 6, so one low in all.
    const inBand = Array.from({ length: 1000 }, (_, i) => ({
      available: 50,
      coverDays: i % 2 === 0 ? 4.9 : 5.5,
      ratePerDay: 10,
    }));
    expect(run([{ available: 80, coverDays: 8, ratePerDay: 10 }, ...inBand]).events).toHaveLength(
      1,
    );
    // 4.9 ↔ 6.1 clears the band every other reading: 500 lows, each with its own id.
    const outOfBand = Array.from({ length: 1000 }, (_, i) => ({
      available: 50,
      coverDays: i % 2 === 0 ? 4.9 : 6.1,
      ratePerDay: 10,
    }));
    const { events } = run([{ available: 80, coverDays: 8, ratePerDay: 10 }, ...outOfBand]);
    expect(events).toHaveLength(500);
    expect(new Set(events.map((e) => e.id)).size).toBe(500);
    expect(events[0]?.data).toMatchObject({ threshold: 5, rule: 'coverDays 4.9 < 5' });
  });

  it('selling out and restocking 1,000 times raises 500 outs and 500 back_in_stocks, alternating', () => {
    const swings = Array.from({ length: 1000 }, (_, i) => ({
      available: i % 2 === 0 ? 0 : 3,
      coverDays: null,
      ratePerDay: 0,
    }));
    // Noise: repeated zeros between swings raise nothing more.
    const noisy = swings.flatMap((r) => (r.available === 0 ? [r, r, r] : [r]));
    const { events } = run([{ available: 3, coverDays: null, ratePerDay: 0 }, ...noisy]);
    expect(events.map((e) => e.type)).toEqual(
      Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 'out' : 'back_in_stock')),
    );
  });

  it('stays out under the back-in-stock threshold and says which threshold it crossed', () => {
    const t = resolveThresholds({ backInStock: 5 }, { backInStock: 2, lowCoverDays: null });
    const { events } = run(
      [
        { available: 9, coverDays: null, ratePerDay: 0 },
        { available: 0, coverDays: null, ratePerDay: 0 },
        { available: 4, coverDays: null, ratePerDay: 0 },
        { available: 5, coverDays: null, ratePerDay: 0 },
      ],
      t,
    );
    expect(events.map((e) => [e.type, e.data.threshold, e.data.rule])).toEqual([
      ['out', 0, 'available 0 ≤ 0'],
      ['back_in_stock', 5, 'available 5 ≥ 5'],
    ]);
  });

  it('resolves thresholds SKU over location over defaults', () => {
    expect(resolveThresholds({ band: 0.5 }, { band: 0.1, reorderPoint: 4 })).toEqual({
      lowCoverDays: 5,
      reorderPoint: 4,
      band: 0.5,
      backInStock: 1,
    });
  });
});
