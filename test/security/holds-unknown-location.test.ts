import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getLocations } from '../../shared/catalog/cache';
import worker from '../../workers/index';
import type { ErrorBody } from '../support/catalog';
import { ADMIN_KEY, uniq } from '../support/client';
import { type Catalog, catalog, sku } from '../support/fixtures';

// A request naming a location that does not exist must not cost every other request its cached
// catalog: the refresh it may cause is shared and rate-limited.

let cat: Catalog;
let code: string;
beforeAll(async () => {
  cat = await catalog();
  code = await sku();
});
afterEach(() => {
  vi.useRealTimers();
});

/** The Worker with a D1 binding that counts the statements it is asked to prepare. */
const countingWorker = () => {
  let statements = 0;
  const db = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (query: string) => {
          statements++;
          return target.prepare(query);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const countingEnv = { ...env, DB: db };
  const hold = async (location: string) => {
    const res = await worker.fetch(
      new Request(`http://stockmesh.test/v1/skus/${code}/holds`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ quantity: 1, locations: [location] }),
      }),
      countingEnv,
      createExecutionContext(),
    );
    return { status: res.status, body: (await res.json()) as ErrorBody };
  };
  return { hold, statements: () => statements };
};

describe('a hold naming an unknown location', () => {
  it('re-reads the catalog at most once a second, however many such requests arrive', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await getLocations(env);
    const { hold, statements } = countingWorker();
    for (let i = 0; i < 20; i++) {
      const res = await hold(uniq('NOWHERE'));
      expect([res.status, res.body.error.code]).toEqual([404, 'unknown_location']);
    }
    // One refresh reads locations and channels; the kit check of a good hold may read kits.
    expect(statements()).toBeLessThanOrEqual(2);
    const known = await hold(cat.a);
    expect(known.body.error.code).toBe('insufficient_stock');
    expect(statements()).toBeLessThanOrEqual(3);
  });

  it('still finds a location created elsewhere once the refresh interval has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { hold } = countingWorker();
    const fresh = uniq('LOC');
    // Written straight to D1, as another isolate would: this isolate's cache does not know it.
    await env.DB.prepare(
      "INSERT INTO locations (code, name, kind, region, country, latitude, longitude) VALUES (?, 'Leeds', 'warehouse', 'UK', 'GB', 53.8, -1.55)",
    )
      .bind(fresh)
      .run();
    vi.setSystemTime(Date.now() + 1_000);
    const res = await hold(fresh);
    expect(res.body.error.code).toBe('insufficient_stock');
  });
});
