import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Checkout } from '../../objects/Checkout';
import { reservationIdFor } from '../../objects/checkout/prepare';
import { CART_RETENTION_MS } from '../../objects/checkout/saga';
import type { ErrorBody } from '../support/catalog';
import { api, uniq } from '../support/client';
import { post } from '../support/fixtures';
import {
  checkoutStub,
  makeChannel,
  makeSites,
  makeSku,
  type Reservation,
  reserve,
} from './support';

// A finished cart is kept long enough for every retry under its idempotency key to get the
// first answer, then its object deletes its storage.

let MAN: string;
let channel: string;
beforeAll(async () => {
  ({ MAN } = await makeSites('MAN'));
  channel = await makeChannel([MAN]);
});
afterEach(() => {
  vi.useRealTimers();
});

/**
 * Whether the cart's object keeps anything: tables or an alarm. (The local runtime keeps an
 * object's empty database file, so listing objects cannot tell.)
 */
const stored = (id: string) =>
  runInDurableObject(checkoutStub(id), async (_: Checkout, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .filter((t) => !t.name.startsWith('_cf_'));
    return tables.length > 0 || (await state.storage.getAlarm()) !== null;
  });

const HOUR = 3600_000;

type Ending = 'committed' | 'released' | 'expired';

/** A cart that ends as `ending` at the current (mocked) time. */
const cartThat = async (ending: Ending) => {
  const sku = await makeSku({ [MAN]: 2 });
  const key = uniq('cart');
  const body = { channel, ttlSeconds: 60, lines: [{ sku, quantity: 1 }] };
  const first: Reservation = await reserve(body, undefined, key);
  const id = first.body.reservationId;
  if (ending === 'expired') {
    vi.setSystemTime(Date.now() + 60_000);
    await runDurableObjectAlarm(checkoutStub(id));
  } else {
    await api(`/v1/reservations/${id}/${ending === 'committed' ? 'commit' : 'release'}`, {
      body: {},
    });
  }
  return { id, body, key };
};

describe('a finished cart', () => {
  it.each<Ending>(['committed', 'released', 'expired'])(
    'forgets a %s cart a retention period after it ended, answering retries until then',
    async (ending) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const { id, body, key } = await cartThat(ending);
      const ended = Date.now();
      expect(CART_RETENTION_MS).toBeGreaterThanOrEqual(24 * HOUR);

      vi.setSystemTime(ended + CART_RETENTION_MS - 1);
      await runDurableObjectAlarm(checkoutStub(id));
      const retry = await reserve(body, undefined, key);
      expect([retry.status, retry.body.status, retry.body.replayed]).toEqual([201, ending, true]);

      vi.setSystemTime(ended + CART_RETENTION_MS);
      expect(await runDurableObjectAlarm(checkoutStub(id))).toBe(true);
      expect(await stored(id)).toBe(false);
      const gone = await api<ErrorBody>(`/v1/reservations/${id}`);
      expect([gone.status, gone.body.error.code]).toEqual([404, 'not_found']);
      expect(await stored(id)).toBe(false);
      expect(await runDurableObjectAlarm(checkoutStub(id))).toBe(false);
    },
  );

  it('forgets a failed cart a retention period after it failed, replaying its refusal until then', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const sku = await makeSku({ [MAN]: 2 });
    const key = uniq('cart');
    const body = { channel, lines: [{ sku, quantity: 5 }] };
    const first = await reserve(body, undefined, key);
    expect(first.body.error?.code).toBe('insufficient_stock');
    const ended = Date.now();
    const id = await reservationIdFor(channel, key);

    vi.setSystemTime(ended + CART_RETENTION_MS - 1);
    const retry = await reserve(body, undefined, key);
    expect([retry.body.error?.code, retry.headers.get('idempotent-replayed')]).toEqual([
      'insufficient_stock',
      'true',
    ]);
    vi.setSystemTime(ended + CART_RETENTION_MS);
    expect(await runDurableObjectAlarm(checkoutStub(id))).toBe(true);
    expect(await stored(id)).toBe(false);
    // Once forgotten, the key makes a new cart: here, with the stock that has arrived since.
    await post(`/v1/skus/${sku}/receive`, { location: MAN, quantity: 3 });
    const anew = await reserve(body, undefined, key);
    expect([anew.status, anew.body.status, anew.body.replayed]).toEqual([201, 'held', false]);
  });

  it('keeps a held cart until it ends', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const sku = await makeSku({ [MAN]: 2 });
    const res = await reserve({
      channel,
      ttlSeconds: 7 * 24 * 3600,
      lines: [{ sku, quantity: 1 }],
    });
    vi.setSystemTime(Date.now() + CART_RETENTION_MS + HOUR);
    const view = await api<{ status: string }>(`/v1/reservations/${res.body.reservationId}`);
    expect(view.body.status).toBe('held');
    expect(await stored(res.body.reservationId)).toBe(true);
  });
});
