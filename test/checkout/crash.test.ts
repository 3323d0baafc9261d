import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Checkout } from '../../objects/Checkout';
import { reservationIdFor } from '../../objects/checkout/prepare';
import type { ReservationView } from '../../protocol/reservations';
import type { ErrorBody } from '../support/catalog';
import { api, uniq } from '../support/client';
import { post } from '../support/fixtures';
import { checkoutStub, makeChannel, makeSites, makeSku, reserve, totals } from './support';

type Answer = ReservationView & ErrorBody;
let MAN: string;
beforeAll(async () => {
  ({ MAN } = await makeSites('MAN'));
});

const never = () => new Promise<void>(() => {});

/**
 * Starts a cart on an object whose seam kills it (as a crash or a deploy would) where the test
 * says, and waits for the request in flight, which fails with the object. Returns the id.
 * The seam runs inside the object: a test cannot act on the object from the object's own calls.
 */
const crashMidway = async (
  body: Record<string, unknown>,
  seam: (instance: Checkout, crash: () => Promise<void>) => void,
) => {
  const key = uniq('crash');
  const id = await reservationIdFor(String(body.channel), key);
  await runInDurableObject(checkoutStub(id), (instance: Checkout, state) =>
    seam(instance, async () => {
      state.abort('crash');
      return never();
    }),
  );
  // The object died mid-call: the client is told to retry (docs/api.md, overloaded), not a 500.
  const res = await reserve(body, undefined, key);
  expect([res.status, res.body.error?.code]).toEqual([503, 'overloaded']);
  return { id, key };
};

describe('a Checkout object restarted mid-saga', () => {
  it('leaves no unit held for a cart that failed: its alarm releases the holds it had placed', async () => {
    const channel = await makeChannel([MAN]);
    const [a, b, c] = [
      await makeSku({ [MAN]: 5 }),
      await makeSku({ [MAN]: 5 }),
      await makeSku({ [MAN]: 2 }),
    ];
    const landed = new Set<string>();
    const { id } = await crashMidway(
      { channel, lines: [a, b, c].map((sku) => ({ sku, quantity: 2 })) },
      (instance, crash) => {
        // a and b are held, c's hold is never sent; the object dies before it saves anything.
        instance.seam.beforeStockCall = (sku) => (sku === c ? never() : Promise.resolve());
        instance.seam.afterStockCall = async (sku) => {
          landed.add(sku);
          return landed.size === 2 ? crash() : never();
        };
      },
    );
    expect(await totals(a)).toMatchObject({ reserved: 2 });
    expect(await totals(b)).toMatchObject({ reserved: 2 });
    // Meanwhile another buyer takes c, so the cart can no longer be completed.
    await post(`/v1/skus/${c}/holds`, { quantity: 1, holdId: uniq('other') });

    const fresh = checkoutStub(id);
    expect(await runDurableObjectAlarm(fresh)).toBe(true);
    const view = (await api<Answer>(`/v1/reservations/${id}`)).body;
    expect(view).toMatchObject({ status: 'failed', failure: { code: 'insufficient_stock' } });
    expect(await totals(a)).toMatchObject({ reserved: 0, available: 5 });
    expect(await totals(b)).toMatchObject({ reserved: 0, available: 5 });
    expect(await totals(c)).toMatchObject({ reserved: 1, available: 1 });
  });

  it('completes a cart stopped between holds when every line can still be held, each hold once', async () => {
    const channel = await makeChannel([MAN]);
    const [a, b] = [await makeSku({ [MAN]: 5 }), await makeSku({ [MAN]: 5 })];
    const body = { channel, lines: [a, b].map((sku) => ({ sku, quantity: 3 })) };
    const { id, key } = await crashMidway(body, (instance, crash) => {
      instance.seam.beforeStockCall = (sku) => (sku === b ? never() : Promise.resolve());
      instance.seam.afterStockCall = crash;
    });
    expect(await runDurableObjectAlarm(checkoutStub(id))).toBe(true);
    const view = (await api<Answer>(`/v1/reservations/${id}`)).body;
    expect(view.status).toBe('held');
    expect(await totals(a)).toMatchObject({ reserved: 3 });
    expect(await totals(b)).toMatchObject({ reserved: 3 });
    // The client's retry under its idempotency key gets the cart the alarm finished.
    const retry = await reserve(body, undefined, key);
    expect([retry.status, retry.body.status, retry.body.replayed]).toEqual([201, 'held', true]);
    expect(await totals(a)).toMatchObject({ reserved: 3 });
  });

  it('keeps a cart that succeeded intact across a restart, and its alarm changes nothing before the deadline', async () => {
    const channel = await makeChannel([MAN]);
    const [a, b] = [await makeSku({ [MAN]: 5 }), await makeSku({ [MAN]: 5 })];
    const res = await reserve({ channel, lines: [a, b].map((sku) => ({ sku, quantity: 1 })) });
    const id = res.body.reservationId;
    await runInDurableObject(checkoutStub(id), (_, state) => state.abort('crash')).catch(
      () => undefined,
    );
    const fresh = checkoutStub(id);
    expect(await runDurableObjectAlarm(fresh)).toBe(true);
    const after = (await api<Answer>(`/v1/reservations/${id}`)).body;
    expect(after).toMatchObject({
      status: 'held',
      lines: res.body.lines,
      expiresAt: res.body.expiresAt,
    });
    expect(await totals(a)).toMatchObject({ reserved: 1 });
    expect((await api<Answer>(`/v1/reservations/${id}/commit`, { body: {} })).body.status).toBe(
      'committed',
    );
    expect(await totals(b)).toMatchObject({ reserved: 0, committed: 1 });
  });

  it('finishes a commit stopped half-way: every line ends committed', async () => {
    const channel = await makeChannel([MAN]);
    const [a, b] = [await makeSku({ [MAN]: 5 }), await makeSku({ [MAN]: 5 })];
    const res = await reserve({ channel, lines: [a, b].map((sku) => ({ sku, quantity: 2 })) });
    const id = res.body.reservationId;
    await runInDurableObject(checkoutStub(id), (instance: Checkout, state) => {
      instance.seam.beforeStockCall = (sku) => (sku === b ? never() : Promise.resolve());
      instance.seam.afterStockCall = async () => state.abort('crash');
    });
    const commit = await api<{ error?: { code: string } }>(`/v1/reservations/${id}/commit`, {
      body: {},
    });
    expect([commit.status, commit.body.error?.code]).toEqual([503, 'overloaded']);
    expect(await totals(a)).toMatchObject({ committed: 2 });
    expect(await totals(b)).toMatchObject({ committed: 0, reserved: 2 });
    expect(await runDurableObjectAlarm(checkoutStub(id))).toBe(true);
    expect((await api<Answer>(`/v1/reservations/${id}`)).body.status).toBe('committed');
    expect(await totals(b)).toMatchObject({ committed: 2, reserved: 0 });
  });
});
