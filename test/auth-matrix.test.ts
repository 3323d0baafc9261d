import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiKey } from '../protocol/catalog';
import type { EventPage, StockView } from '../protocol/stock';
import { ADMIN_KEY, api, createKey, uniq } from './support/client';
import { type Catalog, catalog, sku } from './support/fixtures';

type Envelope = { error: { code: string; message: string; requestId: string } };

/**
 * What one cell acts on. Every SKU comes stocked at a and b, with open holds and transfers:
 *   held       2 units held for {channel} at a        order      2 units committed for {channel} at a
 *   otherHeld  1 unit held for {narrow} at b          orderB     2 units committed, no channel, at b
 *   trIn       3 units in transit b → a               trOut      3 units in transit a → b
 */
type World = Catalog & {
  sku: string;
  other: string;
  spareKey: string;
  /** Open recommendations for {sku}: orders at a and at b, a transfer a → b. */
  recA: string;
  recB: string;
  recAB: string;
};

const ids = { held: 'held', order: 'order', otherHeld: 'other-held', orderB: 'order-b' };
const transfers = { trIn: 'tr-in', trOut: 'tr-out' };

/** A body sent as is with its own content type (the SKU import takes NDJSON). */
type Raw = { raw: string; contentType: string };
const ndjson = (text: string): Raw => ({ raw: text, contentType: 'application/x-ndjson' });

const NEW_LOCATION = {
  code: '{newLocation}',
  name: 'Leeds DC',
  kind: 'warehouse',
  region: 'UK',
  country: 'GB',
  latitude: 53.8,
  longitude: -1.55,
};
const NEW_CHANNEL = {
  code: '{newChannel}',
  name: 'Web EU',
  kind: 'storefront',
  locations: ['{a}'],
};
const line = (sku: string, fields: Record<string, unknown>) => ({ sku, ...fields });
const _ = undefined;

type Status = 200 | 201 | 401 | 403;
type Row = [
  method: string,
  path: string,
  body: unknown,
  admin: Status,
  storefront: Status,
  warehouse: Status,
  connector: Status,
  viewer: Status,
];

/**
 * The matrix. Storefront and connector keys act for {channel}; the warehouse key at {a};
 * {b} and {narrow} are outside every scope. Placeholders are filled from the cell's world.
 */
