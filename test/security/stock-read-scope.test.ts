import { beforeAll, describe, expect, it } from 'vitest';
import type { ReservationView } from '../../protocol/reservations';
import type { EventPage, HoldView, StockEvent } from '../../protocol/stock';
import type { ErrorBody } from '../support/catalog';
import { api, createKey } from '../support/client';
import { type Catalog, catalog, sku } from '../support/fixtures';

// A SKU's event log and its holds are read within the key's scope, as the ledger is: the events
// are the ledger's movements before they reach D1, so the same scope and the same redaction
// (no idempotency key, no cart hold id but for an admin) apply; a hold is read by whoever may
// act on it.

type Keys = Record<'warehouse' | 'storefront' | 'connector' | 'viewer' | 'otherStorefront', string>;

let cat: Catalog;
let keys: Keys;
let code: string;
let cartHold: string;

beforeAll(async () => {
  cat = await catalog();
  keys = {
    warehouse: await createKey('warehouse', { locations: [cat.a] }),
    storefront: await createKey('storefront', { channels: [cat.channel] }),
    connector: await createKey('connector', { channels: [cat.channel] }),
    viewer: await createKey('viewer'),
    otherStorefront: await createKey('storefront', { channels: [cat.narrow] }),
  };
  code = await sku();
  const send = async <T>(path: string, body: unknown, key?: string, idem?: string) => {
    const res = await api<T>(path, {
      body,
      ...(key !== undefined && { key }),
      ...(idem !== undefined && { headers: { 'idempotency-key': idem } }),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  // seq 1, 2: admin receipts at a and at b, with idempotency keys.
  await send(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 20 }, undefined, 'po-a');
  await send(`/v1/skus/${code}/receive`, { location: cat.b, quantity: 5 }, undefined, 'po-b');
  // seq 3: the storefront's own hold at a.
  await send(
    `/v1/skus/${code}/holds`,
    { quantity: 1, channel: cat.channel, holdId: 'sf-hold-1', locations: [cat.a] },
    keys.storefront,
    'sf-key-1',
  );
  // seq 4, 5: the storefront's cart, held at a and committed through Checkout.
  const cart = await send<ReservationView>(
    '/v1/reservations',
    { channel: cat.channel, lines: [{ sku: code, quantity: 2 }] },
    keys.storefront,
    'cart-1',
  );
  cartHold = cart.lines[0]?.fulfilment[0]?.holdId ?? '';
  await send(`/v1/reservations/${cart.reservationId}/commit`, {}, keys.storefront);
  // seq 6: the warehouse's adjustment at a; seq 7: the other storefront's hold at b.
  await send(`/v1/skus/${code}/adjust`, { location: cat.a, delta: -1 }, keys.warehouse, 'wh-1');
  await send(
    `/v1/skus/${code}/holds`,
    { quantity: 1, channel: cat.narrow, holdId: 'other-hold', locations: [cat.b] },
    keys.otherStorefront,
  );
});

const events = async (key?: string, query = '') => {
  const res = await api<EventPage>(
    `/v1/skus/${code}/events${query}`,
    key === undefined ? {} : { key },
  );
  expect(res.status).toBe(200);
  return res.body;
};
const seqs = (items: StockEvent[]) => items.map((e) => e.seq);
const isCartHold = (holdId: string | null) => holdId?.startsWith('r_') ?? false;

describe("a SKU's event log, read by each role", () => {
  it('shows an admin every event with its idempotency key and cart hold ids', async () => {
    const { events: items } = await events();
    expect(seqs(items)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(
      items.map((e) => (e.idempotencyKey?.startsWith('co:') ? 'co:…' : e.idempotencyKey)),
    ).toEqual(['po-a', 'po-b', 'sf-key-1', null, 'co:…', 'wh-1', null]);
    expect(items.filter((e) => isCartHold(e.holdId)).map((e) => e.seq)).toEqual([4, 5]);
  });

  it('shows a viewer every event, with no idempotency key and no cart hold id', async () => {
    const { events: items } = await events(keys.viewer);
    expect(seqs(items)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(items.map((e) => e.idempotencyKey)).toEqual(Array(7).fill(null));
    expect(items.map((e) => e.holdId)).toEqual([
      null,
      null,
      'sf-hold-1',
      null,
      null,
      null,
      'other-hold',
    ]);
  });

  it('shows a warehouse key only the events at its locations', async () => {
    const { events: items } = await events(keys.warehouse);
    expect(seqs(items)).toEqual([1, 3, 4, 5, 6]);
    expect(items.every((e) => e.idempotencyKey === null && !isCartHold(e.holdId))).toBe(true);
  });

  it('shows a storefront or connector key only the events it made, Checkout’s for its carts included', async () => {
    const own = (await events(keys.storefront)).events;
    expect(own.map((e) => [e.seq, e.idempotencyKey, e.holdId])).toEqual([
      [3, null, 'sf-hold-1'],
      [4, null, null],
      [5, null, null],
    ]);
    expect(seqs((await events(keys.otherStorefront)).events)).toEqual([7]);
    expect(seqs((await events(keys.connector)).events)).toEqual([]);
  });

  it('pages by the log, not by what the key sees: following next reaches every event in scope', async () => {
    const first = await events(keys.storefront, '?limit=2');
    expect([seqs(first.events), first.next]).toEqual([[], 2]);
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = await events(keys.storefront, `?limit=2&after=${after}`);
      seen.push(...seqs(page.events));
      if (page.next === null) break;
      after = page.next;
    }
    expect(seen).toEqual([3, 4, 5]);
  });
});

describe('a hold, read by each role', () => {
  const read = (holdId: string, key: string) =>
    api<HoldView & ErrorBody>(`/v1/skus/${code}/holds/${encodeURIComponent(holdId)}`, { key });
  const statuses = async (key: string) => ({
    own: (await read('sf-hold-1', key)).status,
    cart: (await read(cartHold, key)).status,
    other: (await read('other-hold', key)).status,
  });

  it('lets an admin and a viewer read any hold', async () => {
    expect(await statuses('test-admin-key')).toEqual({ own: 200, cart: 200, other: 200 });
    expect(await statuses(keys.viewer)).toEqual({ own: 200, cart: 200, other: 200 });
  });

  it("lets a storefront or connector key read its channels' holds only", async () => {
    expect(await statuses(keys.storefront)).toEqual({ own: 200, cart: 200, other: 403 });
    expect(await statuses(keys.connector)).toEqual({ own: 200, cart: 200, other: 403 });
    expect(await statuses(keys.otherStorefront)).toEqual({ own: 403, cart: 403, other: 200 });
  });

  it('lets a warehouse key read the holds with units at its locations', async () => {
    expect(await statuses(keys.warehouse)).toEqual({ own: 200, cart: 200, other: 403 });
  });

  it('refuses with forbidden naming the hold only, not whose it is', async () => {
    const res = await read('sf-hold-1', keys.otherStorefront);
    expect(res.body.error.code).toBe('forbidden');
    expect(res.body.error.message).toContain('sf-hold-1');
    expect(JSON.stringify(res.body)).not.toContain(cat.channel);
    expect(JSON.stringify(res.body)).not.toContain(cat.a);
  });

  it('answers unknown_hold for a hold that does not exist, whatever the key', async () => {
    const res = await read('no-such-hold', keys.storefront);
    expect([res.status, res.body.error.code]).toEqual([404, 'unknown_hold']);
  });
});
