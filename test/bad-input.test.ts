import { beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../protocol/errors';
import type { EventPage, StockView } from '../protocol/stock';
import { type ApiResponse, api, type CallOptions, uniq } from './support/client';
import { type Catalog, catalog, post, sku } from './support/fixtures';

type Envelope = {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
};

/** What the cases act on: a catalog and three SKUs with stock, an open hold and a transfer. */
type World = Catalog & {
  sku: string;
  other: string;
  third: string;
  hold: string;
  transfer: string;
};

type Case = {
  /** Completes "refuses …". */
  name: string;
  path: (w: World) => string;
  method?: string;
  body?: (w: World) => unknown;
  /** Raw body text, for bodies JSON.stringify cannot produce. */
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  code: ErrorCode;
  /** What the message must name (a field, a SKU, a location, a limit). */
  says?: (w: World) => string[];
};

let w: World;
beforeAll(async () => {
  const cat = await catalog();
  const [code, other, third] = [await sku(), await sku(), await sku()];
  await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 10 });
  await post(`/v1/skus/${code}/receive`, { location: cat.b, quantity: 10 });
  await post(`/v1/skus/${other}/receive`, { location: cat.a, quantity: 5 });
  await post(`/v1/skus/${third}/receive`, { location: cat.b, quantity: 5 });
  await post(`/v1/skus/${code}/holds`, { quantity: 1, holdId: 'cart-1', locations: [cat.a] });
  await post(`/v1/skus/${code}/transfers`, {
    from: cat.a,
    to: cat.b,
    quantity: 1,
    transferId: 'tr-1',
  });
  w = { ...cat, sku: code, other, third, hold: 'cart-1', transfer: 'tr-1' };
});