// biome-ignore format: a table reads best aligned
const MATRIX: Row[] = [
  // method   path                                           body                                                    admin sf   wh   conn viewer
  ['POST',   '/v1/skus/{sku}/receive',                       { location: '{a}', quantity: 1 },                       200, 403, 200, 403, 403],
  ['POST',   '/v1/skus/{sku}/receive',                       { location: '{b}', quantity: 1 },                       200, 403, 403, 403, 403],
  ['POST',   '/v1/skus/{sku}/expect',                        { location: '{a}', quantity: 1 },                       200, 403, 200, 403, 403],
  ['POST',   '/v1/skus/{sku}/adjust',                        { location: '{a}', delta: -1 },                         200, 403, 200, 403, 403],
  ['POST',   '/v1/skus/{sku}/count',                         { location: '{a}', onHand: 45 },                        200, 403, 200, 403, 403],
  ['POST',   '/v1/skus/{sku}/unavailable',                   { location: '{a}', quantity: 1 },                       200, 403, 200, 403, 403],
  ['POST',   '/v1/skus/{sku}/unavailable/release',           { location: '{a}', quantity: 1 },                       200, 403, 200, 403, 403],
  ['POST',   '/v1/skus/{sku}/safety-stock',                  { location: '{a}', quantity: 1 },                       200, 403, 200, 403, 403],
  ['POST',   '/v1/skus/{sku}/returns',                       { location: '{a}', quantity: 1, disposition: 'restock' }, 200, 403, 200, 403, 403],
  ['POST',   '/v1/skus/{sku}/transfers',                     { from: '{a}', to: '{b}', quantity: 1 },                201, 403, 201, 403, 403],
  ['POST',   '/v1/skus/{sku}/transfers',                     { from: '{b}', to: '{a}', quantity: 1 },                201, 403, 403, 403, 403],
  ['POST',   '/v1/skus/{sku}/transfers/tr-in/receive',       {},                                                     200, 403, 200, 403, 403],
  ['POST',   '/v1/skus/{sku}/transfers/tr-out/receive',      {},                                                     200, 403, 403, 403, 403],
  ['POST',   '/v1/skus/{sku}/holds',                         { quantity: 1, channel: '{channel}' },                  201, 201, 403, 201, 403],
  ['POST',   '/v1/skus/{sku}/holds',                         { quantity: 1, channel: '{channel}', commit: true },    201, 201, 403, 201, 403],
  ['POST',   '/v1/skus/{sku}/holds',                         { quantity: 1 },                                        201, 403, 403, 403, 403],
  ['POST',   '/v1/skus/{sku}/holds',                         { quantity: 1, channel: '{narrow}' },                   201, 403, 403, 403, 403],
  ['POST',   '/v1/skus/{sku}/holds/held/extend',             { ttlSeconds: 60 },                                     200, 200, 403, 200, 403],
  ['POST',   '/v1/skus/{sku}/holds/held/release',            {},                                                     200, 200, 403, 200, 403],
  ['POST',   '/v1/skus/{sku}/holds/held/commit',             {},                                                     200, 200, 403, 200, 403],
  ['POST',   '/v1/skus/{sku}/holds/order/ship',              {},                                                     200, 403, 200, 403, 403],
  ['POST',   '/v1/skus/{sku}/holds/order-b/ship',            {},                                                     200, 403, 403, 403, 403],
  ['POST',   '/v1/skus/{sku}/holds/order/cancel',            {},                                                     200, 200, 403, 200, 403],
  ['POST',   '/v1/skus/{sku}/holds/other-held/commit',       {},                                                     200, 403, 403, 403, 403],
  ['POST',   '/v1/skus/{sku}/holds/other-held/release',      {},                                                     200, 403, 403, 403, 403],
  ['POST',   '/v1/movements/batch',                          { lines: [line('{sku}', { op: 'receive', location: '{a}', quantity: 1 }),
                                                                       line('{other}', { op: 'receive', location: '{a}', quantity: 1 })] }, 200, 403, 200, 403, 403],
  ['POST',   '/v1/movements/batch',                          { lines: [line('{sku}', { op: 'receive', location: '{a}', quantity: 1 }),
                                                                       line('{other}', { op: 'receive', location: '{b}', quantity: 1 })] }, 200, 403, 403, 403, 403],
  ['POST',   '/v1/movements/batch',                          { lines: [line('{sku}', { op: 'hold', quantity: 1, channel: '{channel}' })] }, 200, 200, 403, 200, 403],
  ['GET',    '/v1/skus/{sku}/stock',                         _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/skus/{sku}/events',                        _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/skus/{sku}/holds/held',                    _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/skus/{sku}/holds/other-held',              _,                                                      200, 403, 403, 403, 200],
  ['GET',    '/v1/skus/{sku}/holds/order-b',                 _,                                                      200, 403, 403, 403, 200],
  ['GET',    '/v1/skus',                                     _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/skus/{sku}',                               _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/locations',                                _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/locations/{a}',                            _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/channels',                                 _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/locations/{a}/replenishment',              _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/transfer-lanes/{a}/{b}',                   _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/channels/{channel}',                       _,                                                      200, 200, 200, 200, 200],
  ['POST',   '/v1/skus',                                     { code: '{newSku}', title: 'Tee' },                     201, 403, 403, 403, 403],
  ['PATCH',  '/v1/skus/{sku}',                               { title: 'Tee, renamed' },                              200, 403, 403, 403, 403],
  ['POST',   '/v1/skus/import',                              ndjson('{"code":"{newSku}","title":"Imported tee"}'),   200, 403, 403, 403, 403],
  ['POST',   '/v1/locations',                                NEW_LOCATION,                                           201, 403, 403, 403, 403],
  ['PATCH',  '/v1/locations/{a}',                            { name: 'Manchester DC' },                              200, 403, 403, 403, 403],
  ['PUT',    '/v1/locations/{a}/replenishment',              { leadTimeDays: 5, leadTimeSpreadDays: 1, reviewPeriodDays: 1, serviceLevel: 0.9 }, 200, 403, 403, 403, 403],
  ['PUT',    '/v1/transfer-lanes/{a}/{b}',                   { leadTimeDays: 1, costPerUnit: 0.5 },                  200, 403, 403, 403, 403],
  ['GET',    '/v1/signals?type=out',                         _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/skus/{sku}/thresholds',                    _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/locations/{a}/thresholds',                 _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/channels/{channel}/thresholds',            _,                                                      200, 200, 200, 200, 200],
  ['PUT',    '/v1/skus/{sku}/thresholds',                    { lowCoverDays: 4 },                                    200, 403, 403, 403, 403],
  ['PUT',    '/v1/locations/{a}/thresholds',                 { reorderPoint: 2 },                                    200, 403, 403, 403, 403],
  ['PUT',    '/v1/channels/{channel}/thresholds',            { backInStock: 2 },                                     200, 403, 403, 403, 403],
  ['POST',   '/v1/channels',                                 NEW_CHANNEL,                                            201, 403, 403, 403, 403],
  ['PATCH',  '/v1/channels/{channel}',                       { name: 'Web store' },                                  200, 403, 403, 403, 403],
  ['POST',   '/v1/recommendations/recompute',                { sku: '{sku}' },                                       200, 403, 200, 403, 403],
  ['GET',    '/v1/recommendations',                          _,                                                      200, 200, 200, 200, 200],
  ['GET',    '/v1/recommendations/{recA}',                   _,                                                      200, 200, 200, 200, 200],
  ['POST',   '/v1/recommendations/{recA}/dismiss',           {},                                                     200, 403, 200, 403, 403],
  ['POST',   '/v1/recommendations/{recB}/dismiss',           {},                                                     200, 403, 403, 403, 403],
  ['POST',   '/v1/recommendations/{recA}/apply',             {},                                                     200, 403, 200, 403, 403],
  ['POST',   '/v1/recommendations/{recB}/apply',             {},                                                     200, 403, 403, 403, 403],
  ['POST',   '/v1/recommendations/{recAB}/apply',            {},                                                     200, 403, 403, 403, 403],
  ['POST',   '/v1/keys',                                     { name: 'Ops', role: 'viewer' },                        201, 403, 403, 403, 403],
  ['GET',    '/v1/keys',                                     _,                                                      200, 403, 403, 403, 403],
  ['DELETE', '/v1/keys/{spareKey}',                          _,                                                      200, 403, 403, 403, 403],
];

const ROLES = ['admin', 'storefront', 'warehouse', 'connector', 'viewer'] as const;
/** Keys that are not keys: every route answers them 401 unauthorized, saying this. */
const NOT_KEYS = [
  ['no key', 'Missing API key'],
  ['a malformed key', 'Malformed API key'],
  ['a revoked key', 'was revoked'],
  ['an unknown key', 'Unknown API key'],
] as const;
type Who = (typeof ROLES)[number] | (typeof NOT_KEYS)[number][0];

type Cell = { who: Who; method: string; path: string; body: unknown; status: Status };
const CELLS: Cell[] = MATRIX.flatMap(([method, path, body, ...statuses]) => [
  ...ROLES.map((who, i): Cell => ({ who, method, path, body, status: statuses[i] ?? 401 })),
  ...NOT_KEYS.map(([who]): Cell => ({ who, method, path, body, status: 401 })),
]);

const expectedCode = (status: Status) =>
  status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : undefined;

/** The secret each caller presents; null sends no Authorization header. */
const keys = new Map<Who, string | null>();
let cat: Catalog;
let shared: World;

/** A fresh SKU (and a second one) in the state the matrix expects, and a key to revoke. */
const world = async (): Promise<World> => {
  const [code, other] = [await sku(), await sku()];
  const { a, b, channel, narrow } = cat;
  const setup = await api<{ failed: number }>('/v1/movements/batch', {
    body: {
      lines: [
        line(code, { op: 'receive', location: a, quantity: 50 }),
        line(code, { op: 'receive', location: b, quantity: 50 }),
        line(code, { op: 'mark-unavailable', location: a, quantity: 5 }),
        line(code, { op: 'hold', holdId: ids.held, quantity: 2, channel }),
        line(code, { op: 'hold', holdId: ids.order, quantity: 2, channel, commit: true }),
        line(code, { op: 'hold', holdId: ids.otherHeld, quantity: 1, channel: narrow }),
        line(code, { op: 'hold', holdId: ids.orderB, quantity: 2, locations: [b], commit: true }),
        line(code, { op: 'transfer-out', transferId: transfers.trIn, from: b, to: a, quantity: 3 }),
        line(code, {
          op: 'transfer-out',
          transferId: transfers.trOut,
          from: a,
          to: b,
          quantity: 3,
        }),
        line(other, { op: 'receive', location: a, quantity: 10 }),
      ],
    },
  });
  if (setup.status !== 200 || setup.body.failed !== 0) {
    throw new Error(`setting up the world failed: ${JSON.stringify(setup.body)}`);
  }
  const spare = await api<{ id: string }>('/v1/keys', { body: { name: 'Spare', role: 'viewer' } });
  const stock = await read<StockView>(`/v1/skus/${code}/stock`);
  const availableAt = (l: string) => stock.locations.find((x) => x.location === l)?.available ?? 0;
  const basis = JSON.stringify({ [a]: availableAt(a), [b]: availableAt(b) });
  const recommend = async (location: string, from: string | null) => {
    const id = `rc_${crypto.randomUUID().replaceAll('-', '')}`;
    await env.DB.prepare(
      `insert into recommendations (id, kind, sku, location, from_location, quantity, urgent_at, reason, numbers, basis, seq, computed_at)
       values (?, ?, ?, ?, ?, 4, '2026-01-01T00:00:00.000Z', 'r', '{}', ?, 1, '2026-01-01T00:00:00.000Z')`,
    )
      .bind(id, from === null ? 'replenish' : 'transfer', code, location, from, basis)
      .run();
    return id;
  };
  return {
    ...cat,
    sku: code,
    other,
    spareKey: spare.body.id,
    recA: await recommend(a, null),
    recB: await recommend(b, null),
    recAB: await recommend(b, a),
  };
};

const generated: Record<string, () => string> = {
  newSku: () => uniq('SKU'),
  newLocation: () => uniq('LOC'),
  newChannel: () => uniq('ch').toLowerCase(),
};

/** Replaces each {name} by the world's value of that name, or by a new unique code. */
const fillString = (text: string, w: World): string => {
  const values = new Map(Object.entries(w));
  return text.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const known = values.get(name);
    if (typeof known === 'string') return known;
    const make = generated[name];
    if (make === undefined) throw new Error(`no placeholder {${name}}`);
    return make();
  });
};

/** fillString applied to every string inside a body. */
const fill = (value: unknown, w: World): unknown => {
  if (typeof value === 'string') return fillString(value, w);
  if (Array.isArray(value)) return value.map((v) => fill(v, w));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, w)]));
  }
  return value;
};

