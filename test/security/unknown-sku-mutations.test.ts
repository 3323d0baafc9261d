import { listDurableObjectIds } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../support/catalog';
import { createKey } from '../support/client';
import { type Catalog, catalog, sku } from '../support/fixtures';
import { call, recordingD1, uniq } from './auth-support';

// A stock operation on a SKU nobody created answers 404 unknown_sku from the catalog, like the
// reads and batches, and never creates a stored object for it; a known SKU costs no catalog query.

let cat: Catalog;
beforeAll(async () => {
  cat = await catalog();
});

const stored = async (code: string) => {
  const id = env.SkuStock.idFromName(code);
  return (await listDurableObjectIds(env.SkuStock)).some((i) => i.equals(id));
};

/** Every single-SKU mutation route, with a body it would accept on a known SKU. */
const mutations = (c: Catalog): [string, unknown][] => [
  ['receive', { location: c.a, quantity: 1 }],
  ['expect', { location: c.a, quantity: 1 }],
  ['adjust', { location: c.a, delta: 1 }],
  ['count', { location: c.a, onHand: 1 }],
  ['unavailable', { location: c.a, quantity: 1 }],
  ['unavailable/release', { location: c.a, quantity: 1 }],
  ['safety-stock', { location: c.a, quantity: 1 }],
  ['returns', { location: c.a, quantity: 1, disposition: 'restock' }],
  ['transfers', { from: c.a, to: c.b, quantity: 1 }],
  ['transfers/t-1/receive', {}],
  ['holds', { quantity: 1, channel: c.channel }],
  ['holds/h-1/extend', { ttlSeconds: 60 }],
  ['holds/h-1/release', {}],
  ['holds/h-1/commit', {}],
  ['holds/h-1/ship', {}],
  ['holds/h-1/cancel', {}],
];

describe('a stock operation on a SKU not in the catalog', () => {
  it('answers 404 unknown_sku on every mutation route and stores no object', async () => {
    const ghost = uniq('GHOST');
    const answers: Record<string, unknown> = {};
    for (const [path, body] of mutations(cat)) {
      const res = await call<ErrorBody>(`/v1/skus/${ghost}/${path}`, { body });
      answers[path] = [res.status, res.body.error?.code];
    }
    expect(answers).toEqual(
      Object.fromEntries(mutations(cat).map(([path]) => [path, [404, 'unknown_sku']])),
    );
    expect(await stored(ghost)).toBe(false);
  });

  it('names the SKU, with its code in details', async () => {
    const ghost = uniq('GHOST');
    const res = await call<ErrorBody>(`/v1/skus/${ghost}/receive`, {
      body: { location: cat.a, quantity: 1 },
    });
    expect(res.body.error.message).toContain(ghost);
    expect(res.body.error.details).toMatchObject({ sku: ghost });
  });

  it('refuses a key without the role first: 403 forbidden, as on a known SKU', async () => {
    const viewer = await createKey('viewer');
    const ghost = uniq('GHOST');
    const res = await call<ErrorBody>(`/v1/skus/${ghost}/receive`, {
      key: viewer,
      body: { location: cat.a, quantity: 1 },
    });
    expect([res.status, res.body.error?.code]).toEqual([403, 'forbidden']);
    expect(await stored(ghost)).toBe(false);
  });
});

describe('the catalog check on the hot path', () => {
  it('asks D1 about the SKU once per isolate: a hold on a known SKU then costs no catalog query', async () => {
    const code = await sku();
    const receive = await call(`/v1/skus/${code}/receive`, {
      body: { location: cat.a, quantity: 10 },
    });
    expect(receive.status).toBe(200);
    const d1 = recordingD1();
    for (let i = 0; i < 3; i++) {
      const hold = await call(`/v1/skus/${code}/holds`, {
        body: { quantity: 1, channel: cat.channel },
        bindings: { DB: d1.proxy },
      });
      expect(hold.status).toBe(201);
    }
    expect(d1.about('skus')).toEqual([]);
  });

  it('asks D1 once per request naming an unknown SKU, and touches no object', async () => {
    const ghost = uniq('GHOST');
    const d1 = recordingD1();
    for (let i = 0; i < 3; i++) {
      const res = await call(`/v1/skus/${ghost}/holds`, {
        body: { quantity: 1, channel: cat.channel },
        bindings: { DB: d1.proxy },
      });
      expect(res.status).toBe(404);
    }
    expect(d1.about('skus').length).toBe(3);
    expect(await stored(ghost)).toBe(false);
  });
});
