import { beforeAll, describe, expect, it } from 'vitest';
import type { ReservationView } from '../../protocol/reservations';
import type { MutationOutcome } from '../../protocol/stock';
import { makeChannel, makeSites, makeSku, reserve, totals } from '../checkout/support';
import type { ErrorBody } from '../support/catalog';
import { api, createKey, uniq } from '../support/client';

// An Idempotency-Key belongs to the key that sent it: another caller using the same string on
// the same SKU neither replays nor blocks it, and the keys Checkout sends are not the clients'.

type Answer<T> = T & ErrorBody;

let MAN: string;
let shop: string;
let other: string;
let storefront: string;
let otherStorefront: string;
let warehouse: string;
let warehouse2: string;
beforeAll(async () => {
  ({ MAN } = await makeSites('MAN'));
  shop = await makeChannel([MAN]);
  other = await makeChannel([MAN]);
  storefront = await createKey('storefront', { channels: [shop] });
  otherStorefront = await createKey('storefront', { channels: [other] });
  warehouse = await createKey('warehouse', { locations: [MAN] });
  warehouse2 = await createKey('warehouse', { locations: [MAN] });
});

describe("Checkout's own idempotency keys", () => {
  it("refuses a client's movement under a cart's internal key, and the cart then commits", async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const cart = await reserve({ channel: shop, lines: [{ sku, quantity: 2 }] }, storefront);
    const holdId = cart.body.lines[0]?.fulfilment[0]?.holdId;
    // The key the cart's first commit sends for this hold.
    const stolen = `co:${holdId}:2:commit`;
    const poisoned = await api<Answer<MutationOutcome>>(`/v1/skus/${sku}/adjust`, {
      key: warehouse,
      body: { location: MAN, delta: 1 },
      headers: { 'idempotency-key': stolen },
    });
    const commit = await api<Answer<ReservationView>>(
      `/v1/reservations/${cart.body.reservationId}/commit`,
      { key: storefront, body: {} },
    );
    expect({
      poisoned: [poisoned.status, poisoned.body.error?.code],
      commit: [commit.status, commit.body.status ?? commit.body.error?.code],
    }).toEqual({
      poisoned: [400, 'validation_failed'],
      commit: [200, 'committed'],
    });
    expect(poisoned.body.error?.message).toContain('idempotency-key');
    expect(await totals(sku)).toMatchObject({ onHand: 5, committed: 2 });
  });

  it('refuses client keys in the internal namespace on every route that takes one', async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const single = await api<ErrorBody>(`/v1/skus/${sku}/receive`, {
      body: { location: MAN, quantity: 1 },
      headers: { 'idempotency-key': 'co:anything' },
    });
    const header = await api<ErrorBody>('/v1/movements/batch', {
      body: { lines: [{ sku, op: 'receive', location: MAN, quantity: 1 }] },
      headers: { 'idempotency-key': 'co:batch' },
    });
    const line = await api<ErrorBody>('/v1/movements/batch', {
      body: { lines: [{ sku, op: 'receive', location: MAN, quantity: 1, key: 'co:line' }] },
    });
    expect([single, header, line].map((r) => [r.status, r.body.error.code])).toEqual([
      [400, 'validation_failed'],
      [400, 'validation_failed'],
      [400, 'validation_failed'],
    ]);
    expect(await totals(sku)).toMatchObject({ onHand: 5 });
  });
});

describe('idempotency records per caller', () => {
  it("applies another key's identical request under the same Idempotency-Key instead of replaying the first caller's result", async () => {
    const sku = await makeSku();
    const headers = { 'idempotency-key': uniq('po') };
    const body = { location: MAN, quantity: 5 };
    const first = await api<Answer<MutationOutcome>>(`/v1/skus/${sku}/receive`, {
      key: warehouse,
      body,
      headers,
    });
    const second = await api<Answer<MutationOutcome>>(`/v1/skus/${sku}/receive`, {
      key: warehouse2,
      body,
      headers,
    });
    const differentBody = await api<Answer<MutationOutcome>>(`/v1/skus/${sku}/receive`, {
      key: warehouse2,
      body: { location: MAN, quantity: 2 },
      headers: { 'idempotency-key': 'shared-key' },
    });
    const firstOfShared = await api<Answer<MutationOutcome>>(`/v1/skus/${sku}/receive`, {
      key: warehouse,
      body: { location: MAN, quantity: 1 },
      headers: { 'idempotency-key': 'shared-key' },
    });
    expect({
      first: [first.status, first.body.replayed],
      second: [second.status, second.body.replayed],
      differentBody: [differentBody.status, differentBody.body.replayed],
      firstOfShared: [firstOfShared.status, firstOfShared.body.replayed],
      onHand: (await totals(sku)).onHand,
    }).toEqual({
      first: [200, false],
      second: [200, false],
      differentBody: [200, false],
      firstOfShared: [200, false],
      onHand: 13,
    });
    // The same caller still replays.
    const again = await api<Answer<MutationOutcome>>(`/v1/skus/${sku}/receive`, {
      key: warehouse2,
      body,
      headers,
    });
    expect([again.status, again.body.replayed]).toEqual([200, true]);
    expect((await totals(sku)).onHand).toBe(13);
  });

  it("checks the caller's scope before answering from a record: another channel's key gets forbidden, not the first answer", async () => {
    const sku = await makeSku({ [MAN]: 5 });
    const holdId = uniq('hold');
    await api(`/v1/skus/${sku}/holds`, {
      key: storefront,
      body: { quantity: 1, channel: shop, holdId },
    });
    const headers = { 'idempotency-key': uniq('release') };
    const byOwner = await api<Answer<MutationOutcome>>(`/v1/skus/${sku}/holds/${holdId}/release`, {
      key: storefront,
      body: {},
      headers,
    });
    const byOther = await api<Answer<MutationOutcome>>(`/v1/skus/${sku}/holds/${holdId}/release`, {
      key: otherStorefront,
      body: {},
      headers,
    });
    expect({
      byOwner: byOwner.status,
      byOther: [
        byOther.status,
        byOther.body.error?.code,
        byOther.headers.get('idempotent-replayed'),
      ],
    }).toEqual({ byOwner: 200, byOther: [403, 'forbidden', null] });
    expect(byOther.body).not.toHaveProperty('event');
  });

  it("scopes the batch's derived line keys to the caller too", async () => {
    const sku = await makeSku();
    const headers = { 'idempotency-key': uniq('count') };
    const lines = [{ sku, op: 'receive', location: MAN, quantity: 4 }];
    type Batch = { applied: number; replayed: number };
    const a = await api<Batch>('/v1/movements/batch', { key: warehouse, body: { lines }, headers });
    const b = await api<Batch>('/v1/movements/batch', {
      key: warehouse2,
      body: { lines },
      headers,
    });
    const again = await api<Batch>('/v1/movements/batch', {
      key: warehouse2,
      body: { lines },
      headers,
    });
    expect([a.body, b.body, again.body].map((r) => [r.applied, r.replayed])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    expect((await totals(sku)).onHand).toBe(8);
  });
});
