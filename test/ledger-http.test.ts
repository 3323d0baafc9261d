import { describe, expect, it } from 'vitest';
import type { HistoryPage } from '../protocol/ledger';
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
