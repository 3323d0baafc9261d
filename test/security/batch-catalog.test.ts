import { listDurableObjectIds } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { unknownSkus } from '../../shared/catalog/known-skus';
import type { ErrorBody } from '../support/catalog';
import { api, uniq } from '../support/client';
import { type Catalog, catalog, sku } from '../support/fixtures';

// A batch reaches only objects of SKUs the catalog has, checked with one lookup per request.

let cat: Catalog;
beforeAll(async () => {
  cat = await catalog();
});

const onHand = async (code: string) =>
  (await api<{ totals: { onHand: number } }>(`/v1/skus/${code}/stock`)).body.totals;

const stored = async (code: string) => {
  const id = env.SkuStock.idFromName(code);
  return (await listDurableObjectIds(env.SkuStock)).some((i) => i.equals(id));
};

describe('a batch line for a SKU not in the catalog', () => {
  it('refuses the whole batch with unknown_sku naming the line, before anything is applied or stored', async () => {
    const code = await sku();
    const ghost = uniq('GHOST');
    const res = await api<ErrorBody>('/v1/movements/batch', {
      body: {
        lines: [
          { sku: code, op: 'receive', location: cat.a, quantity: 2 },
          { sku: ghost, op: 'receive', location: cat.a, quantity: 1 },
        ],
      },
    });
    expect([res.status, res.body.error?.code]).toEqual([404, 'unknown_sku']);
    expect(res.body.error.message).toContain('Line 1');
    expect(res.body.error.message).toContain(ghost);
    expect(res.body.error.details).toMatchObject({ line: 1, sku: ghost });
    expect(await onHand(code)).toMatchObject({ onHand: 0 });
    expect(await stored(ghost)).toBe(false);
  });
});

describe('the catalog lookup', () => {
  it('asks D1 once for any number of SKUs, and not again for those it found', async () => {
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
    const counting = { ...env, DB: db };
    const known = [await sku(), await sku()];
    const ghosts = Array.from({ length: 300 }, () => uniq('GHOST'));
    expect(await unknownSkus(counting, [...known, ...ghosts])).toEqual(ghosts);
    expect(statements).toBe(1);
    expect(await unknownSkus(counting, known)).toEqual([]);
    expect(statements).toBe(1);
  });
});
