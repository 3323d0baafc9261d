import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApplyResult, Recommendation, RecomputeResult } from '../../protocol/recommendations';
import type { EventPage, StockView } from '../../protocol/stock';
import type { SignalPage } from '../../protocol/webhooks';
import worker from '../../workers/index';
import { recomputeScheduled } from '../../workers/recommendations/cron';
import { is, openSocket } from '../stream/support';
import { api, createKey } from '../support/client';
import { catalog, post, sku } from '../support/fixtures';

type ErrorBody = { error: { code: string } };
type Page = { items: Recommendation[]; nextCursor: string | null };

let n = 0;
/** A stored open recommendation, as a recompute made it when the SKU still sold. */
const stored = async (code: string, location: string, urgentAt: string) => {
  const id = `rc_${(++n).toString(16).padStart(8, '0')}${'0'.repeat(24)}`;
  await env.DB.prepare(
    `insert into recommendations (id, kind, sku, location, quantity, urgent_at, reason, numbers, basis, seq, computed_at)
     values (?, 'replenish', ?, ?, 12, ?, 'order 12', '{"quantity":12}', ?, 1, ?)`,
  )
    .bind(id, code, location, urgentAt, JSON.stringify({ [location]: 3 }), urgentAt)
    .run();
  return id;
};

const DAY = 24 * 3600 * 1000;
/** One hour into a UTC day, so the demand estimate's days are known. */
const DAY0 = Date.UTC(2026, 0, 10) + 3600 * 1000;

/** A stored open transfer from → to, its basis the available units given. */
const storedTransfer = async (
  code: string,
  from: string,
  to: string,
  quantity: number,
  basis: Record<string, number>,
) => {
  const id = `rc_${(++n).toString(16).padStart(8, '0')}${'1'.repeat(24)}`;
  await env.DB.prepare(
    `insert into recommendations (id, kind, sku, location, from_location, quantity, urgent_at, reason, numbers, basis, seq, computed_at)
     values (?, 'transfer', ?, ?, ?, ?, '2026-01-01T00:00:00.000Z', 'move', '{}', ?, 1, '2026-01-01T00:00:00.000Z')`,
  )
    .bind(id, code, to, from, quantity, JSON.stringify(basis))
    .run();
  return id;
};

const stockAt = async (code: string, location: string) => {
  const view = (await api<StockView>(`/v1/skus/${code}/stock`)).body;
  const at = view.locations.find((l) => l.location === location);
  return {
    available: at?.available,
    reserved: at?.reserved,
    committed: at?.committed,
    incoming: at?.incoming,
  };
};

const transferEvents = async (code: string) =>
  (await api<EventPage>(`/v1/skus/${code}/events?limit=1000`)).body.events.filter(
    (e) => e.type === 'transfer-out',
  );

const apply = (id: string, body: unknown = {}, key?: string) =>
  api<ApplyResult & ErrorBody>(`/v1/recommendations/${id}/apply`, {
    body,
    ...(key !== undefined && { key }),
  });

afterEach(() => {
  vi.useRealTimers();
});

