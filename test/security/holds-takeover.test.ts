import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { reservationIdFor } from '../../objects/checkout/prepare';
import type { ReservationView } from '../../protocol/reservations';
import type { HoldView, StockView } from '../../protocol/stock';
import { skuStock } from '../../shared/stubs';
import { makeChannel, makeSites, makeSku, reserve, totals } from '../checkout/support';
import type { ErrorBody } from '../support/catalog';
import { api, createKey, uniq } from '../support/client';

// A key of one channel must never touch another channel's carts, even by guessing the hold ids
// a cart will use: those ids are derived from the channel and the client's Idempotency-Key.

type Answer<T> = T & ErrorBody;

let MAN: string;
let shopA: string;
let shopB: string;
let keyA: string;
let keyB: string;
beforeAll(async () => {
  ({ MAN } = await makeSites('MAN'));
  shopA = await makeChannel([MAN]);
  shopB = await makeChannel([MAN]);
  keyA = await createKey('storefront', { channels: [shopA] });
  keyB = await createKey('storefront', { channels: [shopB] });
});

/** The id of the first hold of a cart's first plan, as Checkout names it. */
const firstCartHold = async (channel: string, idempotencyKey: string) =>
  `${await reservationIdFor(channel, idempotencyKey)}:1.0`;

describe("a cart's hold ids", () => {
  it("refuses another channel's key that pre-creates a hold under a cart's future hold id, and the cart holds every unit it reports", async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const cartKey = uniq('order');
    const guessed = await firstCartHold(shopA, cartKey);

    const planted = await api<Answer<HoldView>>(`/v1/skus/${sku}/holds`, {
      key: keyB,
      body: { quantity: 1, channel: shopB, holdId: guessed, ttlSeconds: 3600 },
    });
    const cart = await reserve({ channel: shopA, lines: [{ sku, quantity: 4 }] }, keyA, cartKey);
    const heldAfterCart = (await totals(sku)).reserved;
    const released = await api<ErrorBody>(`/v1/skus/${sku}/holds/${guessed}/release`, {
      key: keyB,
      body: {},
    });
    const after = await totals(sku);
    // The whole attack is played before asserting, so a failure shows every step of it.
    expect({
      planted: planted.body.error?.code ?? planted.status,
      cart: [cart.status, cart.body.status],
      heldAfterCart,
      releasedByB: released.status >= 400,
      reserved: after.reserved,
      available: after.available,
    }).toEqual({
      planted: 'validation_failed',
      cart: [201, 'held'],
      heldAfterCart: 4,
      releasedByB: true,
      reserved: 4,
      available: 1,
    });
  });

  it('refuses a cart-form hold id from every client, admin included, on the single-SKU route and in a batch', async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const holdId = await firstCartHold(shopA, uniq('order'));
    const single = await api<ErrorBody>(`/v1/skus/${sku}/holds`, {
      body: { quantity: 1, channel: shopA, holdId },
    });
    expect([single.status, single.body.error.code]).toEqual([400, 'validation_failed']);
    expect(single.body.error.message).toContain(holdId);

    const batch = await api<ErrorBody>('/v1/movements/batch', {
      body: { lines: [{ sku, op: 'hold', quantity: 1, channel: shopA, holdId }] },
    });
    expect([batch.status, batch.body.error.code]).toEqual([400, 'validation_failed']);
    expect(await totals(sku)).toMatchObject({ reserved: 0, available: 5 });
  });

  it("refuses a single-SKU extend, release or commit of a cart's hold: only the cart moves it", async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const cart = await reserve({ channel: shopA, lines: [{ sku, quantity: 2 }] }, keyA);
    const holdId = cart.body.lines[0]?.fulfilment[0]?.holdId;
    for (const [op, body] of [
      ['extend', { ttlSeconds: 60 }],
      ['release', {}],
      ['commit', {}],
    ] as const) {
      for (const key of [keyA, undefined]) {
        const res = await api<ErrorBody>(`/v1/skus/${sku}/holds/${holdId}/${op}`, {
          body,
          ...(key !== undefined && { key }),
        });
        expect({ op, status: res.status, code: res.body.error.code }).toEqual({
          op,
          status: 400,
          code: 'validation_failed',
        });
      }
    }
    expect(await totals(sku)).toMatchObject({ reserved: 2, committed: 0 });
    const view = await api<ReservationView>(`/v1/reservations/${cart.body.reservationId}`, {
      key: keyA,
    });
    expect(view.body.status).toBe('held');
  });

  it('still lets a warehouse ship, and an admin cancel, what a committed cart holds', async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const cart = await reserve({ channel: shopA, lines: [{ sku, quantity: 3 }] }, keyA);
    const id = cart.body.reservationId;
    await api(`/v1/reservations/${id}/commit`, { key: keyA, body: {} });
    const holdId = cart.body.lines[0]?.fulfilment[0]?.holdId;
    const warehouse = await createKey('warehouse', { locations: [MAN] });
    const shipped = await api<StockView>(`/v1/skus/${sku}/holds/${holdId}/ship`, {
      key: warehouse,
      body: { quantity: 1 },
    });
    expect(shipped.status).toBe(200);
    const cancelled = await api(`/v1/skus/${sku}/holds/${holdId}/cancel`, { body: {} });
    expect(cancelled.status).toBe(200);
    expect(await totals(sku)).toMatchObject({ onHand: 4, reserved: 0, committed: 0 });
  });
});

