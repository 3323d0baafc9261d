import { beforeAll, describe, expect, it } from 'vitest';
import type { MutationOutcome, StockView } from '../protocol/stock';
import { api } from './support/client';
import { type Catalog, catalog, post, sku } from './support/fixtures';

let cat: Catalog;
beforeAll(async () => {
  cat = await catalog();
});

const stockOf = async (code: string) => (await api<StockView>(`/v1/skus/${code}/stock`)).body;
const holdConcurrently = (code: string, n: number, body: Record<string, unknown>) =>
  Promise.allSettled(
    Array.from({ length: n }, () =>
      api<MutationOutcome>(`/v1/skus/${code}/holds`, { body: { quantity: 1, ...body } }),
    ),
  );
const statuses = (results: PromiseSettledResult<{ status: number }>[]) =>
  results.map((r) => (r.status === 'fulfilled' ? r.value.status : 0));

describe('concurrent holds through the API', () => {
  it('lets exactly 100 of 500 one-unit holds win against 100 available, leaving 0', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 100 });
    const results = statuses(await holdConcurrently(code, 500, {}));
    expect(results.filter((s) => s === 201)).toHaveLength(100);
    expect(results.filter((s) => s === 409)).toHaveLength(400);
    const view = await stockOf(code);
    expect(view.totals).toMatchObject({ onHand: 100, reserved: 100, available: 0 });
    expect(view.seq).toBe(101);
  });

  it('shares 100 units over two locations exactly, wherever each hold lands', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 60 });
    await post(`/v1/skus/${code}/receive`, { location: cat.b, quantity: 40 });
    const half = (i: number) => (i % 2 === 0 ? [cat.a, cat.b] : [cat.b, cat.a]);
    const results = await Promise.allSettled(
      Array.from({ length: 500 }, (_, i) =>
        api(`/v1/skus/${code}/holds`, { body: { quantity: 1, locations: half(i) } }),
      ),
    );
    expect(statuses(results).filter((s) => s === 201)).toHaveLength(100);
    const view = await stockOf(code);
    expect(view.locations.map((l) => [l.location, l.reserved, l.available])).toEqual([
      [cat.a, 60, 0],
      [cat.b, 40, 0],
    ]);
  });

  it('never takes a unit twice when two-unit holds race for an odd remainder', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 101 });
    const results = await Promise.allSettled(
      Array.from({ length: 300 }, () => api(`/v1/skus/${code}/holds`, { body: { quantity: 2 } })),
    );
    expect(statuses(results).filter((s) => s === 201)).toHaveLength(50);
    expect((await stockOf(code)).totals).toMatchObject({ reserved: 100, available: 1 });
  });

  it('under continue, accepts all 500 and reports the overdraft exactly as backordered', async () => {
    const code = await sku('continue');
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 100 });
    const results = statuses(await holdConcurrently(code, 500, { locations: [cat.a] }));
    expect(results.filter((s) => s === 201)).toHaveLength(500);
    expect((await stockOf(code)).totals).toMatchObject({
      onHand: 100,
      reserved: 500,
      available: -400,
      backordered: 400,
    });
  });

  it('keeps commits, releases and new holds consistent when they interleave', async () => {
    const code = await sku();
    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 50 });
    for (let i = 0; i < 50; i++)
      await post(`/v1/skus/${code}/holds`, { quantity: 1, holdId: `c${i}` });
    const ops = [
      ...Array.from({ length: 25 }, (_, i) =>
        api(`/v1/skus/${code}/holds/c${i}/commit`, { body: {} }),
      ),
      ...Array.from({ length: 25 }, (_, i) =>
        api(`/v1/skus/${code}/holds/c${i + 25}/release`, { body: {} }),
      ),
      ...Array.from({ length: 100 }, () =>
        api(`/v1/skus/${code}/holds`, { body: { quantity: 1 } }),
      ),
    ];
    const results = statuses(await Promise.allSettled(ops));
    expect(results.slice(0, 50).every((s) => s === 200)).toBe(true);
    const won = results.slice(50).filter((s) => s === 201).length;
    expect(won).toBeLessThanOrEqual(25);
    const view = await stockOf(code);
    expect(view.totals).toMatchObject({
      onHand: 50,
      committed: 25,
      reserved: won,
      available: 25 - won,
    });
  });
});
