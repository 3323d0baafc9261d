import { describe, expect, it } from 'vitest';
import type { AdsItem } from '../../objects/ads/adapter';
import { type Fixture, fixtures, itemsOf, type Sim, sendTo, tokenFor } from './support/fixtures';

// One contract, every ads adapter against its simulator, in-process on a virtual clock: valid
// shapes, batching, no request refused when `notBefore` is honoured, backoff when throttled, a
// resend after a crash applies once, expired tokens, 5xx and garbage retried, unknown entities
// refused alone. docs/ads.md#the-contract-suite.

const T0 = Date.UTC(2026, 11, 1, 12);

/** Pushes items honouring the adapter's batching and `notBefore`; returns the outcomes and the clock. */
async function pushAll(fx: Fixture, sim: Sim, items: AdsItem[], start = T0) {
  let now = start;
  const token = await tokenFor(fx, sim, now);
  const ctx = {
    settings: fx.settings,
    credentials: fx.credentials,
    now,
    ...(token ? { accessToken: token } : {}),
  };
  const outcomes = [];
  const max = fx.adapter.maxBatch(fx.settings);
  for (let i = 0; i < items.length; i += max) {
    const batch = items.slice(i, i + max);
    const res = await sendTo(sim, fx.adapter.buildPush(batch, { ...ctx, now }), now);
    const parsed = fx.adapter.parsePush(batch, res, now);
    outcomes.push(...parsed.items);
    now = Math.max(now, parsed.throttle.notBefore ?? now);
  }
  return { outcomes, now };
}

const statusOf = (sim: Sim, entity: string) =>
  sim.listing(T0).entities.find((e: { entity: string }) => e.entity === entity)?.status;