describe('a SkuStock asked directly', () => {
  it("refuses a client's hold under a cart's id and answers Checkout's own, whoever routed it", async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const holdId = await firstCartHold(shopA, uniq('order'));
    const stub = skuStock(env, sku);
    const command = { op: 'hold' as const, quantity: 1, holdId, locations: [MAN], channel: shopA };
    const client = await stub.apply(command, { actor: 'k1' });
    expect(client.ok ? 'ok' : client.error.code).toBe('validation_failed');
    const own = await stub.apply(command, { actor: 'k1', origin: 'checkout' });
    expect(own.ok).toBe(true);
  });

  it('does not take a hold placed under its id before such ids were reserved: the cart fails instead of overselling', async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const cartKey = uniq('order');
    const guessed = await firstCartHold(shopA, cartKey);
    // As the attack left it on an object that predates the reserved namespace.
    await skuStock(env, sku).apply(
      { op: 'hold', quantity: 1, holdId: guessed, locations: [MAN], channel: shopB },
      { actor: 'attacker', origin: 'checkout' },
    );
    const cart = await reserve({ channel: shopA, lines: [{ sku, quantity: 4 }] }, keyA, cartKey);
    expect([cart.status, cart.body.error?.code]).toEqual([409, 'already_exists']);
    expect(await totals(sku)).toMatchObject({ reserved: 1, available: 4 });
  });
});

describe("another channel's single-SKU holds", () => {
  it('refuses a storefront key that extends, releases, commits or cancels a hold of another channel, changing nothing', async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const held = uniq('held');
    const order = uniq('order');
    for (const [holdId, commit] of [
      [held, false],
      [order, true],
    ] as const) {
      const res = await api(`/v1/skus/${sku}/holds`, {
        key: keyA,
        body: { quantity: 1, channel: shopA, holdId, commit },
      });
      expect(res.status).toBe(201);
    }
    for (const [holdId, op, body] of [
      [held, 'extend', { ttlSeconds: 60 }],
      [held, 'release', {}],
      [held, 'commit', {}],
      [order, 'cancel', {}],
    ] as const) {
      const res = await api<ErrorBody>(`/v1/skus/${sku}/holds/${holdId}/${op}`, {
        key: keyB,
        body,
      });
      expect({ op, status: res.status, code: res.body.error.code }).toEqual({
        op,
        status: 403,
        code: 'forbidden',
      });
    }
    const batch = await api<{ results: { ok: boolean; error?: { code: string } }[] }>(
      '/v1/movements/batch',
      { key: keyB, body: { lines: [{ sku, op: 'release', holdId: held }] } },
    );
    expect(batch.body.results[0]).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await totals(sku)).toMatchObject({ reserved: 1, committed: 1 });
  });

  it("tells a key that reuses another channel's hold id only that the id is taken", async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const holdId = uniq('taken');
    await api(`/v1/skus/${sku}/holds`, {
      key: keyA,
      body: { quantity: 2, channel: shopA, holdId, ref: 'ORDER-77' },
    });
    const res = await api<ErrorBody>(`/v1/skus/${sku}/holds`, {
      key: keyB,
      body: { quantity: 1, channel: shopB, holdId },
    });
    expect([res.status, res.body.error.code]).toEqual([409, 'already_exists']);
    expect(res.body.error.details).toEqual({ holdId });
    expect(JSON.stringify(res.body)).not.toContain('ORDER-77');
    expect(JSON.stringify(res.body)).not.toContain(shopA);
  });

  it('refuses a hold for a channel the key does not act for', async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const res = await api<ErrorBody>(`/v1/skus/${sku}/holds`, {
      key: keyB,
      body: { quantity: 1, channel: shopA },
    });
    expect([res.status, res.body.error.code]).toEqual([403, 'forbidden']);
  });
});
