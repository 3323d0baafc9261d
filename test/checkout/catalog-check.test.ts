import { listDurableObjectIds } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { reservationIdFor } from '../../objects/checkout/prepare';
import { uniq } from '../support/client';
import { makeChannel, makeSites, makeSku, reserve, totals } from './support';

let MAN: string;
let channel: string;
beforeAll(async () => {
  ({ MAN } = await makeSites('MAN'));
  channel = await makeChannel([MAN]);
});

const has = (ids: DurableObjectId[], id: DurableObjectId) => ids.some((i) => i.equals(id));
const skuStored = async (sku: string) =>
  has(await listDurableObjectIds(env.SkuStock), env.SkuStock.idFromName(sku));
const cartStored = async (id: string) =>
  has(await listDurableObjectIds(env.Checkout), env.Checkout.idFromName(id));

describe('a cart naming a SKU not in the catalog', () => {
  it('is refused with unknown_sku naming the line before any object is called or stored', async () => {
    const a = await makeSku({ [MAN]: 5 });
    const ghost = uniq('GHOST');
    const key = uniq('cart');
    const res = await reserve(
      {
        channel,
        lines: [
          { sku: a, quantity: 1 },
          { sku: ghost, quantity: 1 },
        ],
      },
      undefined,
      key,
    );
    expect([res.status, res.body.error?.code]).toEqual([404, 'unknown_sku']);
    expect(res.body.error?.message).toContain(ghost);
    expect(res.body.error?.details).toMatchObject({
      lines: [{ line: 1, sku: ghost, component: null }],
    });
    expect(await totals(a)).toMatchObject({ reserved: 0, available: 5 });
    expect(await skuStored(ghost)).toBe(false);
    expect(await cartStored(await reservationIdFor(channel, key))).toBe(false);
  });
});