describe('recommendations', () => {
  it('recompute expires an open recommendation that is no longer due, and lists by status', async () => {
    const { a } = await catalog();
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: a, quantity: 40 });
    const id = await stored(code, a, '2026-01-01T00:00:00.000Z');
    expect(
      (await api<Page>(`/v1/recommendations?sku=${code}`)).body.items.map((r) => r.id),
    ).toEqual([id]);
    // Nothing sells: nothing is due.
    const res = await api<RecomputeResult>('/v1/recommendations/recompute', {
      body: { sku: code },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sku: code, expired: 1 });
    expect(res.body.items.map((r) => [r.id, r.status])).toEqual([[id, 'expired']]);
    expect((await api<Page>(`/v1/recommendations?sku=${code}`)).body.items).toEqual([]);
    const expired = await api<Page>(`/v1/recommendations?sku=${code}&status=expired`);
    expect(expired.body.items.map((r) => r.id)).toEqual([id]);
    expect((await api<Recommendation>(`/v1/recommendations/${id}`)).body).toMatchObject({
      status: 'expired',
      basis: { [a]: 3 },
      numbers: { quantity: 12 },
    });
  });

  it('pages most urgent first and filters by urgency and location', async () => {
    const { a, b } = await catalog();
    const code = await sku();
    const late = await stored(code, a, '2999-01-01T00:00:00.000Z');
    const first = await stored(code, a, '2026-01-01T00:00:00.000Z');
    const second = await stored(code, b, '2026-02-01T00:00:00.000Z');
    const one = await api<Page>(`/v1/recommendations?sku=${code}&limit=2`);
    expect(one.body.items.map((r) => r.id)).toEqual([first, second]);
    expect(one.body.nextCursor).not.toBeNull();
    const two = await api<Page>(
      `/v1/recommendations?sku=${code}&limit=2&cursor=${encodeURIComponent(one.body.nextCursor ?? '')}`,
    );
    expect(two.body).toEqual({ items: [expect.objectContaining({ id: late })], nextCursor: null });
    const urgent = await api<Page>(`/v1/recommendations?sku=${code}&urgent=true`);
    expect(urgent.body.items.map((r) => r.id)).toEqual([first, second]);
    const dueBy = await api<Page>(`/v1/recommendations?sku=${code}&dueBy=2026-01-15T00:00:00Z`);
    expect(dueBy.body.items.map((r) => r.id)).toEqual([first]);
    const atB = await api<Page>(`/v1/recommendations?sku=${code}&location=${b}`);
    expect(atB.body.items.map((r) => r.id)).toEqual([second]);
  });

  it('dismisses an open recommendation once, and only where the key may act', async () => {
    const { a } = await catalog();
    const code = await sku();
    const id = await stored(code, a, '2026-01-01T00:00:00.000Z');
    const viewer = await createKey('viewer');
    const elsewhere = await createKey('warehouse', { locations: [(await catalog()).a] });
    for (const key of [viewer, elsewhere]) {
      const refused = await api<ErrorBody>(`/v1/recommendations/${id}/dismiss`, { body: {}, key });
      expect(refused.status).toBe(403);
    }
    expect((await api<Recommendation>(`/v1/recommendations/${id}`)).body.status).toBe('open');
    const res = await api<Recommendation>(`/v1/recommendations/${id}/dismiss`, { body: {} });
    expect(res.body).toMatchObject({ status: 'dismissed', dismissedAt: expect.any(String) });
    // Not due any more: a recompute leaves a dismissal as it is.
    await api('/v1/recommendations/recompute', { body: { sku: code } });
    expect((await api<Recommendation>(`/v1/recommendations/${id}`)).body.status).toBe('dismissed');
    const gone = await stored(code, a, '2026-01-02T00:00:00.000Z');
    await env.DB.prepare(`update recommendations set status = 'expired' where id = ?`)
      .bind(gone)
      .run();
    const late = await api<ErrorBody>(`/v1/recommendations/${gone}/dismiss`, { body: {} });
    expect({ status: late.status, code: late.body.error.code }).toEqual({
      status: 409,
      code: 'invalid_state',
    });
  });

  it('refuses bad input with codes', async () => {
    const cases: [string, unknown, number, string][] = [
      ['/v1/recommendations/recompute', { sku: 'NOPE-404' }, 404, 'unknown_sku'],
      ['/v1/recommendations/recompute', { sku: 'X', extra: 1 }, 400, 'validation_failed'],
      ['/v1/recommendations?cursor=nonsense', undefined, 400, 'validation_failed'],
      ['/v1/recommendations?kind=order', undefined, 400, 'validation_failed'],
      ['/v1/recommendations/rc_nope', undefined, 400, 'validation_failed'],
      [`/v1/recommendations/rc_${'f'.repeat(32)}`, undefined, 404, 'not_found'],
      [`/v1/recommendations/rc_${'f'.repeat(32)}/apply`, {}, 404, 'not_found'],
      [
        `/v1/recommendations/rc_${'f'.repeat(32)}/apply`,
        { revision: 'x' },
        400,
        'validation_failed',
      ],
      [`/v1/recommendations/rc_${'f'.repeat(32)}/apply`, { extra: 1 }, 400, 'validation_failed'],
      ['/v1/recommendations/rc_nope/apply', {}, 400, 'validation_failed'],
    ];
    for (const [path, body, status, code] of cases) {
      const res = await api<ErrorBody>(path, body === undefined ? {} : { body });
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({
        path,
        status,
        code,
      });
    }
  });
});

