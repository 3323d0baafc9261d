import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, nextLevel, type StockLevel, type StockSignal } from './threshold';

const run = (
  readings: { available: number; coverDays: number | null }[],
  start: StockLevel = 'ok',
) => {
  let level = start;
  const signals: StockSignal[] = [];
  for (const r of readings) {
    const next = nextLevel(level, r, DEFAULT_THRESHOLDS);
    level = next.level;
    if (next.signal !== null) signals.push(next.signal);
  }
  return { level, signals };
};

describe('stock thresholds with hysteresis', () => {
  it('raises one low for cover wobbling 1,000 times around its threshold', () => {
    // 5 days is the threshold; leaving low needs 6 (20% band): 4.9 ↔ 5.5 never leaves it.
    const readings = Array.from({ length: 1000 }, (_, i) => ({
      available: 50,
      coverDays: i % 2 === 0 ? 4.9 : 5.5,
    }));
    expect(run(readings)).toEqual({ level: 'low', signals: ['low'] });
  });

  it('raises a low per real crossing: out of the band and back under the threshold', () => {
    const readings = Array.from({ length: 1000 }, (_, i) => ({
      available: 50,
      coverDays: i % 2 === 0 ? 4.9 : 6.1,
    }));
    const { signals } = run(readings);
    expect(signals).toEqual(Array.from({ length: 500 }, () => 'low'));
  });

  it('raises out and back_in_stock once each per sell-out and restock', () => {
    const readings = Array.from({ length: 1000 }, (_, i) => ({
      available: i % 2 === 0 ? 0 : 40,
      coverDays: i % 2 === 0 ? 0 : 20,
    }));
    const { signals } = run(readings);
    expect(signals.length).toBe(1000);
    expect(signals.filter((s) => s === 'out').length).toBe(500);
    expect(signals.filter((s) => s === 'back_in_stock').length).toBe(500);
    // Repeated readings at zero raise nothing more.
    expect(
      run([
        { available: 0, coverDays: 0 },
        { available: 0, coverDays: 0 },
      ]),
    ).toEqual({
      level: 'out',
      signals: ['out'],
    });
  });

  it('comes back in stock as low when the restock leaves little cover', () => {
    expect(
      run(
        [
          { available: 0, coverDays: 0 },
          { available: 3, coverDays: 1 },
        ],
        'ok',
      ),
    ).toEqual({ level: 'low', signals: ['out', 'back_in_stock'] });
  });

  it('uses a reorder point as well as cover, with the same band', () => {
    const t = { ...DEFAULT_THRESHOLDS, lowCoverDays: null, reorderPoint: 10 };
    let level: StockLevel = 'ok';
    const signals: (StockSignal | null)[] = [];
    for (const available of [11, 10, 11, 12, 13, 10]) {
      const next = nextLevel(level, { available, coverDays: null }, t);
      level = next.level;
      signals.push(next.signal);
    }
    // 10 is low; 11 and 12 stay low (≤ 12 is within the 20% band); 13 clears it; 10 is low again.
    expect(signals).toEqual([null, 'low', null, null, null, 'low']);
  });

  it('ignores cover for a SKU that does not sell', () => {
    expect(nextLevel('ok', { available: 3, coverDays: null }, DEFAULT_THRESHOLDS)).toEqual({
      level: 'ok',
      signal: null,
    });
  });
});