describe.each(fixtures)('the $kind adapter', (fx) => {
  it('pauses and resumes its entities in the wire format the API accepts', async () => {
    const sim = fx.sim(T0);
    const paused = await pushAll(fx, sim, itemsOf(fx, 3, 'paused'));
    expect(paused.outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied']);
    for (const item of itemsOf(fx, 3, 'paused'))
      expect(statusOf(sim, item.entity)).toBe(fx.words.paused);
    const resumed = await pushAll(fx, sim, itemsOf(fx, 1, 'serving'), paused.now);
    expect(resumed.outcomes).toEqual([
      { entity: itemsOf(fx, 1, 'serving')[0]?.entity, status: 'applied' },
    ]);
    expect(statusOf(sim, itemsOf(fx, 1, 'serving')[0]?.entity ?? '')).toBe(fx.words.serving);
  });

  it('is never refused by the API’s rate limit when notBefore is honoured', async () => {
    const sim = fx.sim(T0);
    const items = itemsOf(fx, 60, 'paused');
    // Google Ads batches: 60 requests of one ad group each exercise its request rate the same way.
    const { outcomes } = await pushAllOneByOne(fx, sim, items);
    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect(sim.listing(T0).totals.throttled).toBe(0);
  });

  it('backs off when throttled, and the items are retried, not lost', async () => {
    const sim = fx.sim(T0);
    sim.setFaults({ throttle: true });
    const items = itemsOf(fx, 1, 'paused');
    const token = await tokenFor(fx, sim, T0);
    const req = fx.adapter.buildPush(items, {
      settings: fx.settings,
      credentials: fx.credentials,
      now: T0,
      ...(token ? { accessToken: token } : {}),
    });
    const parsed = fx.adapter.parsePush(items, await sendTo(sim, req, T0), T0);
    expect(parsed.items.map((o) => o.status)).toEqual(['retry']);
    expect(parsed.throttle.notBefore ?? 0).toBeGreaterThanOrEqual(T0 + 1000);
    expect(parsed.fatal).toBeUndefined();
  });

  it('applies a resend of the same attempt once (a crash between sending and recording)', async () => {
    const sim = fx.sim(T0);
    const items = itemsOf(fx, 2, 'paused');
    const token = await tokenFor(fx, sim, T0);
    const ctx = {
      settings: fx.settings,
      credentials: fx.credentials,
      now: T0,
      ...(token ? { accessToken: token } : {}),
    };
    const max = fx.adapter.maxBatch(fx.settings);
    const requests =
      max === 1
        ? items.map((i) => fx.adapter.buildPush([i], ctx))
        : [fx.adapter.buildPush(items, ctx)];
    for (const req of requests) await sendTo(sim, req, T0);
    // The answer was lost: the object sends the very same requests again after its restart.
    const again =
      max === 1
        ? items.map((i) => fx.adapter.buildPush([i], ctx))
        : [fx.adapter.buildPush(items, ctx)];
    expect(again.map((r) => r.body)).toEqual(requests.map((r) => r.body));
    for (const [k, req] of requests.entries()) {
      const parsed = fx.adapter.parsePush(
        max === 1 ? [items[k] as AdsItem] : items,
        await sendTo(sim, req, T0 + 1000 * (k + 1)),
        T0,
      );
      expect(parsed.items.every((o) => o.status === 'applied')).toBe(true);
    }
    for (const e of sim.listing(T0).entities)
      expect({ entity: e.entity, changes: e.changes, status: e.status }).toEqual({
        entity: e.entity,
        changes: 1,
        status: fx.words.paused,
      });
  });

  it(`answers an expired access token with ${fx.expired}`, async () => {
    const sim = fx.sim(T0);
    sim.setFaults({ expireCredentials: true });
    const items = itemsOf(fx, 1, 'paused');
    const token = await tokenFor(fx, sim, T0);
    const req = fx.adapter.buildPush(items, {
      settings: fx.settings,
      credentials: fx.credentials,
      now: T0,
      ...(token ? { accessToken: token } : {}),
    });
    const parsed = fx.adapter.parsePush(items, await sendTo(sim, req, T0), T0);
    expect(parsed.items.map((o) => o.status)).toEqual(['retry']);
    if (fx.expired === 'refreshToken') expect(parsed.refreshToken).toBe(true);
    else expect(parsed.fatal?.code).toBe('credentials_invalid');
  });

  it('retries after a 5xx and after a proxy’s HTML 502', async () => {
    const items = itemsOf(fx, 1, 'paused');
    for (const fault of [{ http5xxRate: 1 }, { garbageRate: 1 }]) {
      const sim = fx.sim(T0);
      sim.setFaults(fault);
      const token = await tokenFor(fx, sim, T0);
      const req = fx.adapter.buildPush(items, {
        settings: fx.settings,
        credentials: fx.credentials,
        now: T0,
        ...(token ? { accessToken: token } : {}),
      });
      const parsed = fx.adapter.parsePush(items, await sendTo(sim, req, T0), T0);
      expect(parsed.items.map((o) => o.status)).toEqual(['retry']);
      expect(parsed.fatal).toBeUndefined();
    }
  });

  it('refuses an entity the API does not know for good, without holding back the others', async () => {
    const sim = fx.sim(T0);
    const missing = fx.adapter.Mapping.parse(fx.mapping(9, true));
    const items: AdsItem[] = [
      ...itemsOf(fx, 1, 'paused'),
      { entity: fx.adapter.entityOf(missing, fx.settings), external: missing, target: 'paused' },
    ];
    const { outcomes } = await pushAll(fx, sim, items);
    expect(outcomes.map((o) => o.status)).toEqual(['applied', 'rejected']);
  });
});

/** One entity a request, the way many single SKUs selling out one after another arrive. */
async function pushAllOneByOne(fx: Fixture, sim: Sim, items: AdsItem[]) {
  let now = T0;
  const outcomes = [];
  for (const item of items) {
    const r = await pushAll(fx, sim, [item], now);
    outcomes.push(...r.outcomes);
    now = r.now;
  }
  return { outcomes };
}