describe('applying a recommendation', () => {
  it('applies a computed transfer once: the source keeps its level and its reserved units', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(DAY0);
    const { a, b } = await catalog();
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: a, quantity: 80 });
    await post(`/v1/skus/${code}/receive`, { location: b, quantity: 12 });
    await post(`/v1/skus/${code}/holds`, { quantity: 2, locations: [a], commit: true });
    await post(`/v1/skus/${code}/holds`, { quantity: 10, locations: [b], commit: true });
    // Day 0 closed: a sells 2/day, b 10/day; 5 units held at a are not available.
    vi.setSystemTime(DAY0 + DAY);
    await post(`/v1/skus/${code}/holds`, { quantity: 5, locations: [a], holdId: 'cart' });
    const computed = await api<RecomputeResult>('/v1/recommendations/recompute', {
      body: { sku: code },
    });
    const moves = computed.body.items.filter((r) => r.kind === 'transfer');
    expect(moves.map((r) => [r.from, r.location, r.quantity, r.basis])).toEqual([
      [a, b, 58, { [a]: 73, [b]: 2 }],
    ]);
    const move = moves[0];
    if (move === undefined) throw new Error('no transfer');
    expect(move.numbers).toMatchObject({ sourceKeeps: 15 });

    const first = await apply(move.id, { revision: move.revision });
    expect(first.status).toBe(200);
    expect(first.body.replayed).toBe(false);
    expect(first.body.recommendation).toMatchObject({
      status: 'applied',
      applied: {
        op: 'transfer-out',
        quantity: 58,
        transferId: `rec:${move.id}:${move.revision}`,
        idempotencyKey: `rec:${move.id}:${move.revision}`,
      },
    });
    const again = await apply(move.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(await transferEvents(code)).toHaveLength(1);
    // 80 − 2 committed − 5 reserved − 58 moved = 15: the source's own order-up-to level (≥ its
    // reorder point 13); the reserved and committed units stay where they were.
    expect(await stockAt(code, a)).toEqual({
      available: 15,
      reserved: 5,
      committed: 2,
      incoming: 0,
    });
    expect(await stockAt(code, b)).toMatchObject({ available: 2, incoming: 58 });
  });

  it('applies concurrent requests for the same recommendation as one transfer', async () => {
    const { a, b } = await catalog();
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: a, quantity: 40 });
    const id = await storedTransfer(code, a, b, 25, { [a]: 40, [b]: 0 });
    const results = await Promise.all([apply(id), apply(id), apply(id)]);
    const statuses = results.map((r) =>
      r.status === 200 ? 'ok' : `${r.status} ${r.body.error.code}`,
    );
    // One performs it; the others replay it, or find the source already moved (stale).
    expect(statuses.filter((s) => s === 'ok').length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 'ok' || s === '409 recommendation_stale')).toBe(true);
    expect(await transferEvents(code)).toHaveLength(1);
    expect(await stockAt(code, a)).toMatchObject({ available: 15 });
    expect(await stockAt(code, b)).toMatchObject({ incoming: 25 });
    expect((await api<Recommendation>(`/v1/recommendations/${id}`)).body.status).toBe('applied');
  });

  it('refuses a stale recommendation with recommendation_stale and changes nothing', async () => {
    const { a, b } = await catalog();
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: a, quantity: 40 });
    const id = await storedTransfer(code, a, b, 25, { [a]: 40, [b]: 0 });
    const newer = await apply(id, { revision: 2 });
    expect({ status: newer.status, code: newer.body.error.code }).toEqual({
      status: 409,
      code: 'recommendation_stale',
    });
    await post(`/v1/skus/${code}/adjust`, { location: a, delta: -1 });
    const before = await api<StockView>(`/v1/skus/${code}/stock`);
    const res = await apply(id);
    expect({ status: res.status, code: res.body.error.code }).toEqual({
      status: 409,
      code: 'recommendation_stale',
    });
    expect(res.body.error).toMatchObject({ details: { location: a, was: 40, now: 39 } });
    expect((await api<StockView>(`/v1/skus/${code}/stock`)).body).toEqual(before.body);
    expect(await transferEvents(code)).toHaveLength(0);
    expect((await api<Recommendation>(`/v1/recommendations/${id}`)).body.status).toBe('open');
  });

  it('applies a supplier order as an expected receipt; dismissed and expired ones are invalid_state', async () => {
    const { a, b } = await catalog();
    const code = await sku();
    const id = await stored(code, a, '2026-01-01T00:00:00.000Z');
    // stored() records 3 available at a.
    await post(`/v1/skus/${code}/receive`, { location: a, quantity: 3 });
    const done = await apply(id);
    expect(done.status).toBe(200);
    expect(done.body.recommendation.applied).toMatchObject({ op: 'expect', quantity: 12 });
    expect(await stockAt(code, a)).toMatchObject({ available: 3, incoming: 12 });
    expect((await apply(id)).body.replayed).toBe(true);
    expect(await stockAt(code, a)).toMatchObject({ incoming: 12 });

    const dismissed = await stored(code, b, '2026-01-01T00:00:00.000Z');
    await api(`/v1/recommendations/${dismissed}/dismiss`, { body: {} });
    const expired = await stored(code, b, '2026-01-02T00:00:00.000Z');
    await env.DB.prepare(`update recommendations set status = 'expired' where id = ?`)
      .bind(expired)
      .run();
    for (const gone of [dismissed, expired]) {
      const res = await apply(gone);
      expect({ status: res.status, code: res.body.error.code }).toEqual({
        status: 409,
        code: 'invalid_state',
      });
    }
    const events = (await api<EventPage>(`/v1/skus/${code}/events?limit=1000`)).body.events;
    expect(events.filter((e) => e.type === 'expect').map((e) => e.deltas)).toEqual([
      [expect.objectContaining({ location: a })],
    ]);
  });

  it('takes an admin key or a warehouse key at every location concerned', async () => {
    const { a, b } = await catalog();
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: a, quantity: 40 });
    const id = await storedTransfer(code, a, b, 5, { [a]: 40, [b]: 0 });
    const atA = await createKey('warehouse', { locations: [a] });
    const viewer = await createKey('viewer');
    for (const key of [atA, viewer]) {
      expect((await apply(id, {}, key)).status).toBe(403);
    }
    expect(await transferEvents(code)).toHaveLength(0);
    const both = await createKey('warehouse', { locations: [a, b] });
    const res = await apply(id, {}, both);
    expect(res.status).toBe(200);
    expect(res.body.recommendation.applied).toMatchObject({ by: expect.any(String) });
    expect(await stockAt(code, b)).toMatchObject({ incoming: 5 });
  });
});

