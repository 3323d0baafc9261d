import { runDurableObjectAlarm } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReservationView } from '../../protocol/reservations';
import type { EventPage } from '../../protocol/stock';
import type { ErrorBody } from '../support/catalog';
import { api, createKey } from '../support/client';
import {
  checkoutStub,
  makeChannel,
  makeSites,
  makeSku,
  placed,
  reserve,
  shortLines,
  totals,
} from './support';

type Answer = ReservationView & ErrorBody;
let s: Record<'MAN' | 'RTM', string>;
beforeAll(async () => {
  s = await makeSites('MAN', 'RTM');
});
afterEach(() => {
  vi.useRealTimers();
});

const get = (id: string, key?: string) =>
  api<Answer>(`/v1/reservations/${id}`, key === undefined ? {} : { key });
const act = (id: string, op: 'commit' | 'release' | 'extend', body: unknown = {}, key?: string) =>
  api<Answer>(`/v1/reservations/${id}/${op}`, { body, ...(key !== undefined && { key }) });
const iso = (ms: number) => new Date(ms).toISOString();

/** A channel on MAN and two SKUs with 5 units each there. */
const shop = async () => {
  const channel = await makeChannel([s.MAN, s.RTM]);
  const a = await makeSku({ [s.MAN]: 5 });
  const b = await makeSku({ [s.MAN]: 5 });
  return { channel, a, b };
};

