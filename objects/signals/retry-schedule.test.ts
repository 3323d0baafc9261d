import { describe, expect, it } from 'vitest';
import { nextAttemptAt, RETRY_FOR_MS, shouldDisable } from './retry-schedule';

const t0 = 1_000_000_000_000;
const mid = () => 0.5;

describe('webhook retry schedule', () => {
  it('backs off 5 s, 15 s, 45 s … at most 2 h apart', () => {
    const gaps = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => (nextAttemptAt(t0, n, t0, mid) ?? 0) - t0);
    expect(gaps).toEqual([5e3, 15e3, 45e3, 135e3, 405e3, 1215e3, 3645e3, 7200e3, 7200e3]);
  });

  it('jitters each gap by ±20%', () => {
    expect(nextAttemptAt(t0, 1, t0, () => 0)).toBe(t0 + 4_000);
    expect(nextAttemptAt(t0, 1, t0, () => 1)).toBe(t0 + 6_000);
  });

  it('gives up after a day of attempts', () => {
    let now = t0;
    let failures = 0;
    for (;;) {
      const at = nextAttemptAt(t0, ++failures, now, mid);
      if (at === null) break;
      now = at;
    }
    expect(now - t0).toBeLessThanOrEqual(RETRY_FOR_MS);
    expect(now - t0).toBeGreaterThan(RETRY_FOR_MS - 2 * 3600 * 1000);
    // 7 growing gaps (5 s … 1 h) and 11 of 2 h: 18 retries after the first attempt.
    expect(failures - 1).toBe(18);
  });

  it('disables a subscription only after a whole day of failures', () => {
    expect(shouldDisable(null, t0)).toBe(false);
    expect(shouldDisable(t0, t0 + RETRY_FOR_MS - 1)).toBe(false);
    expect(shouldDisable(t0, t0 + RETRY_FOR_MS)).toBe(true);
  });
});