describe('the scheduled recompute', () => {
  it('recomputes the SKUs from the Cron Trigger, and a second run writes nothing', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(DAY0);
    const { a, b } = await catalog();
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: a, quantity: 20 });
    await post(`/v1/skus/${code}/holds`, { quantity: 10, locations: [a], commit: true });
    vi.setSystemTime(DAY0 + DAY);
    // Sold 10 on day 0, 10 available: out in a day, under its reorder point (63); b's one unit,
    // which b does not sell, moves there, and a orders the rest up to 74.
    await post(`/v1/skus/${code}/receive`, { location: b, quantity: 1 });
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ scheduledTime: DAY0 + DAY, cron: '*/30 * * * *' }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const open = await api<Page>(`/v1/recommendations?sku=${code}`);
    expect(open.body.items.map((r) => [r.kind, r.from, r.location, r.quantity])).toEqual([
      ['replenish', null, a, 63],
      ['transfer', b, a, 1],
    ]);
    // Each opened one is a `recommendation` signal (webhooks, GET /v1/signals, the wall's feed).
    const signals = async () =>
      (await api<SignalPage>(`/v1/signals?type=recommendation&sku=${code}`)).body.items
        .map((e) => [e.id, e.location, e.data.kind, e.data.quantity])
        .sort();
    const opened = open.body.items.map((r) => [`rec:${r.id}:1`, a, r.kind, r.quantity]).sort();
    expect(await signals()).toEqual(opened);
    const again = await recomputeScheduled(env, DAY0 + DAY);
    expect(again).toMatchObject({ written: 0, failed: [] });
    expect(await signals()).toEqual(opened);
    expect(again.skus).toBeGreaterThanOrEqual(1);
    const after = await api<Page>(`/v1/recommendations?sku=${code}`);
    expect(after.body.items).toEqual(open.body.items);
  });
});

