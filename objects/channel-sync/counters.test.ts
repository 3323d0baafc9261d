import { describe, expect, it } from 'vitest';
import { RateWindow } from './counters';

describe('rates over the last minute', () => {
  it('averages what was counted in the last 60 seconds', () => {
    const w = new RateWindow();
    w.add(30, 1_000);
    w.add(30, 30_000);
    expect(w.perSecond(30_000)).toBe(1);
  });

  it('forgets what is older than a minute', () => {
    const w = new RateWindow();
    w.add(60, 1_000);
    w.add(6, 61_500);
    expect(w.perSecond(61_500)).toBeCloseTo(0.1);
  });
});
