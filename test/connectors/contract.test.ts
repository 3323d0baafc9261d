import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { Clock, Driver, viaFetcher } from './support/driver';
import { FIXTURES, type Fixture, type Sim } from './support/fixtures';

// The connector contract: every adapter, against its simulator, must pass these cases. A case that
// cannot apply to an adapter is skipped with the reason beside it (the drizzle pattern). Most cases
// drive the pure simulator in-process on a virtual clock; one goes through the MARKETPLACES binding.

const BASE = 'https://simulators.test';

async function setup(f: Fixture) {
  const clock = new Clock();
  const sim = f.sim(clock.now);
  const driver = new Driver(f.adapter, f.conn(BASE), (req, now) => sim.handle(req, now), clock);
  if (f.can.token) expect(await driver.refreshToken()).toBeNull();
  return { clock, sim, driver };
}

const items = (f: Fixture, n: number, quantity = (i: number) => (i % 17) + 1) =>
  Array.from({ length: n }, (_, i) => f.item(i, quantity(i)));

const accepted = (outcomes: { status: string }[]) =>
  outcomes.filter((o) => o.status === 'accepted').length;

describe.each(FIXTURES)('$name adapter', (f) => {
  it('pushes listed quantities in requests the marketplace accepts, and it lists them', async () => {
    const { sim, driver } = await setup(f);
    const batch = items(f, 3);
    const { outcomes } = await driver.push(batch, 'a1');
    expect(outcomes).toEqual(
      batch.map((i) => ({ sku: i.sku, status: 'accepted', quantity: i.quantity })),
    );
    for (const i of batch) expect(f.listed(sim as Sim, i)).toBe(i.quantity);
  });

  it('batches at the adapter maximum: 251 items take ceil(251 / maxBatch) requests, all accepted', async () => {
    const { sim, driver } = await setup(f);
    const max = f.adapter.maxBatch(driver.ctx().settings);
    const { requests, outcomes } = await driver.push(items(f, 251), 'batch');
    expect(requests).toHaveLength(Math.ceil(251 / max));
    expect(accepted(outcomes)).toBe(251);
    expect(f.applied(sim)).toBe(251);
  });

  it.skipIf(!f.can.limit)(
    'never sends a request the real limit would refuse when notBefore is honoured',
    async () => {
      // Webhook: skipped, a receiver has no published rate limit to honour.
      const { sim, driver } = await setup(f);
      // One item per attempt: 300 Shopify mutations (3,000 points) outrun the 2,000-point bucket,
      // 300 Amazon patches outrun the burst of 5.
      for (let i = 0; i < 300; i++) {
        const { outcomes } = await driver.push([f.item(i, 5)], `limit-${i}`);
        expect(outcomes[0]?.status).toBe('accepted');
      }
      expect(f.throttled(sim)).toBe(0);
    },
  );

  it.skipIf(!f.can.limit)(
    'backs off when throttled: retry outcomes, a later notBefore, then acceptance',
    async () => {
      // Webhook: skipped here; its 429 + Retry-After is the same retry outcome (see the garbage case).
      const { sim, driver, clock } = await setup(f);
      sim.setFaults({ throttle: true });
      const batch = items(f, 2);
      const first = await driver.push(batch, 'thr');
      expect(first.outcomes.every((o) => o.status === 'retry')).toBe(true);
      expect(driver.notBefore).not.toBeNull();
      expect(driver.notBefore ?? 0).toBeGreaterThan(clock.now - 1);
      sim.setFaults({ throttle: false });
      const again = await driver.push(batch, 'thr');
      expect(accepted(again.outcomes)).toBe(2);
    },
  );

  it.skipIf(!f.can.stale)(
    'reports a stale compare, re-reads the actual quantity, and pushes from it',
    async () => {
      // Amazon and webhook: skipped, their quantities are absolute with no compare-and-set.
      const { sim, driver, clock } = await setup(f);
      const item = f.item(1, 5);
      await driver.push([item], 'first');
      const shop = sim as unknown as import('../../simulators/shopify/shop').ShopifyShop;
      shop.merchantSets(
        (item.external as { inventoryItemId: string }).inventoryItemId,
        'gid://shopify/Location/7001',
        9,
      );
      const stale = await driver.push([{ ...item, quantity: 3, pushed: 5 }], 'second');
      expect(stale.outcomes).toEqual([{ sku: item.sku, status: 'stale', actual: null }]);
      const read = f.adapter.buildRead?.([item], driver.ctx());
      if (!read || !f.adapter.parseRead) throw new Error('a stale-compare adapter must read');
      clock.until(driver.notBefore);
      const actual = f.adapter.parseRead(await driver.send(read));
      expect(actual.get(item.sku)).toBe(9);
      const third = await driver.push(
        [{ ...item, quantity: 3, pushed: actual.get(item.sku) ?? null }],
        'third',
      );
      expect(accepted(third.outcomes)).toBe(1);
      expect(f.listed(sim, item)).toBe(3);
    },
  );

  it('resending the same attempt after a crash between send and record changes nothing', async () => {
    const { sim, driver } = await setup(f);
    const batch = items(f, 4);
    await driver.push(batch, 'crash');
    const before = f.applied(sim);
    const again = await driver.push(batch, 'crash');
    expect(accepted(again.outcomes)).toBe(4);
    for (const i of batch) expect(f.listed(sim, i)).toBe(i.quantity);
    if (f.can.idempotent) expect(f.applied(sim)).toBe(before);
    // Amazon: patches are absolute, so the resend is applied again to the same quantity.
    else expect(f.applied(sim)).toBe(before * 2);
  });

  it('reports bad credentials as a fatal credentials_invalid, never as a rejected item', async () => {
    const clock = new Clock();
    const sim = f.sim(clock.now);
    const driver = new Driver(
      f.adapter,
      f.badCredentials(f.conn(BASE)),
      (req, now) => sim.handle(req, now),
      clock,
    );
    if (f.can.token) {
      expect(await driver.refreshToken()).toBe('credentials_invalid');
      driver.accessToken = 'Atza|not-a-token';
    }
    const { outcomes, fatal } = await driver.push(items(f, 2), 'bad');
    expect(fatal).toContain('credentials_invalid');
    expect(outcomes.every((o) => o.status === 'retry')).toBe(true);
    const probe = f.adapter.parseProbe(await driver.send(f.adapter.buildProbe(driver.ctx())));
    expect(probe).toMatchObject({ ok: false, code: 'credentials_invalid' });
  });

  it.skipIf(!f.can.token)(
    'asks for a new access token when the marketplace calls it expired',
    async () => {
      // Shopify and webhook: skipped, their credentials do not expire (no token exchange).
      const { sim, driver, clock } = await setup(f);
      clock.advance(3_600_000);
      const expired = await driver.push(items(f, 1), 'exp');
      expect(expired.refresh).toBe(true);
      expect(expired.fatal).toEqual([]);
      expect(expired.outcomes[0]?.status).toBe('retry');
      expect(await driver.refreshToken()).toBeNull();
      expect(accepted((await driver.push(items(f, 1), 'exp')).outcomes)).toBe(1);
      expect(f.applied(sim)).toBe(1);
    },
  );

  it('reads a 503 as a retry of every item', async () => {
    const { sim, driver } = await setup(f);
    sim.setFaults({ http5xxRate: 1 });
    const { outcomes, fatal } = await driver.push(items(f, 2), 'unavailable');
    expect(outcomes.map((o) => o.status)).toEqual(['retry', 'retry']);
    expect(fatal).toEqual([]);
  });

  it('probes a good connection without changing anything', async () => {
    const { sim, driver } = await setup(f);
    expect(f.adapter.parseProbe(await driver.send(f.adapter.buildProbe(driver.ctx())))).toEqual({
      ok: true,
    });
    expect(f.applied(sim)).toBe(0);
  });

  it('reads a garbage HTML 502 as a retry, without throwing', async () => {
    const { sim, driver } = await setup(f);
    sim.setFaults({ garbageRate: 1 });
    const { outcomes, fatal } = await driver.push(items(f, 3), 'garbage');
    expect(outcomes.map((o) => o.status)).toEqual(['retry', 'retry', 'retry']);
    expect(fatal).toEqual([]);
  });

  it.skipIf(!f.can.bulk)(
    'bulk path: a 2,605-item job completes and reports every item',
    async () => {
      // Webhook: skipped, it has no bulk path (its batches are the per-item path).
      const { sim, driver } = await setup(f);
      const batch = items(f, 2605, (i) => i % 40);
      const done = await driver.bulk(batch, 'bulk-1');
      if (done.kind !== 'done')
        throw new Error(`bulk ended ${done.kind}: ${'message' in done ? done.message : ''}`);
      expect(done.items).toHaveLength(2605);
      expect(accepted(done.items)).toBe(2605);
      for (const i of [batch[0], batch[1300], batch[2604]])
        if (i) expect(f.listed(sim, i)).toBe(i.quantity);
      expect(f.applied(sim)).toBe(2605);
    },
  );

  it.skipIf(!f.can.bulk)(
    'bulk path: survives 5xx bursts and garbage answers on the way',
    async () => {
      // Webhook: skipped, it has no bulk path.
      const { sim, driver } = await setup(f);
      sim.setFaults({ http5xxRate: 0.3, garbageRate: 0.1 });
      const batch = items(f, 600, (i) => i % 9);
      const done = await driver.bulk(batch, 'bulk-faults');
      if (done.kind !== 'done')
        throw new Error(`bulk ended ${done.kind}: ${'message' in done ? done.message : ''}`);
      expect(accepted(done.items)).toBe(600);
      expect(f.applied(sim)).toBe(600);
    },
  );

  it('goes through the MARKETPLACES binding at the marketplace real address', async () => {
    if (!env.MARKETPLACES) throw new Error('vitest.config.ts binds MARKETPLACES to the simulators');
    const account = f.name === 'amazon' ? `A2BIND${Date.now() % 1_000_000}` : `bind-${Date.now()}`;
    const driver = new Driver(
      f.adapter,
      f.bindingConn(account),
      viaFetcher(env.MARKETPLACES),
      new Clock(Date.now()),
    );
    if (f.can.token) expect(await driver.refreshToken()).toBeNull();
    const batch = items(f, 3);
    const { outcomes } = await driver.push(batch, 'via-binding');
    expect(accepted(outcomes)).toBe(3);
    const listing = await env.MARKETPLACES.fetch(
      `https://simulators.test/_sim/${f.name}/listing?account=${account}`,
    );
    const body = (await listing.json()) as { items: unknown[] };
    expect(body.items).toHaveLength(3);
  });
});
