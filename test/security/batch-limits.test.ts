import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SkuStock } from '../../objects/SkuStock';
import { api, uniq } from '../support/client';
import { type Catalog, catalog, post, sku } from '../support/fixtures';

// One batch may not monopolise a SKU's object, nor leave records for lines that changed nothing.

type Line = { index: number; sku: string; ok: boolean; replayed: boolean; seq?: number };
type Batch = { applied: number; replayed: number; failed: number; results: Line[] };

let cat: Catalog;
beforeAll(async () => {
  cat = await catalog();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const onHand = async (code: string) =>
  (await api<{ totals: { onHand: number; reserved: number } }>(`/v1/skus/${code}/stock`)).body
    .totals;

describe('a refused batch line', () => {
  it('leaves no idempotency record: the same batch retried after a restock applies it, and replays the rest', async () => {
    const code = await sku();
    const headers = { 'idempotency-key': uniq('batch') };
    const lines = [
      { sku: code, op: 'receive', location: cat.a, quantity: 1 },
      { sku: code, op: 'hold', quantity: 3, locations: [cat.a], holdId: uniq('h') },
      { sku: code, op: 'adjust', location: cat.a, delta: -5 },
    ];
    const first = await api<Batch>('/v1/movements/batch', { body: { lines }, headers });
    expect(first.body).toMatchObject({ applied: 1, replayed: 0, failed: 2 });

    await post(`/v1/skus/${code}/receive`, { location: cat.a, quantity: 10 });
    const retry = await api<Batch>('/v1/movements/batch', { body: { lines }, headers });
    expect(retry.body.results.map((r) => [r.index, r.ok, r.replayed])).toEqual([
      [0, true, true],
      [1, true, false],
      [2, true, false],
    ]);
    expect(retry.body).toMatchObject({ applied: 2, replayed: 1, failed: 0 });
    expect(await onHand(code)).toMatchObject({ onHand: 6, reserved: 3 });
  });
});

describe('many lines on one SKU', () => {
  it('reach its object in calls of at most 200 lines, applied in request order', async () => {
    const code = await sku();
    const sizes: number[] = [];
    const original = SkuStock.prototype.applyBatch;
    vi.spyOn(SkuStock.prototype, 'applyBatch').mockImplementation(async function (
      this: SkuStock,
      items,
      meta,
    ) {
      if (Array.isArray(items)) sizes.push(items.length);
      return original.call(this, items, meta);
    });
    const LINES = 1_000;
    const lines = Array.from({ length: LINES }, (_, i) => ({
      sku: code,
      op: 'receive',
      location: cat.a,
      quantity: 1,
      ref: `line-${i}`,
    }));
    const res = await api<Batch>('/v1/movements/batch', { body: { lines } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: LINES, failed: 0 });
    expect(res.body.results.map((r) => r.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(sizes.length).toBeGreaterThanOrEqual(LINES / 200);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(200);
    expect(await onHand(code)).toMatchObject({ onHand: LINES });
  });
});
