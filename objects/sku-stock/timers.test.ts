import { describe, expect, it } from 'vitest';
import { Backoff, backoffMs } from './timers';

const middle = () => 0.5;

describe('backoff after failed flushes and publishes', () => {
  it('starts at 0.5 s and doubles per failure up to 60 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map((n) => backoffMs(n, middle))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('jitters each delay between 0.75 and 1.25 of it', () => {
    expect(backoffMs(1, () => 0)).toBe(375);
    expect(backoffMs(3, () => 0.999)).toBeCloseTo(2499, 0);
    expect(backoffMs(8, () => 0)).toBe(45_000);
  });

  it('counts consecutive failures and starts over after a success', () => {
    const b = new Backoff(middle);
    expect([b.fail(), b.fail(), b.fail()]).toEqual([500, 1000, 2000]);
    expect(b.failures).toBe(3);
    b.succeed();
    expect(b.failures).toBe(0);
    expect(b.fail()).toBe(500);
  });
});
