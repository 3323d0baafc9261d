import { describe, expect, it } from 'vitest';
import { createKey } from '../support/client';
import { call, freshIp, recordingD1, tinyLimiter, unknownKey } from './auth-support';

type Envelope = { error: { code: string; message: string; details?: Record<string, unknown> } };

describe('unauthenticated load on D1', () => {
  it('never writes to D1 for an unknown key', async () => {
    const d1 = recordingD1();
    const res = await call<Envelope>('/v1/skus', {
      key: unknownKey(),
      bindings: { DB: d1.proxy },
    });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect(d1.writes()).toEqual([]);
  });

  it('asks D1 about the same unknown key at most once in a few seconds', async () => {
    const d1 = recordingD1();
    const key = unknownKey();
    for (let i = 0; i < 20; i++) {
      const res = await call('/v1/skus', { key, bindings: { DB: d1.proxy } });
      expect(res.status).toBe(401);
    }
    expect(d1.about('api_keys').length).toBeLessThanOrEqual(1);
  });

  it('records when a valid key was used, once a minute at most', async () => {
    const key = await createKey('viewer');
    const d1 = recordingD1();
    for (let i = 0; i < 5; i++) {
      expect((await call('/v1/locations', { key, bindings: { DB: d1.proxy } })).status).toBe(200);
    }
    expect(d1.writes().filter((s) => s.includes('"api_keys"')).length).toBeLessThanOrEqual(1);
  });

  it('answers 429 rate_limited with Retry-After once an address fails authentication too often', async () => {
    const failures = tinyLimiter(3);
    const ip = freshIp();
    const bindings = { AUTH_FAILURE_RATE_LIMIT: failures.limiter };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await call('/v1/skus', { key: unknownKey(), ip, bindings })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const limited = await call<Envelope>('/v1/skus', { key: unknownKey(), ip, bindings });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.body.error.message).toContain(ip);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('stops asking D1 for an address that failed too often', async () => {
    const failures = tinyLimiter(2);
    const d1 = recordingD1();
    const ip = freshIp();
    const bindings = { AUTH_FAILURE_RATE_LIMIT: failures.limiter, DB: d1.proxy };
    for (let i = 0; i < 10; i++) await call('/v1/skus', { key: unknownKey(), ip, bindings });
    // Two failures reach the limit; the third crosses it; after that D1 is not asked.
    expect(d1.about('api_keys').length).toBeLessThanOrEqual(3);
  });

  it('still serves a valid key from another address while one address is limited', async () => {
    const key = await createKey('viewer');
    const failures = tinyLimiter(1);
    const bindings = { AUTH_FAILURE_RATE_LIMIT: failures.limiter };
    const bad = freshIp();
    for (let i = 0; i < 3; i++) await call('/v1/skus', { key: unknownKey(), ip: bad, bindings });
    expect((await call('/v1/locations', { key, ip: freshIp(), bindings })).status).toBe(200);
  });

  it('answers 429 rate_limited with Retry-After once a key makes too many requests', async () => {
    const key = await createKey('viewer');
    const perKey = tinyLimiter(3);
    const bindings = { KEY_RATE_LIMIT: perKey.limiter };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await call('/v1/locations', { key, ip: freshIp(), bindings })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await call<Envelope>('/v1/locations', { key, bindings });
    expect(limited.body.error).toMatchObject({ code: 'rate_limited' });
    expect(limited.body.error.message).toContain(`key_${key.split('_')[1]}`);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another key is not held back by this one's limit.
    const other = await createKey('viewer');
    expect((await call('/v1/locations', { key: other, bindings })).status).toBe(200);
  });

  it("bounds a flood of made-up keys from one address to the limit's worth of D1 reads, and no write", async () => {
    const d1 = recordingD1();
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      statuses.push(
        (await call('/v1/skus', { key: unknownKey(), ip, bindings: { DB: d1.proxy } })).status,
      );
    }
    // 20 failures per 10 s window with wrangler.toml's binding: a run straddling two windows
    // may pass 40; after that the address is refused in the isolate without asking D1.
    expect(d1.writes()).toEqual([]);
    expect(d1.about('api_keys').length).toBeLessThanOrEqual(41);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(159);
  });

  it("limits failed authentications per address with wrangler.toml's own binding", async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    // The binding counts in fixed windows: two windows' worth always crosses one limit.
    for (let i = 0; i < 41 && statuses.at(-1) !== 429; i++) {
      statuses.push((await call('/v1/skus', { key: unknownKey(), ip })).status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(20);
  });
});
