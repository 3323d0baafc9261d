import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StockView } from '../../protocol/stock';
import { is, openSocket } from '../stream/support';
import { api } from '../support/client';
import { type Catalog, catalog, post, sku } from '../support/fixtures';

const DAY = 24 * 3600 * 1000;
/** One hour into a UTC day, so every step below lands inside a known day. */
const DAY0 = Date.UTC(2026, 0, 10) + 3600 * 1000;

let cat: Catalog;
beforeAll(async () => {
  cat = await catalog();
});
afterEach(() => {
  vi.useRealTimers();
});

const demandAt = async (code: string, location: string) => {
  const view = (await api<StockView>(`/v1/skus/${code}/stock`)).body;
  return view.locations.find((l) => l.location === location);
};

describe('demand per SKU and location', () => {
  it('turns committed units into a rate, its spread, cover and a stockout time, live as days pass', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(DAY0);
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 100 });
    expect((await demandAt(code, cat.a))?.demand).toBeUndefined();
    await post(`/v1/skus/${code}/holds`, { quantity: 10, holdId: 'paid', commit: true });
    // The day is still open: nothing folded in yet.
    expect((await demandAt(code, cat.a))?.demand).toEqual({
      ratePerDay: 0,
      sigmaPerDay: 0,
      coverDays: null,
      stockoutAt: null,
    });
    // Day 0 closed with 10 units: p = 1, z = 10, mse = 0.2 × 10² = 20.
    vi.setSystemTime(DAY0 + DAY);
    expect(await demandAt(code, cat.a)).toMatchObject({
      available: 90,
      demand: {
        ratePerDay: 10,
        sigmaPerDay: 4.472,
        coverDays: 9,
        stockoutAt: new Date(DAY0 + DAY + 9 * DAY).toISOString(),
      },
    });
    // Two empty days: p = 0.9² = 0.81 → 8.1 a day; mse 20 → 36 → 45 (σ 6.708); 90 ÷ 8.1.
    vi.setSystemTime(DAY0 + 3 * DAY);
    expect((await demandAt(code, cat.a))?.demand).toMatchObject({
      ratePerDay: 8.1,
      sigmaPerDay: 6.708,
      coverDays: 11.11,
    });
  });

  it('counts a commit once, not again when it ships, and carries demand on stream rows', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(DAY0);
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 100 });
    await post(`/v1/skus/${code}/holds`, { quantity: 10, holdId: 'c1' });
    await post(`/v1/skus/${code}/holds/c1/commit`, {});
    await post(`/v1/skus/${code}/holds/c1/ship`, {});
    vi.setSystemTime(DAY0 + DAY);
    await post(`/v1/skus/${code}/holds`, { quantity: 5, holdId: 'c2', commit: true });
    const stub = env.SkuStock.get(env.SkuStock.idFromName(code));
    expect(await stub.published()).toBe(true);
    // Day 0 sold 10 (the ship counted nothing more); 85 left today.
    expect((await demandAt(code, cat.a))?.demand).toMatchObject({ ratePerDay: 10, coverDays: 8.5 });
    const s = await openSocket(`skus=${code}`);
    const page = await s.waitFor(is('snapshot'));
    const row = page.rows.find((r) => r.sku === code);
    expect(row?.locations.find((l) => l.location === cat.a)).toMatchObject({
      available: 85,
      demand: { ratePerDay: 10, sigmaPerDay: 4.472, coverDays: 8.5 },
    });
    s.ws.close();
  });
});
