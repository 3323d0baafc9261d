import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Recommendation, RecomputeResult } from '../../protocol/recommendations';
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