describe('the reservation lifecycle', () => {
  it('holds the whole cart, shows it, and commits every line together', async () => {
    const { channel, a, b } = await shop();
    const res = await reserve({
      channel,
      lines: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ],
    });
    expect(res.status).toBe(201);
    const id = res.body.reservationId;
    expect(id).toMatch(/^r_[0-9a-f]{32}$/);
    expect((await get(id)).body).toMatchObject({ status: 'held', channel, lines: res.body.lines });
    const holdId = res.body.lines[0]?.fulfilment[0]?.holdId;
    expect(holdId).toBe(`${id}:1.0`);
    const hold = await api<{ status: string; channel: string }>(`/v1/skus/${a}/holds/${holdId}`);
    expect(hold.body).toMatchObject({ status: 'held', channel });

    const committed = await act(id, 'commit', { ref: 'ORDER-17' });
    expect([committed.status, committed.body.status, committed.body.expiresAt]).toEqual([
      200,
      'committed',
      null,
    ]);
    expect(await totals(a)).toMatchObject({ reserved: 0, committed: 2, available: 3 });
    expect(await totals(b)).toMatchObject({ reserved: 0, committed: 1, available: 4 });
    const events = (await api<EventPage>(`/v1/skus/${a}/events`)).body.events;
    expect(events.at(-1)).toMatchObject({ type: 'commit', ref: 'ORDER-17', holdId });
    // Committing again answers the same reservation; releasing it now is refused.
    expect((await act(id, 'commit')).body.status).toBe('committed');
    expect((await act(id, 'release')).body.error.code).toBe('invalid_state');
  });

  it('releases every line together, and refuses to commit afterwards', async () => {
    const { channel, a, b } = await shop();
    const { body } = await reserve({
      channel,
      lines: [
        { sku: a, quantity: 5 },
        { sku: b, quantity: 5 },
      ],
    });
    const released = await act(body.reservationId, 'release');
    expect(released.body.status).toBe('released');
    expect(await totals(a)).toMatchObject({ reserved: 0, available: 5 });
    expect(await totals(b)).toMatchObject({ reserved: 0, available: 5 });
    expect((await act(body.reservationId, 'release')).status).toBe(200);
    const commit = await act(body.reservationId, 'commit');
    expect([commit.status, commit.body.error.code]).toEqual([409, 'invalid_state']);
  });

  it('expires every hold exactly at the deadline: a moment before it is held, at the deadline it is all back', async () => {
    const { channel, a, b } = await shop();
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    const res = await reserve({
      channel,
      ttlSeconds: 30,
      lines: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 3 },
      ],
    });
    const id = res.body.reservationId;
    expect(res.body.expiresAt).toBe(iso(t0 + 30_000));
    const stub = checkoutStub(id);

    vi.setSystemTime(t0 + 29_999);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await get(id)).body.status).toBe('held');
    expect(await totals(a)).toMatchObject({ reserved: 2 });

    vi.setSystemTime(t0 + 30_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await get(id)).body).toMatchObject({ status: 'expired', expiresAt: null });
    expect(await totals(a)).toMatchObject({ reserved: 0, available: 5 });
    expect(await totals(b)).toMatchObject({ reserved: 0, available: 5 });
    const commit = await act(id, 'commit');
    expect([commit.status, commit.body.error.code]).toEqual([410, 'hold_expired']);
    // Nothing is left to do until the cart is forgotten: run early, the alarm changes nothing.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await get(id)).body).toMatchObject({ status: 'expired' });
  });

  it('extends every hold from now, and the cart commits until the new deadline', async () => {
    const { channel, a, b } = await shop();
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    const { body } = await reserve({
      channel,
      ttlSeconds: 30,
      lines: [
        { sku: a, quantity: 1 },
        { sku: b, quantity: 1 },
      ],
    });
    vi.setSystemTime(t0 + 20_000);
    const extended = await act(body.reservationId, 'extend', { ttlSeconds: 60 });
    expect(extended.body.expiresAt).toBe(iso(t0 + 80_000));
    const holdId = body.lines[1]?.fulfilment[0]?.holdId;
    const hold = await api<{ expiresAt: string }>(`/v1/skus/${b}/holds/${holdId}`);
    expect(hold.body.expiresAt).toBe(iso(t0 + 80_000));
    vi.setSystemTime(t0 + 79_999);
    expect((await act(body.reservationId, 'commit')).body.status).toBe('committed');
  });

  it('answers a retry with the same idempotency key from the first result, holding once', async () => {
    const { channel, a } = await shop();
    const cart = { channel, lines: [{ sku: a, quantity: 2 }] };
    const first = await reserve(cart, undefined, 'cart-123');
    const again = await reserve(cart, undefined, 'cart-123');
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toMatchObject({ reservationId: first.body.reservationId, replayed: true });
    expect(await totals(a)).toMatchObject({ reserved: 2 });
    const reused = await reserve(
      { ...cart, lines: [{ sku: a, quantity: 3 }] },
      undefined,
      'cart-123',
    );
    expect([reused.status, reused.body.error.code]).toEqual([422, 'idempotency_key_reused']);
    // A refusal replays as the same refusal.
    const short = { channel, lines: [{ sku: a, quantity: 9 }] };
    const refused = await reserve(short, undefined, 'cart-124');
    const refusedAgain = await reserve(short, undefined, 'cart-124');
    const { message, details } = refused.body.error;
    expect(refusedAgain.body.error).toMatchObject({ code: 'insufficient_stock', message, details });
    expect(refusedAgain.headers.get('idempotent-replayed')).toBe('true');
  });

  it('appears in the OpenAPI document', async () => {
    const doc = await api<{ paths: Record<string, unknown> }>('/openapi.json', { key: null });
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/reservations',
        '/v1/reservations/{id}',
        '/v1/reservations/{id}/commit',
        '/v1/reservations/{id}/release',
        '/v1/reservations/{id}/extend',
        '/v1/skus/{sku}/kit',
      ]),
    );
  });
});

describe('who may reserve', () => {
  it('lets a storefront key reserve and commit only for its own channels', async () => {
    const { channel, a } = await shop();
    const other = await makeChannel([s.MAN]);
    const key = await createKey('storefront', { channels: [channel] });
    const mine = await reserve({ channel, lines: [{ sku: a, quantity: 1 }] }, key);
    expect(mine.status).toBe(201);
    expect((await act(mine.body.reservationId, 'commit', {}, key)).status).toBe(200);
    const theirs = await reserve({ channel: other, lines: [{ sku: a, quantity: 1 }] }, key);
    expect([theirs.status, theirs.body.error.code]).toEqual([403, 'forbidden']);
    const adminCart = await reserve({ channel: other, lines: [{ sku: a, quantity: 1 }] });
    expect((await get(adminCart.body.reservationId, key)).status).toBe(403);
    expect((await act(adminCart.body.reservationId, 'release', {}, key)).status).toBe(403);
    expect(await totals(a)).toMatchObject({ reserved: 1, committed: 1 });
  });

  it('lets a viewer read but not reserve, and a warehouse key do neither', async () => {
    const { channel, a } = await shop();
    const { body } = await reserve({ channel, lines: [{ sku: a, quantity: 1 }] });
    const viewer = await createKey('viewer');
    const warehouse = await createKey('warehouse', { locations: [s.MAN] });
    expect((await get(body.reservationId, viewer)).status).toBe(200);
    expect((await reserve({ channel, lines: [{ sku: a, quantity: 1 }] }, viewer)).status).toBe(403);
    expect((await get(body.reservationId, warehouse)).status).toBe(403);
    expect((await act(body.reservationId, 'commit', {}, warehouse)).status).toBe(403);
  });
});

