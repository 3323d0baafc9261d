import { listDurableObjectIds, runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventPage, HoldView, MutationOutcome, StockView } from '../protocol/stock';
import { api } from './support/client';
import { type Catalog, catalog, post, sku } from './support/fixtures';

type Envelope = {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
};

let cat: Catalog;
beforeAll(async () => {
  cat = await catalog();
});
afterEach(() => {
  vi.useRealTimers();
});

const at = (view: StockView, location: string) =>
  view.locations.find((l) => l.location === location);
const stockOf = async (code: string) => (await api<StockView>(`/v1/skus/${code}/stock`)).body;

describe('warehouse movements', () => {
  it('receives, adjusts, counts and derives available at each location', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 20, ref: 'PO-1' });
    await post(`/v1/skus/${code}/adjust`, {
      location: cat.a,
      delta: -3,
      reason: 'damaged_in_transit',
    });
    const out = await post<MutationOutcome>(`/v1/skus/${code}/count`, {
      location: cat.a,
      onHand: 15,
      expectedOnHand: 17,
    });
    expect(out.event).toMatchObject({
      seq: 3,
      type: 'count',
      reason: 'cycle_count',
      deltas: [{ location: cat.a, onHand: -2 }],
    });
    expect(at(out.stock, cat.a)).toMatchObject({ onHand: 15, available: 15, backordered: 0 });
    const page = (await api<EventPage>(`/v1/skus/${code}/events`)).body;
    expect(page.events.map((e) => [e.seq, e.type, e.reason, e.ref, e.actor])).toEqual([
      [1, 'receive', 'receipt', 'PO-1', 'bootstrap'],
      [2, 'adjust', 'damaged_in_transit', null, 'bootstrap'],
      [3, 'count', 'cycle_count', null, 'bootstrap'],
    ]);
  });

  it('keeps unavailable and safety stock out of available, and releases or disposes unavailable units', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 10 });
    await post(`/v1/skus/${code}/unavailable`, { location: cat.a, quantity: 3 });
    await post(`/v1/skus/${code}/safety-stock`, { location: cat.a, quantity: 2 });
    expect(at(await stockOf(code), cat.a)).toMatchObject({
      onHand: 10,
      unavailable: 3,
      safetyStock: 2,
      available: 5,
    });
    await post(`/v1/skus/${code}/unavailable/release`, { location: cat.a, quantity: 1 });
    const out = await post<MutationOutcome>(`/v1/skus/${code}/unavailable/release`, {
      location: cat.a,
      quantity: 2,
      dispose: true,
    });
    expect(out.event.reason).toBe('disposed');
    expect(at(out.stock, cat.a)).toMatchObject({
      onHand: 8,
      unavailable: 0,
      safetyStock: 2,
      available: 6,
    });
  });

  it('moves a transfer through incoming and receives it in two parts', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 10 });
    const sent = await post<MutationOutcome>(`/v1/skus/${code}/transfers`, {
      from: cat.a,
      to: cat.b,
      quantity: 6,
      transferId: 'TR-1',
    });
    expect(sent.transfer).toMatchObject({ transferId: 'TR-1', status: 'in_transit', received: 0 });
    expect(at(sent.stock, cat.a)).toMatchObject({ onHand: 4 });
    expect(at(sent.stock, cat.b)).toMatchObject({ onHand: 0, incoming: 6, available: 0 });
    await post(`/v1/skus/${code}/transfers/TR-1/receive`, { quantity: 4 });
    const done = await post<MutationOutcome>(`/v1/skus/${code}/transfers/TR-1/receive`, {});
    expect(done.transfer).toMatchObject({ status: 'received', received: 6 });
    expect(at(done.stock, cat.b)).toMatchObject({ onHand: 6, incoming: 0, available: 6 });
    const again = await api<Envelope>(`/v1/skus/${code}/transfers/TR-1/receive`, { body: {} });
    expect([again.status, again.body.error.code]).toEqual([409, 'invalid_state']);
  });

  it('records expected receipts as incoming and receives against them', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/expect`, { location: cat.a, quantity: 12, ref: 'PO-7' });
    const out = await post<MutationOutcome>(`/v1/skus/${code}/receive`, {
      location: cat.a,
      quantity: 5,
      fromIncoming: true,
    });
    expect(at(out.stock, cat.a)).toMatchObject({ onHand: 5, incoming: 7 });
  });

  it('takes returns back to stock or to inspection, never more than shipped', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 5 });
    await post(`/v1/skus/${code}/holds`, { quantity: 3, holdId: 'ord-1', commit: true });
    await post(`/v1/skus/${code}/holds/ord-1/ship`, {});
    await post(`/v1/skus/${code}/returns`, {
      location: cat.a,
      quantity: 1,
      disposition: 'restock',
      holdId: 'ord-1',
    });
    const out = await post<MutationOutcome>(`/v1/skus/${code}/returns`, {
      location: cat.a,
      quantity: 2,
      disposition: 'inspect',
      holdId: 'ord-1',
    });
    expect(out.hold?.returned).toBe(3);
    expect(at(out.stock, cat.a)).toMatchObject({ onHand: 5, unavailable: 2, available: 3 });
    const over = await api<Envelope>(`/v1/skus/${code}/returns`, {
      body: { location: cat.a, quantity: 1, disposition: 'restock', holdId: 'ord-1' },
    });
    expect([over.status, over.body.error.code]).toEqual([409, 'invalid_state']);
  });
});

describe('reservation lifecycle', () => {
  it('holds from the first location that has it all, and splits only when asked', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 2 });
    await post(`/v1/skus/${code}/receive`, { location: cat.b, quantity: 5 });
    const whole = await post<MutationOutcome>(`/v1/skus/${code}/holds`, {
      quantity: 4,
      locations: [cat.a, cat.b],
    });
    expect(whole.hold?.allocations).toEqual([{ location: cat.b, quantity: 4, shipped: 0 }]);
    const refused = await api<Envelope>(`/v1/skus/${code}/holds`, {
      body: { quantity: 3, locations: [cat.a, cat.b] },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('insufficient_stock');
    expect(refused.body.error.message).toBe(
      `SKU ${code}: requested 3, available 2 at ${cat.a}, 1 at ${cat.b} (enough in total: allow a split)`,
    );
    const split = await post<MutationOutcome>(`/v1/skus/${code}/holds`, {
      quantity: 3,
      locations: [cat.a, cat.b],
      allowSplit: true,
    });
    expect(split.hold?.allocations).toEqual([
      { location: cat.a, quantity: 2, shipped: 0 },
      { location: cat.b, quantity: 1, shipped: 0 },
    ]);
    expect((await stockOf(code)).totals).toMatchObject({ onHand: 7, reserved: 7, available: 0 });
  });

  it('narrows a hold for a channel to the locations that feed it', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 9 });
    await post(`/v1/skus/${code}/receive`, { location: cat.b, quantity: 1 });
    const out = await api<Envelope>(`/v1/skus/${code}/holds`, {
      body: { quantity: 2, channel: cat.narrow },
    });
    expect(out.body.error.code).toBe('insufficient_stock');
    const ok = await post<MutationOutcome>(`/v1/skus/${code}/holds`, {
      quantity: 1,
      channel: cat.narrow,
    });
    expect(ok.hold).toMatchObject({
      channel: cat.narrow,
      allocations: [{ location: cat.b, quantity: 1, shipped: 0 }],
    });
  });

  it('commits, ships in parts, and cancels what is left', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 10 });
    const held = await api<MutationOutcome>(`/v1/skus/${code}/holds`, {
      body: { quantity: 6, holdId: 'cart-9' },
    });
    expect(held.status).toBe(201);
    expect(held.body.hold?.status).toBe('held');
    await post(`/v1/skus/${code}/holds/cart-9/commit`, {});
    const part = await post<MutationOutcome>(`/v1/skus/${code}/holds/cart-9/ship`, { quantity: 2 });
    expect(part.hold).toMatchObject({
      status: 'committed',
      allocations: [{ location: cat.a, quantity: 6, shipped: 2 }],
    });
    expect(at(part.stock, cat.a)).toMatchObject({ onHand: 8, committed: 4, available: 4 });
    const cancelled = await post<MutationOutcome>(`/v1/skus/${code}/holds/cart-9/cancel`, {});
    expect(cancelled.hold?.status).toBe('cancelled');
    expect(at(cancelled.stock, cat.a)).toMatchObject({
      onHand: 8,
      committed: 0,
      reserved: 0,
      available: 8,
    });
  });

  it('releases a hold and refuses to commit it afterwards', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 3 });
    await post(`/v1/skus/${code}/holds`, { quantity: 3, holdId: 'c1' });
    const released = await post<MutationOutcome>(`/v1/skus/${code}/holds/c1/release`, {});
    expect(released.stock.totals).toMatchObject({ reserved: 0, available: 3 });
    const commit = await api<Envelope>(`/v1/skus/${code}/holds/c1/commit`, { body: {} });
    expect([commit.status, commit.body.error.code]).toEqual([409, 'invalid_state']);
  });

  it('expires a hold exactly at its deadline: a moment before it commits, at the deadline it is expired', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 4 });
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    await post(`/v1/skus/${code}/holds`, { quantity: 1, holdId: 'early', ttlSeconds: 30 });
    await post(`/v1/skus/${code}/holds`, { quantity: 2, holdId: 'late', ttlSeconds: 30 });
    vi.setSystemTime(t0 + 29_999);
    await post(`/v1/skus/${code}/holds/early/commit`, {});
    vi.setSystemTime(t0 + 30_000);
    const stub = env.SkuStock.get(env.SkuStock.idFromName(code));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const late = await api<HoldView>(`/v1/skus/${code}/holds/late`);
    expect(late.body).toMatchObject({ status: 'expired', expiresAt: null });
    const commit = await api<Envelope>(`/v1/skus/${code}/holds/late/commit`, { body: {} });
    expect([commit.status, commit.body.error.code]).toEqual([410, 'hold_expired']);
    expect((await stockOf(code)).totals).toMatchObject({
      onHand: 4,
      reserved: 0,
      committed: 1,
      available: 3,
    });
    const events = (await api<EventPage>(`/v1/skus/${code}/events`)).body.events;
    expect(events.at(-1)).toMatchObject({
      type: 'expire',
      actor: 'system',
      reason: 'hold_expired',
      holdId: 'late',
    });
  });

  it('treats a hold past its deadline as expired even before the alarm has run', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 4 });
    vi.useFakeTimers({ toFake: ['Date'] });
    await post(`/v1/skus/${code}/holds`, { quantity: 4, holdId: 'h', ttlSeconds: 5 });
    vi.setSystemTime(Date.now() + 5_000);
    const commit = await api<Envelope>(`/v1/skus/${code}/holds/h/commit`, { body: {} });
    expect(commit.body.error.code).toBe('hold_expired');
    expect((await stockOf(code)).totals).toMatchObject({ reserved: 0, available: 4 });
  });

  it('extends a hold from now', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 1 });
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    await post(`/v1/skus/${code}/holds`, { quantity: 1, holdId: 'x', ttlSeconds: 10 });
    vi.setSystemTime(t0 + 9_000);
    const out = await post<MutationOutcome>(`/v1/skus/${code}/holds/x/extend`, { ttlSeconds: 60 });
    expect(out.hold?.expiresAt).toBe(new Date(t0 + 69_000).toISOString());
    vi.setSystemTime(t0 + 68_999);
    await post(`/v1/skus/${code}/holds/x/commit`, {});
  });
});

describe('backorder policy continue', () => {
  it('oversells at the first eligible location and reports the backorder', async () => {
    const code = await sku('continue');
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 2 });
    const out = await post<MutationOutcome>(`/v1/skus/${code}/holds`, {
      quantity: 5,
      locations: [cat.a],
    });
    expect(at(out.stock, cat.a)).toMatchObject({
      onHand: 2,
      reserved: 5,
      available: -3,
      backordered: 3,
    });
  });
});

describe('idempotency and preconditions', () => {
  it('replays the first result for the same key and body, marked as a replay', async () => {
    const code = await sku();
    const headers = { 'idempotency-key': 'recv-1' };
    const first = await api<MutationOutcome>(`/v1/skus/${code}/receive`, {
      body: { location: cat.a, quantity: 5 },
      headers,
    });
    const second = await api<MutationOutcome>(`/v1/skus/${code}/receive`, {
      body: { location: cat.a, quantity: 5 },
      headers,
    });
    expect(first.body.replayed).toBe(false);
    expect(second.body.replayed).toBe(true);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.event).toEqual(first.body.event);
    expect((await stockOf(code)).totals.onHand).toBe(5);
  });

  it('refuses the same key with a different body', async () => {
    const code = await sku();
    const headers = { 'idempotency-key': 'recv-2' };
    await api(`/v1/skus/${code}/receive`, { body: { location: cat.a, quantity: 5 }, headers });
    const reuse = await api<Envelope>(`/v1/skus/${code}/receive`, {
      body: { location: cat.a, quantity: 6 },
      headers,
    });
    expect([reuse.status, reuse.body.error.code]).toEqual([422, 'idempotency_key_reused']);
    expect((await stockOf(code)).totals.onHand).toBe(5);
  });

  it('replays a refused hold as the same refusal', async () => {
    const code = await sku();
    const headers = { 'idempotency-key': 'hold-1' };
    const first = await api<Envelope>(`/v1/skus/${code}/holds`, {
      body: { quantity: 1, locations: [cat.a] },
      headers,
    });
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 5 });
    const again = await api<Envelope>(`/v1/skus/${code}/holds`, {
      body: { quantity: 1, locations: [cat.a] },
      headers,
    });
    expect(first.body.error.code).toBe('insufficient_stock');
    const { requestId: _a, ...firstError } = first.body.error;
    const { requestId: _b, ...againError } = again.body.error;
    expect(againError).toEqual(firstError);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await stockOf(code)).totals.reserved).toBe(0);
  });

  it('compare-and-swaps on seq and on the expected onHand', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 5 });
    const staleSeq = await api<Envelope>(`/v1/skus/${code}/count`, {
      body: { location: cat.a, onHand: 9, ifSeq: 0 },
    });
    expect([staleSeq.status, staleSeq.body.error.code]).toEqual([412, 'version_conflict']);
    expect(staleSeq.body.error.message).toBe(`SKU ${code}: expected seq 0, current seq 1`);
    const staleCount = await api<Envelope>(`/v1/skus/${code}/count`, {
      body: { location: cat.a, onHand: 9, expectedOnHand: 4 },
    });
    expect(staleCount.body.error.message).toBe(
      `SKU ${code} at ${cat.a}: expected onHand 4, found 5`,
    );
    await post(`/v1/skus/${code}/count`, {
      location: cat.a,
      onHand: 9,
      ifSeq: 1,
      expectedOnHand: 5,
    });
    expect((await stockOf(code)).totals.onHand).toBe(9);
  });
});

describe('expected failures', () => {
  it('names the SKU, location and numbers when stock is short', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 3 });
    await post(`/v1/skus/${code}/holds`, { quantity: 2, locations: [cat.a] });
    const res = await api<Envelope>(`/v1/skus/${code}/adjust`, {
      body: { location: cat.a, delta: -2 },
    });
    expect(res.body.error).toMatchObject({
      code: 'insufficient_stock',
      message: `SKU ${code} at ${cat.a}: cannot remove 2, 1 free (onHand 3, reserved 2, committed 0, unavailable 0)`,
    });
  });

  it('answers unknown SKU, location, hold and transfer with their own codes', async () => {
    const code = await sku();
    const cases: [string, unknown, number, string][] = [
      ['/v1/skus/NOPE-404/receive', { location: cat.a, quantity: 1 }, 404, 'unknown_sku'],
      [`/v1/skus/${code}/receive`, { location: 'NOWHERE-9', quantity: 1 }, 404, 'unknown_location'],
      [`/v1/skus/${code}/holds/none/commit`, {}, 404, 'unknown_hold'],
      [`/v1/skus/${code}/transfers/none/receive`, {}, 404, 'unknown_transfer'],
      [
        `/v1/skus/${code}/holds`,
        { quantity: 1, channel: 'no-such-channel' },
        404,
        'unknown_channel',
      ],
    ];
    for (const [path, body, status, errorCode] of cases) {
      const res = await api<Envelope>(path, { body });
      expect([path, res.status, res.body.error.code]).toEqual([path, status, errorCode]);
    }
    expect((await api<Envelope>('/v1/skus/NOPE-404/stock')).body.error.code).toBe('unknown_sku');
  });
});

describe('reads of a SKU not in the catalog', () => {
  it('answers unknown_sku for its stock, events and holds without storing an object for it', async () => {
    const ghost = `GHOST-${crypto.randomUUID().slice(0, 8)}`;
    for (const path of ['stock', 'events', 'holds/h-1']) {
      const res = await api<Envelope>(`/v1/skus/${ghost}/${path}`);
      expect([path, res.status, res.body.error.code]).toEqual([path, 404, 'unknown_sku']);
      expect(res.body.error.message).toContain(ghost);
    }
    const id = env.SkuStock.idFromName(ghost);
    expect((await listDurableObjectIds(env.SkuStock)).some((i) => i.equals(id))).toBe(false);
  });
});
