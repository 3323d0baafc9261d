import { describe, expect, it } from 'vitest';
import { afterNoAnswer, afterResponse, backoffMs, bulkSlot, mayGo, OPEN_GATE } from './gate';

const throttle = (notBefore: number | null) => ({ notBefore, describe: 'bucket 10/2000' });

describe('the rate-limit gate', () => {
  it('lets a request go at once, or at the time the marketplace said', () => {
    expect(mayGo(OPEN_GATE, 0)).toBe(true);
    const g = afterResponse(OPEN_GATE, throttle(1500), 'ok', 1000, 0.5);
    expect(mayGo(g, 1400)).toBe(false);
    expect(mayGo(g, 1500)).toBe(true);
  });

  it('backs off exponentially with jitter while nothing goes through, and resets on success', () => {
    let g = OPEN_GATE;
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      g = afterResponse(g, throttle(null), 'retry', 0, 1);
      waits.push(g.notBefore ?? 0);
    }
    expect(waits).toEqual([500, 1000, 2000, 4000]);
    expect(afterResponse(g, throttle(null), 'ok', 0, 1)).toMatchObject({
      failures: 0,
      notBefore: null,
    });
  });

  it('keeps the later of the throttle and the backoff', () => {
    expect(afterResponse(OPEN_GATE, throttle(9000), 'retry', 0, 1).notBefore).toBe(9000);
  });

  it('spreads retries between half and all of the backoff', () => {
    expect(backoffMs(3, 0)).toBe(1000);
    expect(backoffMs(3, 1)).toBe(2000);
    expect(backoffMs(30, 1)).toBe(60_000);
  });

  it('retries refused credentials slowly: half a minute at first, at most ten minutes', () => {
    const g = afterResponse(OPEN_GATE, throttle(null), 'fatal', 0, 1);
    expect(g.notBefore).toBe(30_000);
    let worst = g;
    for (let i = 0; i < 20; i++) worst = afterResponse(worst, throttle(null), 'fatal', 0, 1);
    expect(worst.notBefore).toBe(600_000);
  });

  it('backs off after no answer at all, naming why', () => {
    expect(afterNoAnswer(OPEN_GATE, 'timed out', 100, 1)).toEqual({
      notBefore: 600,
      describe: 'timed out',
      failures: 1,
    });
  });
});

describe('the bulk quota', () => {
  const quota = { jobs: 2, windowMs: 1000 };

  it('allows a job while fewer than the quota started within the window, spread over it', () => {
    expect(bulkSlot([], quota, 50)).toEqual({ allowed: true, at: 50 });
    expect(bulkSlot([100], quota, 600)).toEqual({ allowed: true, at: 600 });
    expect(bulkSlot([100, 200], quota, 1500)).toEqual({ allowed: true, at: 1500 });
  });

  it('spaces jobs windowMs / jobs apart, so the quota is never spent at once', () => {
    expect(bulkSlot([100], quota, 500)).toEqual({ allowed: false, at: 600 });
    // Amazon's 5 JSON_LISTINGS_FEED a 5 minutes: a feed at most every minute.
    const feeds = { jobs: 5, windowMs: 5 * 60_000 };
    expect(bulkSlot([0], feeds, 30_000)).toEqual({ allowed: false, at: 60_000 });
    expect(bulkSlot([0, 60_000, 120_000, 180_000], feeds, 240_000).allowed).toBe(true);
  });

  it('says when the next job may start once the quota is used', () => {
    expect(bulkSlot([100, 200], quota, 500)).toEqual({ allowed: false, at: 1100 });
    expect(bulkSlot([100, 900], quota, 1200)).toEqual({ allowed: false, at: 1400 });
  });

  it('has no limit without a quota', () => {
    expect(bulkSlot([1, 2, 3], null, 3).allowed).toBe(true);
  });
});
