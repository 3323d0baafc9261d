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