const isRaw = (body: unknown): body is Raw =>
  typeof body === 'object' && body !== null && 'raw' in body && 'contentType' in body;

const send = (cell: Cell, w: World) => {
  const key = keys.get(cell.who);
  // api() sends the admin key when given none: never let a missing key pass as admin.
  if (key === undefined) throw new Error(`no key for ${cell.who}`);
  const body = fill(cell.body, w);
  return api<Envelope & { failed?: number }>(fillString(cell.path, w), {
    method: cell.method,
    key,
    ...(isRaw(body)
      ? { rawBody: body.raw, headers: { 'content-type': body.contentType } }
      : body !== undefined && { body }),
  });
};

const read = async <T>(path: string): Promise<T> => (await api<T>(path)).body;

/** What a refused cell must leave as it found it: the world's stock and events, or the catalog. */
const snapshot = async (cell: Cell, w: World) => {
  const touchesStock =
    cell.path.startsWith('/v1/skus/{sku}/') ||
    cell.path.includes('/batch') ||
    cell.path.startsWith('/v1/recommendations');
  if (touchesStock) {
    return Promise.all([
      ...[w.sku, w.other].flatMap((code) => [
        read<StockView>(`/v1/skus/${code}/stock`),
        read<EventPage>(`/v1/skus/${code}/events?limit=1000`),
      ]),
      read(`/v1/recommendations?sku=${w.sku}&status=open`),
    ]);
  }
  const keyList = await read<{ items: ApiKey[] }>('/v1/keys');
  return [
    await read('/v1/skus?limit=1000'),
    await read('/v1/locations'),
    await read('/v1/channels'),
    // lastUsedAt moves whenever a key is presented, refused or not.
    keyList.items.map(({ lastUsedAt: _used, ...k }) => k),
  ];
};