describe('bad carts get a code and hold nothing', () => {
  it('refuses empty carts, duplicate SKU lines, zero quantities, too many lines, unknown SKUs and channels', async () => {
    const { channel, a } = await shop();
    const line = { sku: a, quantity: 1 };
    const cases: [string, unknown, number, string][] = [
      ['empty', { channel, lines: [] }, 400, 'validation_failed'],
      ['duplicate', { channel, lines: [line, { sku: a, quantity: 2 }] }, 400, 'validation_failed'],
      ['zero', { channel, lines: [{ sku: a, quantity: 0 }] }, 400, 'validation_failed'],
      ['unknown field', { channel, lines: [line], coupon: 'X' }, 400, 'validation_failed'],
      [
        'too many',
        { channel, lines: Array.from({ length: 1001 }, (_, i) => ({ sku: `X${i}`, quantity: 1 })) },
        413,
        'too_many_lines',
      ],
      [
        'unknown sku',
        { channel, lines: [line, { sku: 'NO-SUCH-SKU', quantity: 1 }] },
        404,
        'unknown_sku',
      ],
      ['unknown channel', { channel: 'no-such-channel', lines: [line] }, 404, 'unknown_channel'],
    ];
    for (const [name, body, status, code] of cases) {
      const res = await api<Answer>('/v1/reservations', { body });
      expect([name, res.status, res.body.error?.code]).toEqual([name, status, code]);
    }
    expect(await totals(a)).toMatchObject({ reserved: 0, available: 5 });
  });

  it('names the duplicate lines and the unknown SKU', async () => {
    const { channel, a } = await shop();
    const dup = await reserve({
      channel,
      lines: [
        { sku: a, quantity: 1 },
        { sku: 'B1', quantity: 1 },
        { sku: a, quantity: 2 },
      ],
    });
    expect(dup.body.error).toMatchObject({ details: { sku: a, lines: [0, 2] } });
    const unknown = await reserve({
      channel,
      lines: [
        { sku: a, quantity: 1 },
        { sku: 'NO-SUCH-SKU', quantity: 1 },
      ],
    });
    expect(unknown.body.error.details).toMatchObject({
      lines: [{ line: 1, sku: 'NO-SUCH-SKU', component: null }],
    });
  });
});

describe('short carts', () => {
  it('lists each short line with what was requested and what is available where', async () => {
    const channel = await makeChannel([s.MAN, s.RTM], { allowSplit: true });
    const a = await makeSku({ [s.MAN]: 1, [s.RTM]: 1 });
    const b = await makeSku({ [s.MAN]: 4 });
    const c = await makeSku({});
    const res = await reserve({
      channel,
      lines: [
        { sku: b, quantity: 4 },
        { sku: a, quantity: 3 },
        { sku: c, quantity: 1 },
      ],
    });
    expect([res.status, res.body.error.code]).toEqual([409, 'insufficient_stock']);
    expect(
      shortLines(res).map((l) => [l.line, l.sku, l.requested, l.available, l.availableAt]),
    ).toEqual([
      [1, a, 3, 2, [1, 1]],
      [2, c, 1, 0, [0, 0]],
    ]);
    expect(res.body.error.message).toMatch(
      /nothing held, 2 of 3 lines short: line 1 SKU .*: requested 3, available 1 at/,
    );
    expect(await totals(b)).toMatchObject({ reserved: 0 });
    const { reservationId } = z_id(res.body.error.details);
    expect((await get(reservationId)).body).toMatchObject({
      status: 'failed',
      lines: expect.any(Array),
    });
    expect(placed((await get(reservationId)).body)).toEqual([]);
  });
});

const z_id = (details: unknown) => {
  if (
    typeof details === 'object' &&
    details !== null &&
    'reservationId' in details &&
    typeof details.reservationId === 'string'
  ) {
    return { reservationId: details.reservationId };
  }
  throw new Error('no reservationId in details');
};
