import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uniq } from '../support/client';

const stock = async (policy: 'deny' | 'continue' = 'deny') => {
  const sku = uniq('SKU');
  const stub = env.SkuStock.get(env.SkuStock.idFromName(sku));
  await stub.configure({ sku, policy });
  return { sku, stub };
};
const meta = { actor: 'test' };

describe('SkuStock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('receives, holds, commits and ships with exact quantities and a gap-free seq', async () => {
    const { stub } = await stock();
    const r1 = await stub.apply({ op: 'receive', location: 'MAN-1', quantity: 10 }, meta);
    expect(r1.ok && r1.value.stock.totals).toMatchObject({ onHand: 10, available: 10 });
    const h = await stub.apply({ op: 'hold', quantity: 3, holdId: 'cart-1' }, meta);
    expect(h.ok && h.value.hold?.allocations).toEqual([
      { location: 'MAN-1', quantity: 3, shipped: 0 },
    ]);
    expect(h.ok && h.value.stock.totals).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
    await stub.apply({ op: 'commit', holdId: 'cart-1' }, meta);
    const s = await stub.apply({ op: 'ship', holdId: 'cart-1' }, meta);
    expect(s.ok && s.value.stock.totals).toMatchObject({
      onHand: 7,
      reserved: 0,
      committed: 0,
      available: 7,
    });
    expect(s.ok && s.value.hold?.status).toBe('shipped');
    const page = await stub.getEvents(0, 100);
    expect(page.ok && page.value.events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'receive'],
      [2, 'hold'],
      [3, 'commit'],
      [4, 'ship'],
    ]);
  });

  it('expires a hold at its deadline through the alarm', async () => {
    const { stub } = await stock();
    await stub.apply({ op: 'receive', location: 'MAN-1', quantity: 5 }, meta);
    await stub.apply({ op: 'hold', quantity: 2, holdId: 'h1', ttlSeconds: 60 }, meta);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const hold = await stub.getHold('h1');
    expect(hold.ok && hold.value.status).toBe('expired');
    const view = await stub.getStock();
    expect(view.ok && view.value.totals).toMatchObject({ reserved: 0, available: 5 });
  });

  it('lets exactly 100 of 500 concurrent one-unit holds succeed against 100 available', async () => {
    const { stub } = await stock();
    await stub.apply({ op: 'receive', location: 'MAN-1', quantity: 100 }, meta);
    const results = await Promise.allSettled(
      Array.from({ length: 500 }, () => stub.apply({ op: 'hold', quantity: 1 }, meta)),
    );
    const won = results.filter((r) => r.status === 'fulfilled' && r.value.ok).length;
    expect(won).toBe(100);
    const view = await stub.getStock();
    expect(view.ok && view.value.totals).toMatchObject({ reserved: 100, available: 0 });
  });
});