beforeAll(async () => {
  cat = await catalog();
  keys.set('admin', ADMIN_KEY);
  keys.set('storefront', await createKey('storefront', { channels: [cat.channel] }));
  keys.set('warehouse', await createKey('warehouse', { locations: [cat.a] }));
  keys.set('connector', await createKey('connector', { channels: [cat.channel] }));
  keys.set('viewer', await createKey('viewer'));
  keys.set('no key', null);
  keys.set('a malformed key', 'not-a-stockmesh-key');
  keys.set('an unknown key', `smk_0123456789abcdef_${'A'.repeat(43)}`);
  const revoked = await api<{ id: string; key: string }>('/v1/keys', {
    body: { name: 'Former employee', role: 'viewer' },
  });
  keys.set('a revoked key', revoked.body.key);
  const revoke = await api(`/v1/keys/${revoked.body.id}`, { method: 'DELETE' });
  if (revoke.status !== 200) throw new Error('revoking the key failed');
  shared = await world();
});

describe('the auth matrix: every role against every endpoint', () => {
  it.each(CELLS)('$who: $method $path → $status', async (cell) => {
    const succeeds = cell.status < 300;
    // A cell that changes state gets a world of its own; refusals and reads share one.
    const w = succeeds && cell.method !== 'GET' ? await world() : shared;
    const before = succeeds ? undefined : await snapshot(cell, w);
    const res = await send(cell, w);
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({
      status: cell.status,
      code: expectedCode(cell.status),
    });
    if (succeeds) {
      // A batch answers 200 with per-line results: every line must have gone through.
      if (typeof res.body?.failed === 'number') expect(res.body.failed).toBe(0);
      return;
    }
    expect(res.body.error.message.trim()).not.toBe('');
    const says = NOT_KEYS.find(([who]) => who === cell.who)?.[1];
    if (says !== undefined) expect(res.body.error.message).toContain(says);
    expect(await snapshot(cell, w)).toEqual(before);
  });
});
