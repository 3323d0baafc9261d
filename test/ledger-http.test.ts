import { describe, expect, it } from 'vitest';
import type { HistoryPage, ReconcileReport } from '../protocol/ledger';
import { api, uniq } from './support/client';
import { sku } from './support/fixtures';

type Envelope = { error: { code: string; message: string } };

describe("a SKU's history over HTTP", () => {
  it('answers unknown_sku for a SKU not in the catalog, as its stock and events do', async () => {
    const code = uniq('NOPE');
    for (const route of ['stock', 'events', 'history']) {
      const res = await api<Envelope>(`/v1/skus/${code}/${route}`);
      expect({ route, status: res.status, code: res.body.error.code }).toEqual({
        route,
        status: 404,
        code: 'unknown_sku',
      });
      expect(res.body.error.message).toContain(code);
    }
  });

  it('answers an empty page for a SKU in the catalog with no movements yet', async () => {
    const code = await sku();
    const res = await api<HistoryPage>(`/v1/skus/${code}/history`);
    expect([res.status, res.body]).toEqual([200, { sku: code, items: [], next: null }]);
  });
});

describe('reconcile over HTTP', () => {
  const asJson = { 'content-type': 'application/json' };

  it('runs with a JSON content type and no body, as the README calls it', async () => {
    const res = await api<ReconcileReport>('/v1/admin/reconcile', {
      method: 'POST',
      headers: asJson,
    });
    expect(res.status).toBe(200);
    expect(res.body.drift).toBeDefined();
  });

  it('runs with no body and no content type, and with an empty object', async () => {
    const bare = await api<ReconcileReport>('/v1/admin/reconcile', { method: 'POST' });
    expect(bare.status).toBe(200);
    const empty = await api<ReconcileReport>('/v1/admin/reconcile', { body: {} });
    expect(empty.status).toBe(200);
  });

  it('reconciles only the SKUs it is given', async () => {
    const code = await sku();
    const res = await api<ReconcileReport>('/v1/admin/reconcile', { body: { skus: [code] } });
    expect(res.status).toBe(200);
    expect(res.body.checkedSkus).toBe(1);
  });

  it('walks the catalog in pages: limit SKUs after after, and next until the last page', async () => {
    // Codes sorting after every other test's SKUs, so the pages hold only these.
    const prefix = `ZZZZZZ${uniq('RECON')}`;
    const codes = ['1', '2', '3', '4', '5'].map((n) => `${prefix}-${n}`);
    for (const code of codes) {
      const res = await api('/v1/skus', { body: { code, title: code } });
      expect(res.status).toBe(201);
    }
    const page = (body: Record<string, unknown>) =>
      api<ReconcileReport>('/v1/admin/reconcile', { body });
    const pages: [number, number, string | null][] = [];
    let after: string | null = prefix;
    while (after !== null) {
      const res: { status: number; body: ReconcileReport } = await page({ after, limit: 2 });
      pages.push([res.status, res.body.checkedSkus, res.body.next]);
      after = res.body.next;
    }
    expect(pages).toEqual([
      [200, 2, codes[1]],
      [200, 2, codes[3]],
      [200, 1, null],
    ]);
    // A page that ends exactly at the last SKU says so.
    const exact = await page({ after: codes[2], limit: 2 });
    expect([exact.body.checkedSkus, exact.body.next]).toEqual([2, null]);
    // Named SKUs are not paged.
    const named = await page({ skus: codes });
    expect([named.body.checkedSkus, named.body.next, named.body.drift.skus]).toEqual([5, null, 0]);
  });

  it('refuses a page with skus, and a limit out of 1 to 5,000', async () => {
    const code = await sku();
    for (const body of [
      { skus: [code], limit: 2 },
      { skus: [code], after: 'A' },
      { limit: 0 },
      { limit: 5001 },
      { limit: 1.5 },
    ]) {
      const res = await api<Envelope>('/v1/admin/reconcile', { body });
      expect([JSON.stringify(body), res.status, res.body.error.code]).toEqual([
        JSON.stringify(body),
        400,
        'validation_failed',
      ]);
    }
  });

  it('still refuses an unknown option and malformed JSON', async () => {
    const unknown = await api<Envelope>('/v1/admin/reconcile', { body: { all: true } });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'validation_failed']);
    const malformed = await api<Envelope>('/v1/admin/reconcile', {
      rawBody: '{"skus": [',
      headers: asJson,
    });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'invalid_json']);
  });
});
