import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HistoryPage, Movement, MovementPage } from '../../protocol/ledger';
import type { ReservationView } from '../../protocol/reservations';
import { keyIdOf } from '../../shared/auth/api-key';
import { api, createKey } from '../support/client';
import { type Catalog, catalog, sku } from '../support/fixtures';

// The ledger shows each role what its scope covers, and only an admin the internal keys: an
// idempotency key (a cart's `co:r_…` keys above all) or a cart's hold id is a handle to replay or
// collide with someone else's request.

type Envelope = { error: { code: string; message: string } };
type Keys = Record<'warehouse' | 'storefront' | 'connector' | 'viewer' | 'otherStorefront', string>;

let cat: Catalog;
let keys: Keys;
let code: string;
let cartId: string;

afterEach(() => {
  vi.useRealTimers();
});

/** Lets the flush delay pass and runs the SKU's alarm until its outbox is in D1. */
const flush = async (sku: string) => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 1_000);
  const stub = env.SkuStock.get(env.SkuStock.idFromName(sku));
  for (let i = 0; i < 6; i++) await runDurableObjectAlarm(stub);
  vi.useRealTimers();
};

const withKey = (key: string, headers: Record<string, string> = {}) => ({ key, headers });

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
  const send = async (path: string, body: unknown, key?: string, idem?: string) => {
    const res = await api(path, {
      body,
      ...(key !== undefined && { key }),
      ...(idem !== undefined && { headers: { 'idempotency-key': idem } }),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  // seq 1, 2: admin receipts at a and at b, with idempotency keys.
  await send(
    `/v1/skus/${code}/receive`,
    { location: cat.a, quantity: 20, ref: 'PO-A' },
    undefined,
    'po-a',
  );
  await send(
    `/v1/skus/${code}/receive`,
    { location: cat.b, quantity: 5, ref: 'PO-B' },
    undefined,
    'po-b',
  );
  // seq 3: the storefront's own hold at a, with its own hold id.
  await send(
    `/v1/skus/${code}/holds`,
    { quantity: 1, channel: cat.channel, holdId: 'sf-hold-1', locations: [cat.a] },
    keys.storefront,
    'sf-key-1',
  );
  // seq 4, 5: the storefront's cart, held and committed through Checkout (hold id r_…:1.0).
  const cart = (await send(
    '/v1/reservations',
    { channel: cat.channel, lines: [{ sku: code, quantity: 2 }] },
    keys.storefront,
    'cart-1',
  )) as ReservationView;
  cartId = cart.reservationId;
  await send(`/v1/reservations/${cartId}/commit`, { ref: 'ORDER-1' }, keys.storefront);
  // seq 6: the warehouse's adjustment at a; seq 7: the other storefront's hold at b.
  await send(`/v1/skus/${code}/adjust`, { location: cat.a, delta: -1 }, keys.warehouse, 'wh-1');
  await send(
    `/v1/skus/${code}/holds`,
    { quantity: 1, channel: cat.narrow, holdId: 'other-hold', locations: [cat.b] },
    keys.otherStorefront,
  );
  await flush(code);
});

const movements = async (key: string | undefined, query = '') => {
  const res = await api<MovementPage>(
    `/v1/movements?sku=${code}${query}`,
    key === undefined ? {} : { key },
  );
  expect(res.status).toBe(200);
  return res.body.items;
};
const seqs = (items: Movement[]) => items.map((m) => m.seq);
const isCartHold = (holdId: string | null) => holdId?.startsWith('r_') ?? false;

describe('the ledger, read by each role', () => {
  it('shows an admin every movement with its idempotency key and cart hold ids', async () => {
    const items = await movements(undefined);
    expect(seqs(items)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(
      items.map((m) => (m.idempotencyKey?.startsWith('co:') ? 'co:…' : m.idempotencyKey)),
    ).toEqual(['po-a', 'po-b', 'sf-key-1', null, 'co:…', 'wh-1', null]);
    expect(items.filter((m) => isCartHold(m.holdId)).map((m) => m.seq)).toEqual([4, 5]);
  });

  it('shows a viewer every movement, with no idempotency key and no cart hold id', async () => {
    const items = await movements(keys.viewer);
    expect(seqs(items)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(items.map((m) => m.idempotencyKey)).toEqual(Array(7).fill(null));
    expect(items.map((m) => m.holdId)).toEqual([
      null,
      null,
      'sf-hold-1',
      null,
      null,
      null,
      'other-hold',
    ]);
  });

  it('shows a warehouse key only the movements at its locations, and refuses another location', async () => {
    const items = await movements(keys.warehouse);
    expect(seqs(items)).toEqual([1, 3, 4, 5, 6]);
    expect(items.every((m) => m.idempotencyKey === null && !isCartHold(m.holdId))).toBe(true);
    expect(seqs(await movements(keys.warehouse, `&location=${cat.a}`))).toEqual([1, 3, 4, 5, 6]);
    const other = await api<Envelope>(`/v1/movements?location=${cat.b}`, withKey(keys.warehouse));
    expect([other.status, other.body.error.code]).toEqual([403, 'forbidden']);
    expect(other.body.error.message).toContain(cat.b);
  });

  it("shows a storefront or connector key only its own movements, and refuses another key's", async () => {
    const own = await movements(keys.storefront);
    expect(seqs(own)).toEqual([3, 4, 5]);
    expect(own.map((m) => [m.idempotencyKey, m.holdId])).toEqual([
      [null, 'sf-hold-1'],
      [null, null],
      [null, null],
    ]);
    expect(seqs(await movements(keys.otherStorefront))).toEqual([7]);
    expect(seqs(await movements(keys.connector))).toEqual([]);
    const other = await api<Envelope>(
      `/v1/movements?actor=${keyIdOf(keys.otherStorefront)}`,
      withKey(keys.storefront),
    );
    expect([other.status, other.body.error.code]).toEqual([403, 'forbidden']);
  });

  it("applies the same scope and redaction to a SKU's history", async () => {
    const history = async (key: string) =>
      (await api<HistoryPage>(`/v1/skus/${code}/history`, withKey(key))).body.items;
    expect(seqs(await history(keys.viewer))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(seqs(await history(keys.warehouse))).toEqual([1, 3, 4, 5, 6]);
    expect(seqs(await history(keys.storefront))).toEqual([3, 4, 5]);
    const all = [
      ...(await history(keys.viewer)),
      ...(await history(keys.warehouse)),
      ...(await history(keys.storefront)),
    ];
    expect(all.filter((m) => m.idempotencyKey !== null || isCartHold(m.holdId))).toEqual([]);
  });

  it('exports to a warehouse key only the movements at its locations', async () => {
    const csv = await api<string>(`/v1/movements.csv?sku=${code}`, withKey(keys.warehouse));
    expect(csv.status).toBe(200);
    const seqColumn = String(csv.body)
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => Number(line.split(',')[2]));
    expect([...new Set(seqColumn)]).toEqual([1, 3, 4, 5, 6]);
  });
});