describe('recommendations on the stream', () => {
  it('sends each opened, dismissed and applied recommendation to the subscribers that asked and see its locations', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(DAY0);
    const { a, b, narrow } = await catalog();
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: a, quantity: 20 });
    await post(`/v1/skus/${code}/holds`, { quantity: 10, locations: [a], commit: true });
    vi.setSystemTime(DAY0 + DAY);
    await post(`/v1/skus/${code}/receive`, { location: b, quantity: 1 });
    // An admin on the SKU; a connector of the channel fed by b alone (its key's scope); an admin
    // that did not ask for recommendations.
    const all = await openSocket(`skus=${code}&recommendations=true`, { confirm: true });
    const connector = await createKey('connector', { channels: [narrow] });
    const atB = await openSocket(`skus=${code}&recommendations=true`, {
      key: connector,
      confirm: true,
    });
    const rowsOnly = await openSocket(`skus=${code}`, { confirm: true });
    // What the wall's panel opens: recommendations and no stock rows.
    const recsOnly = await openSocket(`skus=${code}&recommendations=true&rows=false`, {
      confirm: true,
    });
    for (const s of [all, atB, rowsOnly, recsOnly]) await s.waitFor(is('caught-up'));

    const computed = await api<RecomputeResult>('/v1/recommendations/recompute', {
      body: { sku: code },
    });
    const order = computed.body.items.find((r) => r.kind === 'replenish');
    const move = computed.body.items.find((r) => r.kind === 'transfer');
    if (order === undefined || move === undefined) throw new Error('expected an order and a move');
    expect([order.location, order.quantity, move.from, move.location, move.quantity]).toEqual([
      a,
      63,
      b,
      a,
      1,
    ]);
    await api(`/v1/recommendations/${order.id}/dismiss`, { body: {} });
    expect((await apply(move.id)).status).toBe(200);

    const seen = (s: typeof all) =>
      s.messages.flatMap((m) =>
        m.type === 'recommendation'
          ? [[m.change, m.recommendation.id, m.recommendation.status, m.recommendation.reason]]
          : [],
      );
    const lastOf = (s: typeof all, n: number) =>
      s.until(() => (seen(s).length >= n ? seen(s) : undefined), `${n} recommendation messages`);
    const opened = [order, move]
      .map((r) => ['opened', r.id, 'open', r.reason])
      .sort((x, y) => String(x[1]).localeCompare(String(y[1])));
    const all4 = await lastOf(all, 4);
    expect([...all4.slice(0, 2)].sort((x, y) => String(x[1]).localeCompare(String(y[1])))).toEqual(
      opened,
    );
    expect(all4.slice(2)).toEqual([
      ['dismissed', order.id, 'dismissed', order.reason],
      ['applied', move.id, 'applied', move.reason],
    ]);
    expect(order.reason).toMatch(/sells 10\/day .* order 63$/);
    // The connector sees b's side of the move, never a's own order.
    expect(await lastOf(atB, 2)).toEqual([
      ['opened', move.id, 'open', move.reason],
      ['applied', move.id, 'applied', move.reason],
    ]);
    expect(seen(rowsOnly)).toEqual([]);
    expect(await lastOf(recsOnly, 4)).toEqual(all4);
    // The transfer's stock change reached the row subscriber; the recommendations-only socket
    // got no row, in its replay or live.
    await rowsOnly.waitFor(
      is('update', (m) => m.locations.some((l) => l.location === a && l.incoming === 1)),
    );
    expect(recsOnly.messages.filter((m) => m.type === 'update' || m.type === 'snapshot')).toEqual(
      [],
    );
    const shard = all.messages.find((m) => m.type === 'hello');
    expect(all.messages.find((m) => m.type === 'recommendation')).toMatchObject({
      shard: shard?.type === 'hello' ? shard.shard : -1,
      recommendation: { sku: code },
    });
    for (const s of [all, atB, rowsOnly, recsOnly]) s.ws.close();
  });
});