const get = async <T>(path: string): Promise<T> => {
  const res = await api<T>(path);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

/** Everything a bad request could have touched: each SKU's stock and event log, and the catalog. */
const snapshot = async () => {
  const perSku = await Promise.all(
    [w.sku, w.other, w.third].map(async (code) => ({
      stock: await get<StockView>(`/v1/skus/${code}/stock`),
      events: await get<EventPage>(`/v1/skus/${code}/events?limit=1000`),
    })),
  );
  return {
    perSku,
    skus: await get('/v1/skus?limit=1000'),
    locations: await get('/v1/locations'),
    channels: await get('/v1/channels'),
    keys: await get('/v1/keys'),
  };
};

const on = (route: string) => (x: World) => `/v1/skus/${x.sku}${route}`;
const receiveAt = (x: World) => ({ location: x.a, quantity: 1 });
const tooBig = 'x'.repeat(256 * 1024);

/** Bodies that are not a JSON object. */
const notAnObject: Case[] = [
  {
    name: 'a malformed JSON body',
    path: on('/receive'),
    raw: '{"location": "A", "quantity": 1',
    status: 400,
    code: 'invalid_json',
    says: () => ['JSON'],
  },
  {
    name: 'a NaN literal, which is not JSON',
    path: on('/receive'),
    raw: '{"location": "A", "quantity": NaN}',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'a JSON array instead of an object',
    path: on('/receive'),
    body: (x) => [receiveAt(x)],
    status: 400,
    code: 'validation_failed',
    says: () => ['object'],
  },
  {
    name: 'a JSON string instead of an object',
    path: on('/receive'),
    body: () => 'receive 5',
    status: 400,
    code: 'validation_failed',
    says: () => ['object'],
  },
  {
    name: 'JSON null instead of an object',
    path: on('/receive'),
    raw: 'null',
    status: 400,
    code: 'validation_failed',
    says: () => ['object'],
  },
  {
    name: 'a JSON number instead of an object',
    path: on('/receive'),
    raw: '42',
    status: 400,
    code: 'validation_failed',
    says: () => ['object'],
  },
  {
    name: 'a body with a __proto__ key',
    path: on('/receive'),
    raw: '{"location": "A", "quantity": 1, "__proto__": {"quantity": 5}}',
    status: 400,
    code: 'validation_failed',
    says: () => ['__proto__'],
  },
  {
    name: 'a SKU sent as text/plain, naming the media type it takes',
    path: () => '/v1/skus',
    body: () => ({ code: uniq('SKU'), title: 'Tee' }),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
    says: () => ['text/plain', 'application/json'],
  },
  {
    name: 'a receipt sent as a form, as curl -d sends it',
    path: on('/receive'),
    body: receiveAt,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'an empty body where fields are required',
    path: on('/receive'),
    raw: '',
    status: 400,
    code: 'validation_failed',
    says: () => ['location'],
  },
];

/** Quantities and deltas of the wrong type or out of range. */
const badNumbers: Case[] = [
  ...(
    [
      ['a string quantity', '5'],
      ['a float quantity', 1.5],
      ['a boolean quantity', true],
      ['a null quantity', null],
      ['a zero quantity', 0],
      ['a negative quantity', -3],
      ['a "NaN" quantity', 'NaN'],
    ] as const
  ).map(
    ([name, quantity]): Case => ({
      name,
      path: on('/receive'),
      body: (x) => ({ location: x.a, quantity }),
      status: 400,
      code: 'validation_failed',
      says: () => ['quantity'],
    }),
  ),
  {
    name: 'a quantity over 1,000,000 and names the limit',
    path: on('/receive'),
    body: (x) => ({ location: x.a, quantity: 1_000_001 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['quantity', '1000000'],
  },
  {
    name: 'an infinite quantity (1e309)',
    path: on('/receive'),
    raw: '{"location": "A", "quantity": 1e309}',
    status: 400,
    code: 'validation_failed',
    says: () => ['quantity'],
  },
  {
    name: 'a missing quantity',
    path: on('/receive'),
    body: (x) => ({ location: x.a }),
    status: 400,
    code: 'validation_failed',
    says: () => ['quantity'],
  },
  {
    name: 'a zero adjust delta',
    path: on('/adjust'),
    body: (x) => ({ location: x.a, delta: 0 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['delta must not be zero'],
  },
  {
    name: 'a fractional adjust delta',
    path: on('/adjust'),
    body: (x) => ({ location: x.a, delta: 2.5 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['delta'],
  },
  {
    name: 'an adjust delta below -1,000,000',
    path: on('/adjust'),
    body: (x) => ({ location: x.a, delta: -1_000_001 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['delta', '1000000'],
  },
  {
    name: 'a negative count',
    path: on('/count'),
    body: (x) => ({ location: x.a, onHand: -1 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['onHand'],
  },
  {
    name: 'a counted onHand given as a string',
    path: on('/count'),
    body: (x) => ({ location: x.a, onHand: '12' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['onHand'],
  },
  {
    name: 'a fractional expectedOnHand',
    path: on('/count'),
    body: (x) => ({ location: x.a, onHand: 3, expectedOnHand: 1.5 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['expectedOnHand'],
  },
  {
    name: 'a negative safety stock',
    path: on('/safety-stock'),
    body: (x) => ({ location: x.a, quantity: -1 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['quantity'],
  },
  {
    name: 'a hold of zero units',
    path: on('/holds'),
    body: () => ({ quantity: 0 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['quantity'],
  },
  {
    name: 'shipping zero units',
    path: (x) => `/v1/skus/${x.sku}/holds/${x.hold}/ship`,
    body: () => ({ quantity: 0 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['quantity'],
  },
  {
    name: 'receiving a negative part of a transfer',
    path: (x) => `/v1/skus/${x.sku}/transfers/${x.transfer}/receive`,
    body: () => ({ quantity: -1 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['quantity'],
  },
  {
    name: 'a fractional ifSeq',
    path: on('/receive'),
    body: (x) => ({ ...receiveAt(x), ifSeq: 0.5 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['ifSeq'],
  },
  {
    name: 'a fractional ttlSeconds',
    path: on('/holds'),
    body: () => ({ quantity: 1, ttlSeconds: 1.5 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['ttlSeconds'],
  },
  {
    name: 'a negative ifSeq',
    path: on('/receive'),
    body: (x) => ({ ...receiveAt(x), ifSeq: -1 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['ifSeq'],
  },
];

/** Other fields of the wrong shape. */
const badFields: Case[] = [
  {
    name: 'a lower-case location code',
    path: on('/receive'),
    body: () => ({ location: 'man-1', quantity: 1 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['location'],
  },
  {
    name: 'a well-formed location that does not exist, naming it',
    path: on('/receive'),
    body: () => ({ location: 'NOWHERE-1', quantity: 1 }),
    status: 404,
    code: 'unknown_location',
    says: () => ['NOWHERE-1'],
  },
  {
    name: 'a transfer from a location that does not exist, naming it',
    path: on('/transfers'),
    body: (x) => ({ from: 'NOWHERE-2', to: x.a, quantity: 1 }),
    status: 404,
    code: 'unknown_location',
    says: () => ['NOWHERE-2'],
  },
  {
    name: 'a non-boolean fromIncoming',
    path: on('/receive'),
    body: (x) => ({ ...receiveAt(x), fromIncoming: 'yes' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['fromIncoming'],
  },
  {
    name: 'a return disposition that is neither restock nor inspect',
    path: on('/returns'),
    body: (x) => ({ location: x.a, quantity: 1, disposition: 'trash' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['disposition'],
  },
  {
    name: 'a reason code with capitals and spaces',
    path: on('/adjust'),
    body: (x) => ({ location: x.a, delta: -1, reason: 'Damaged Goods' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['reason'],
  },
  {
    name: 'an empty external reference',
    path: on('/receive'),
    body: (x) => ({ ...receiveAt(x), ref: '' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['ref'],
  },
];

/** A valid body for every stock route, to which the cases below add one field. */
const routes: [string, (x: World) => string, (x: World) => Record<string, unknown>][] = [
  ['receive', on('/receive'), receiveAt],
  ['expect', on('/expect'), receiveAt],
  ['adjust', on('/adjust'), (x) => ({ location: x.a, delta: 1 })],
  ['count', on('/count'), (x) => ({ location: x.a, onHand: 1 })],
  ['unavailable', on('/unavailable'), receiveAt],
  ['unavailable/release', on('/unavailable/release'), receiveAt],
  ['safety-stock', on('/safety-stock'), receiveAt],
  ['returns', on('/returns'), (x) => ({ ...receiveAt(x), disposition: 'restock' })],
  ['transfers', on('/transfers'), (x) => ({ from: x.a, to: x.b, quantity: 1 })],
  [
    'transfers/{id}/receive',
    (x) => `/v1/skus/${x.sku}/transfers/${x.transfer}/receive`,
    () => ({}),
  ],
  ['holds', on('/holds'), () => ({ quantity: 1 })],
  [
    'holds/{id}/extend',
    (x) => `/v1/skus/${x.sku}/holds/${x.hold}/extend`,
    () => ({ ttlSeconds: 60 }),
  ],
  ...(['release', 'commit', 'ship', 'cancel'] as const).map(
    (op): [string, (x: World) => string, () => Record<string, unknown>] => [
      `holds/{id}/${op}`,
      (x) => `/v1/skus/${x.sku}/holds/${x.hold}/${op}`,
      () => ({}),
    ],
  ),
];

const unknownFields: Case[] = routes.map(([route, path, body]) => ({
  name: `an unknown field in a ${route} body, naming it`,
  path,
  body: (x) => ({ ...body(x), colour: 'red' }),
  status: 400,
  code: 'validation_failed',
  says: () => ['colour'],
}));

/** The operation and the ids come from the path; a body may not restate them. */
const pathFieldsInBody: Case[] = [
  {
    name: 'a body carrying op',
    path: on('/receive'),
    body: (x) => ({ ...receiveAt(x), op: 'receive' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['op', 'path'],
  },
  {
    name: 'a body carrying another op than the path',
    path: on('/receive'),
    body: (x) => ({ ...receiveAt(x), op: 'adjust', delta: 5 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['op', 'path'],
  },
  {
    name: 'a body carrying sku',
    path: on('/receive'),
    body: (x) => ({ ...receiveAt(x), sku: x.other }),
    status: 400,
    code: 'validation_failed',
    says: () => ['sku', 'path'],
  },
  {
    name: 'a lifecycle body carrying holdId',
    path: (x) => `/v1/skus/${x.sku}/holds/${x.hold}/commit`,
    body: () => ({ holdId: 'cart-2' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['holdId', 'path'],
  },
  {
    name: 'a transfer receipt body carrying transferId',
    path: (x) => `/v1/skus/${x.sku}/transfers/${x.transfer}/receive`,
    body: () => ({ transferId: 'tr-2' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['transferId', 'path'],
  },
];

const badPathIds: Case[] = [
  ...(
    [
      ['a 65-character SKU code', 'A'.repeat(65)],
      ['a SKU code with $', 'BAD$SKU'],
      ['a SKU code starting with a dash', '-SKU-1'],
      ['a SKU code ending with a space', 'SKU-1%20'],
      ['a non-ASCII SKU code', 'T%C3%89E-1'],
    ] as const
  ).map(
    ([name, code]): Case => ({
      name: `${name} in the path`,
      path: () => `/v1/skus/${code}/receive`,
      body: receiveAt,
      status: 400,
      code: 'validation_failed',
      says: () => ['sku'],
    }),
  ),
  {
    name: 'reading the stock of a 65-character SKU code',
    path: () => `/v1/skus/${'A'.repeat(65)}/stock`,
    status: 400,
    code: 'validation_failed',
    says: () => ['sku'],
  },
  {
    name: 'a hold id with a space',
    path: (x) => `/v1/skus/${x.sku}/holds/cart%201/commit`,
    body: () => ({}),
    status: 400,
    code: 'validation_failed',
    says: () => ['holdId'],
  },
  {
    name: 'a 97-character hold id',
    path: (x) => `/v1/skus/${x.sku}/holds/${'h'.repeat(97)}/release`,
    body: () => ({}),
    status: 400,
    code: 'validation_failed',
    says: () => ['holdId'],
  },
  {
    name: 'reading a hold by an id with !',
    path: (x) => `/v1/skus/${x.sku}/holds/cart!1`,
    status: 400,
    code: 'validation_failed',
    says: () => ['holdId'],
  },
  {
    name: 'a transfer id with !',
    path: (x) => `/v1/skus/${x.sku}/transfers/tr!1/receive`,
    body: () => ({}),
    status: 400,
    code: 'validation_failed',
    says: () => ['transferId'],
  },
  {
    name: 'reading a location by a lower-case code',
    path: () => '/v1/locations/man-1',
    status: 400,
    code: 'validation_failed',
    says: () => ['code'],
  },
  {
    name: 'reading a channel by an upper-case code',
    path: () => '/v1/channels/AMAZON-US',
    status: 400,
    code: 'validation_failed',
    says: () => ['code'],
  },
];

const badHolds: Case[] = [
  {
    name: 'a hold with ttlSeconds 0',
    path: on('/holds'),
    body: () => ({ quantity: 1, ttlSeconds: 0 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['ttlSeconds'],
  },
  {
    name: 'a hold with ttlSeconds over 7 days, naming the limit',
    path: on('/holds'),
    body: () => ({ quantity: 1, ttlSeconds: 604_801 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['ttlSeconds', '604800'],
  },
  {
    name: 'extending a hold by ttlSeconds 0',
    path: (x) => `/v1/skus/${x.sku}/holds/${x.hold}/extend`,
    body: () => ({ ttlSeconds: 0 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['ttlSeconds'],
  },
  {
    name: 'extending a hold by over 7 days',
    path: (x) => `/v1/skus/${x.sku}/holds/${x.hold}/extend`,
    body: () => ({ ttlSeconds: 604_801 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['ttlSeconds', '604800'],
  },
  {
    name: 'a hold naming a location twice',
    path: on('/holds'),
    body: (x) => ({ quantity: 1, locations: [x.a, x.b, x.a] }),
    status: 400,
    code: 'validation_failed',
    says: () => ['locations must not repeat'],
  },
  {
    name: 'a hold with an empty location list',
    path: on('/holds'),
    body: () => ({ quantity: 1, locations: [] }),
    status: 400,
    code: 'validation_failed',
    says: () => ['locations'],
  },
  {
    name: 'a hold with a malformed channel code',
    path: on('/holds'),
    body: () => ({ quantity: 1, channel: 'Web EU' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['channel'],
  },
  {
    name: 'a hold for a channel that does not exist, naming it',
    path: on('/holds'),
    body: () => ({ quantity: 1, channel: 'no-such-channel' }),
    status: 404,
    code: 'unknown_channel',
    says: () => ['no-such-channel'],
  },
  {
    name: 'a hold at a location that does not feed its channel, naming both',
    path: on('/holds'),
    body: (x) => ({ quantity: 1, channel: x.narrow, locations: [x.a] }),
    status: 400,
    code: 'validation_failed',
    says: (x) => [x.a, x.narrow],
  },
  {
    name: 'a hold with a malformed holdId',
    path: on('/holds'),
    body: () => ({ quantity: 1, holdId: 'cart 9' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['holdId'],
  },
  {
    name: 'a transfer to the location it leaves, naming the SKU and the location',
    path: on('/transfers'),
    body: (x) => ({ from: x.a, to: x.a, quantity: 1 }),
    status: 400,
    code: 'validation_failed',
    says: (x) => [x.sku, x.a],
  },
];

const badRequests: Case[] = [
  {
    name: 'a stock body over 256 KiB, naming the limit',
    path: on('/receive'),
    body: (x) => ({ ...receiveAt(x), ref: tooBig }),
    status: 413,
    code: 'payload_too_large',
    says: () => ['262144'],
  },
  {
    name: 'a SKU body over 256 KiB',
    path: () => '/v1/skus',
    body: () => ({ code: uniq('SKU'), title: tooBig }),
    status: 413,
    code: 'payload_too_large',
    says: () => ['262144'],
  },
  ...(
    [
      ['a 201-character Idempotency-Key', 'k'.repeat(201)],
      ['a non-ASCII Idempotency-Key', 'cl\u00e9-1'],
      ['an Idempotency-Key with a space', 'key 1'],
    ] as const
  ).map(
    ([name, key]): Case => ({
      name,
      path: on('/receive'),
      body: receiveAt,
      headers: { 'idempotency-key': key },
      status: 400,
      code: 'validation_failed',
      says: () => ['idempotency-key'],
    }),
  ),
  ...(
    [
      ['events with limit=0', 'limit=0', 'limit'],
      ['events with limit=abc', 'limit=abc', 'limit'],
      ['events with limit=1001', 'limit=1001', 'limit'],
      ['events with after=-1', 'after=-1', 'after'],
      ['events with after=1.5', 'after=1.5', 'after'],
    ] as const
  ).map(
    ([name, query, field]): Case => ({
      name,
      path: (x) => `/v1/skus/${x.sku}/events?${query}`,
      status: 400,
      code: 'validation_failed',
      says: () => [field],
    }),
  ),
  {
    name: 'a SKU list with limit=0',
    path: () => '/v1/skus?limit=0',
    status: 400,
    code: 'validation_failed',
    says: () => ['limit'],
  },
  {
    name: 'PUT on a POST route, naming the method and path',
    method: 'PUT',
    path: on('/receive'),
    body: receiveAt,
    status: 404,
    code: 'not_found',
    says: (x) => ['PUT', `/v1/skus/${x.sku}/receive`],
  },
  {
    name: 'GET on a POST route',
    path: on('/receive'),
    status: 404,
    code: 'not_found',
    says: () => ['GET'],
  },
  {
    name: 'DELETE on the stock of a SKU',
    method: 'DELETE',
    path: on('/stock'),
    status: 404,
    code: 'not_found',
    says: () => ['DELETE'],
  },
  {
    name: 'an unknown route, naming it',
    path: () => '/v1/warehouses',
    status: 404,
    code: 'not_found',
    says: () => ['/v1/warehouses'],
  },
  {
    name: 'an unknown stock operation',
    path: on('/teleport'),
    body: receiveAt,
    status: 404,
    code: 'not_found',
    says: () => ['teleport'],
  },
];

const line = (code: string, fields: Record<string, unknown>) => ({ sku: code, ...fields });
const goodLines = (x: World) => [
  line(x.sku, { op: 'receive', location: x.a, quantity: 1 }),
  line(x.other, { op: 'receive', location: x.a, quantity: 2 }),
];

const badBatches: Case[] = [
  {
    name: 'an empty batch',
    path: () => '/v1/movements/batch',
    body: () => ({ lines: [] }),
    status: 400,
    code: 'validation_failed',
    says: () => ['lines'],
  },
  {
    name: 'a batch without lines',
    path: () => '/v1/movements/batch',
    body: () => ({}),
    status: 400,
    code: 'validation_failed',
    says: () => ['lines'],
  },
  {
    name: 'a batch that is a bare array of lines',
    path: () => '/v1/movements/batch',
    body: goodLines,
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'a batch of malformed JSON',
    path: () => '/v1/movements/batch',
    raw: '{"lines": [',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'an unknown field in the batch envelope, naming it',
    path: () => '/v1/movements/batch',
    body: (x) => ({ lines: goodLines(x), atomic: true }),
    status: 400,
    code: 'validation_failed',
    says: () => ['atomic'],
  },
  {
    name: 'a batch with a bad Idempotency-Key header',
    path: () => '/v1/movements/batch',
    body: (x) => ({ lines: goodLines(x) }),
    headers: { 'idempotency-key': 'k'.repeat(201) },
    status: 400,
    code: 'validation_failed',
    says: () => ['idempotency-key'],
  },
  {
    name: `a batch of 5,001 lines, naming the limit of 5000`,
    path: () => '/v1/movements/batch',
    body: (x) => ({
      lines: Array.from({ length: 5001 }, () =>
        line(x.sku, { op: 'receive', location: x.a, quantity: 1 }),
      ),
    }),
    status: 413,
    code: 'too_many_lines',
    says: () => ['5000'],
  },
  {
    name: 'a batch body over 8 MiB, naming the limit',
    path: () => '/v1/movements/batch',
    body: (x) => ({ lines: goodLines(x), pad: 'x'.repeat(8 * 1024 * 1024) }),
    status: 413,
    code: 'payload_too_large',
    says: () => ['8388608'],
  },
  {
    name: 'a batch line with a 201-character key',
    path: () => '/v1/movements/batch',
    body: (x) => ({
      lines: [
        ...goodLines(x),
        line(x.third, { op: 'receive', location: x.b, quantity: 1, key: 'k'.repeat(201) }),
      ],
    }),
    status: 400,
    code: 'validation_failed',
    says: () => ['lines.2.key'],
  },
  {
    name: 'a batch line with an unknown field, naming it; no line applied',
    path: () => '/v1/movements/batch',
    body: (x) => ({
      lines: [
        ...goodLines(x),
        line(x.third, { op: 'receive', location: x.b, quantity: 1, colour: 'red' }),
      ],
    }),
    status: 400,
    code: 'validation_failed',
    says: () => ['colour'],
  },
  {
    name: 'a batch line without a sku',
    path: () => '/v1/movements/batch',
    body: (x) => ({ lines: [...goodLines(x), { op: 'receive', location: x.a, quantity: 1 }] }),
    status: 400,
    code: 'validation_failed',
    says: () => ['lines.2.sku'],
  },
  {
    name: 'a batch line with an unknown op',
    path: () => '/v1/movements/batch',
    body: (x) => ({ lines: [...goodLines(x), line(x.third, { op: 'teleport', location: x.a })] }),
    status: 400,
    code: 'validation_failed',
    says: () => ['lines.2'],
  },
  {
    name: 'a batch line with a malformed SKU code',
    path: () => '/v1/movements/batch',
    body: (x) => ({
      lines: [...goodLines(x), line('BAD$SKU', { op: 'receive', location: x.a, quantity: 1 })],
    }),
    status: 400,
    code: 'validation_failed',
    says: () => ['lines.2.sku'],
  },
  {
    name: 'a batch whose one malformed line (quantity 0) sits among good lines of three SKUs; no line applied',
    path: () => '/v1/movements/batch',
    body: (x) => ({
      lines: [
        line(x.sku, { op: 'receive', location: x.a, quantity: 1 }),
        line(x.other, { op: 'adjust', location: x.a, delta: -1 }),
        line(x.third, { op: 'receive', location: x.b, quantity: 0 }),
        line(x.sku, { op: 'receive', location: x.b, quantity: 4 }),
      ],
    }),
    status: 400,
    code: 'validation_failed',
    says: () => ['lines.2.quantity'],
  },
  {
    name: 'a batch line with a zero adjust delta',
    path: () => '/v1/movements/batch',
    body: (x) => ({
      lines: [...goodLines(x), line(x.third, { op: 'adjust', location: x.b, delta: 0 })],
    }),
    status: 400,
    code: 'validation_failed',
    says: () => ['lines.2.delta'],
  },
  {
    name: 'a batch whose one line names an unknown location, naming the line, SKU and location; no line applied',
    path: () => '/v1/movements/batch',
    body: (x) => ({
      lines: [
        line(x.sku, { op: 'receive', location: x.a, quantity: 1 }),
        line(x.other, { op: 'receive', location: x.a, quantity: 1 }),
        line(x.third, { op: 'receive', location: 'NOWHERE-3', quantity: 1 }),
        line(x.sku, { op: 'receive', location: x.b, quantity: 1 }),
      ],
    }),
    status: 404,
    code: 'unknown_location',
    says: (x) => ['Line 2', x.third, 'NOWHERE-3'],
  },
];

const locationBody = () => ({
  code: uniq('LOC'),
  name: 'Leeds DC',
  kind: 'warehouse',
  region: 'UK',
  country: 'GB',
  latitude: 53.8,
  longitude: -1.55,
});
const channelBody = (x: World) => ({
  code: uniq('ch').toLowerCase(),
  name: 'Web EU',
  kind: 'storefront',
  locations: [x.a],
});

const badCatalog: Case[] = [
  {
    name: 'an unknown field in a SKU, naming it',
    path: () => '/v1/skus',
    body: () => ({ code: uniq('SKU'), title: 'Tee', colour: 'red' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['colour'],
  },
  ...(
    [
      ['a SKU code with $', { code: 'BAD$SKU', title: 'Tee' }, 'code'],
      ['a 65-character SKU code', { code: 'A'.repeat(65), title: 'Tee' }, 'code'],
      ['a blank SKU title', { code: 'BLANK-TITLE-1', title: '   ' }, 'title'],
      ['a 3-digit GTIN', { code: 'SHORT-GTIN-1', title: 'Tee', gtin: '123' }, 'gtin'],
      [
        'an unknown backorder policy',
        { code: 'POLICY-1', title: 'Tee', backorderPolicy: 'maybe' },
        'backorderPolicy',
      ],
    ] as const
  ).map(
    ([name, body, field]): Case => ({
      name,
      path: () => '/v1/skus',
      body: () => body,
      status: 400,
      code: 'validation_failed',
      says: () => [field],
    }),
  ),
  {
    name: 'a SKU of malformed JSON',
    path: () => '/v1/skus',
    raw: '{"code": "X-1", "title":',
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'a SKU that is a JSON array',
    path: () => '/v1/skus',
    body: () => [{ code: uniq('SKU'), title: 'Tee' }],
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'an empty SKU patch',
    method: 'PATCH',
    path: (x) => `/v1/skus/${x.sku}`,
    body: () => ({}),
    status: 400,
    code: 'validation_failed',
    says: () => ['nothing to update'],
  },
  {
    name: 'a SKU patch that renames the code',
    method: 'PATCH',
    path: (x) => `/v1/skus/${x.sku}`,
    body: () => ({ code: 'RENAMED-1' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['code'],
  },
  {
    name: 'an unknown field in a location, naming it',
    path: () => '/v1/locations',
    body: () => ({ ...locationBody(), manager: 'Sam' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['manager'],
  },
  ...(
    [
      ['a lower-case location code', { code: 'leeds-1' }, 'code'],
      ['a latitude of 91', { latitude: 91 }, 'latitude'],
      ['an unknown location kind', { kind: 'castle' }, 'kind'],
      ['a three-letter country', { country: 'GBR' }, 'country'],
    ] as const
  ).map(
    ([name, fields, field]): Case => ({
      name,
      path: () => '/v1/locations',
      body: () => ({ ...locationBody(), ...fields }),
      status: 400,
      code: 'validation_failed',
      says: () => [field],
    }),
  ),
  {
    name: 'an unknown field in a location patch',
    method: 'PATCH',
    path: (x) => `/v1/locations/${x.a}`,
    body: () => ({ name: 'Leeds', manager: 'Sam' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['manager'],
  },
  {
    name: 'an unknown field in a channel, naming it',
    path: () => '/v1/channels',
    body: (x) => ({ ...channelBody(x), currency: 'EUR' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['currency'],
  },
  {
    name: 'a channel naming a location twice',
    path: () => '/v1/channels',
    body: (x) => ({ ...channelBody(x), locations: [x.a, x.a] }),
    status: 400,
    code: 'validation_failed',
    says: () => ['locations must not repeat'],
  },
  {
    name: 'a channel listing 0 percent',
    path: () => '/v1/channels',
    body: (x) => ({ ...channelBody(x), percentage: 0 }),
    status: 400,
    code: 'validation_failed',
    says: () => ['percentage'],
  },
  {
    name: 'an upper-case channel code',
    path: () => '/v1/channels',
    body: (x) => ({ ...channelBody(x), code: 'WEB-EU' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['code'],
  },
  {
    name: 'a channel fed by a location that does not exist, naming it',
    path: () => '/v1/channels',
    body: (x) => ({ ...channelBody(x), locations: [x.a, 'NOWHERE-4'] }),
    status: 404,
    code: 'unknown_location',
    says: () => ['NOWHERE-4'],
  },
  {
    name: 'an unknown field in a channel patch',
    method: 'PATCH',
    path: (x) => `/v1/channels/${x.channel}`,
    body: () => ({ name: 'Web', currency: 'EUR' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['currency'],
  },
  {
    name: 'an unknown field in a key creation, naming it',
    path: () => '/v1/keys',
    body: () => ({ name: 'Ops', role: 'viewer', expires: '2030-01-01' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['expires'],
  },
  {
    name: 'a key creation that chooses its own secret',
    path: () => '/v1/keys',
    body: () => ({ name: 'Ops', role: 'viewer', key: 'smk_0123456789abcdef_secret' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['key'],
  },
  {
    name: 'a key with an unknown role',
    path: () => '/v1/keys',
    body: () => ({ name: 'Ops', role: 'root' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['role'],
  },
  {
    name: 'a storefront key without a channel',
    path: () => '/v1/keys',
    body: () => ({ name: 'Web', role: 'storefront' }),
    status: 400,
    code: 'validation_failed',
    says: () => ['channel'],
  },
  {
    name: 'a viewer key scoped to locations',
    path: () => '/v1/keys',
    body: (x) => ({ name: 'Ops', role: 'viewer', locations: [x.a] }),
    status: 400,
    code: 'validation_failed',
    says: () => ['locations'],
  },
  {
    name: 'a warehouse key at a location that does not exist, naming it',
    path: () => '/v1/keys',
    body: () => ({ name: 'Dock', role: 'warehouse', locations: ['NOWHERE-5'] }),
    status: 404,
    code: 'unknown_location',
    says: () => ['NOWHERE-5'],
  },
  {
    name: 'revoking a key that does not exist, naming it',
    method: 'DELETE',
    path: () => '/v1/keys/key_0000000000000000',
    status: 404,
    code: 'unknown_key',
    says: () => ['key_0000000000000000'],
  },
];

const send = (c: Case, x: World): Promise<ApiResponse<Envelope>> => {
  const options: CallOptions = {};
  if (c.method !== undefined) options.method = c.method;
  if (c.headers !== undefined) options.headers = c.headers;
  if (c.raw !== undefined) options.rawBody = c.raw;
  else if (c.body !== undefined) options.body = c.body(x);
  return api<Envelope>(c.path(x), options);
};

describe.each([
  ['bodies that are not a JSON object', notAnObject],
  ['bad quantities and deltas', badNumbers],
  ['bad fields', badFields],
  ['unknown fields in every stock operation body', unknownFields],
  ['ids restated in the body', pathFieldsInBody],
  ['bad ids in the path', badPathIds],
  ['bad holds and transfers', badHolds],
  ['bad sizes, headers, queries, methods and routes', badRequests],
  ['bad batches', badBatches],
  ['bad catalog and key writes', badCatalog],
])('%s', (_, cases) => {
  it.each(cases)('refuses $name with $status $code and changes nothing', async (c) => {
    const before = await snapshot();
    const res = await send(c, w);
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({
      status: c.status,
      code: c.code,
    });
    const { message, requestId } = res.body.error;
    expect(message.trim()).not.toBe('');
    expect(requestId).toBe(res.headers.get('x-request-id'));
    for (const text of c.says?.(w) ?? []) expect(message).toContain(text);
    expect(await snapshot()).toEqual(before);
  });
});

describe('the movement batch', () => {
  const SKUS = 50;
  const LINES = 5000;
  let codes: string[];
  let lines: { sku: string; op: 'receive'; location: string; quantity: number }[];
  let key: string;
  let first: ApiResponse<BatchResult>;

  type BatchResult = {
    applied: number;
    replayed: number;
    failed: number;
    results: {
      index: number;
      sku: string;
      ok: boolean;
      replayed: boolean;
      seq?: number;
      error?: { code: string; message: string };
    }[];
  };

  const onHandOf = async (code: string) =>
    (await get<StockView>(`/v1/skus/${code}/stock`)).totals.onHand;

  beforeAll(async () => {
    codes = [];
    for (let i = 0; i < SKUS; i++) codes.push(await sku());
    lines = Array.from({ length: LINES }, (_, i) => ({
      sku: codes[i % SKUS] ?? '',
      op: 'receive',
      location: w.a,
      quantity: (i % 7) + 1,
    }));
    key = uniq('batch');
    first = await api<BatchResult>('/v1/movements/batch', {
      body: { lines },
      headers: { 'idempotency-key': key },
    });
  });

  const expectedOnHand = (code: string) =>
    lines.filter((l) => l.sku === code).reduce((sum, l) => sum + l.quantity, 0);

  it('applies a 5,000-line receive batch over 50 SKUs exactly once, answering every line in request order with its seq', async () => {
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ applied: LINES, replayed: 0, failed: 0 });
    expect(first.body.results).toHaveLength(LINES);
    // Fresh SKUs: each one's lines take seq 1, 2, 3… in request order.
    const nextSeq = new Map<string, number>();
    first.body.results.forEach((r, i) => {
      const seq = (nextSeq.get(r.sku) ?? 0) + 1;
      nextSeq.set(r.sku, seq);
      expect(r).toEqual({ index: i, sku: lines[i]?.sku, ok: true, replayed: false, seq });
    });
    for (const code of codes) {
      const stock = await get<StockView>(`/v1/skus/${code}/stock`);
      expect({ code, onHand: stock.totals.onHand, seq: stock.seq }).toEqual({
        code,
        onHand: expectedOnHand(code),
        seq: LINES / SKUS,
      });
    }
  });

  it('replays every line of the identical batch sent again with the same Idempotency-Key, changing nothing', async () => {
    const again = await api<BatchResult>('/v1/movements/batch', {
      body: { lines },
      headers: { 'idempotency-key': key },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ applied: 0, replayed: LINES, failed: 0 });
    expect(again.body.results).toEqual(first.body.results.map((r) => ({ ...r, replayed: true })));
    for (const code of codes) {
      expect({ code, onHand: await onHandOf(code) }).toEqual({
        code,
        onHand: expectedOnHand(code),
      });
    }
  });

  it('reports each line of a mixed batch on its own: the successes apply, the insufficient_stock line fails alone', async () => {
    const [x, y] = [await sku(), await sku()];
    await post(`/v1/skus/${x}/receive`, { location: w.a, quantity: 5 });
    const res = await api<BatchResult>('/v1/movements/batch', {
      body: {
        lines: [
          line(x, { op: 'receive', location: w.a, quantity: 1 }),
          line(x, { op: 'hold', quantity: 100, locations: [w.a] }),
          line(y, { op: 'receive', location: w.b, quantity: 3 }),
          line(x, { op: 'adjust', location: w.a, delta: -2 }),
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: 3, replayed: 0, failed: 1 });
    expect(res.body.results.map((r) => [r.index, r.sku, r.ok, r.seq ?? r.error?.code])).toEqual([
      [0, x, true, 2],
      [1, x, false, 'insufficient_stock'],
      [2, y, true, 1],
      [3, x, true, 3],
    ]);
    const refusal = res.body.results[1]?.error?.message ?? '';
    for (const text of [x, w.a, '100', '6']) expect(refusal).toContain(text);
    expect(await onHandOf(x)).toBe(4);
    expect(await onHandOf(y)).toBe(3);
    const held = await get<StockView>(`/v1/skus/${x}/stock`);
    expect(held.totals.reserved).toBe(0);
  });
});

describe('a retried create', () => {
  type Replayable = { replayed: boolean };
  const creates = (x: World, code: string) => [
    { path: `/v1/skus/${code}/holds`, body: { quantity: 1, locations: [x.a] } },
    { path: `/v1/skus/${code}/transfers`, body: { from: x.a, to: x.b, quantity: 1 } },
    { path: '/v1/reservations', body: { channel: x.channel, lines: [{ sku: code, quantity: 1 }] } },
  ];

  it('answers 201 again with the first result, marked as a replay, on every route that creates', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: w.a, quantity: 10 });
    for (const { path, body } of creates(w, code)) {
      const headers = { 'idempotency-key': uniq('retry') };
      const first = await api<Replayable>(path, { body, headers });
      const again = await api<Replayable>(path, { body, headers });
      expect({ path, first: first.status, again: again.status }).toEqual({
        path,
        first: 201,
        again: 201,
      });
      expect(again.body).toEqual({ ...first.body, replayed: true });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    }
    const stock = await get<StockView>(`/v1/skus/${code}/stock`);
    expect(stock.totals).toMatchObject({ onHand: 9, reserved: 2 });
  });
});

describe('messages that name what is wrong', () => {
  it('names the SKU when a stock route is called for a SKU not in the catalog', async () => {
    const res = await api<Envelope>('/v1/skus/NOT-IN-CATALOG-1/receive', { body: receiveAt(w) });
    expect([res.status, res.body.error.code]).toEqual([404, 'unknown_sku']);
    expect(res.body.error.message).toContain('NOT-IN-CATALOG-1');
  });

  it('describes a malformed transfer id as a transfer id, not a hold id', async () => {
    const res = await api<Envelope>(`/v1/skus/${w.sku}/transfers`, {
      body: { from: w.a, to: w.b, quantity: 1, transferId: 'tr 1' },
    });
    expect([res.status, res.body.error.code]).toEqual([400, 'validation_failed']);
    expect(res.body.error.message).not.toContain('hold id');
  });
});
