import { z } from 'zod';
import type { ApiClient } from '../lib/api.ts';
import { devFetch } from '../lib/api.ts';
import { isService } from './stream.ts';

export const CHANNEL = 'bench-web';
const LOCATIONS = [
  { code: 'BENCH-MAN', name: 'Manchester DC', country: 'GB', latitude: 53.48, longitude: -2.24 },
  { code: 'BENCH-RTM', name: 'Rotterdam DC', country: 'NL', latitude: 51.92, longitude: 4.48 },
];
/** Units each product gets per warehouse: no run can sell them out (MAX_QUANTITY per receive). */
const UNITS = 1_000_000;
const IMPORT_CHUNK = 1000;
const BATCH_CHUNK = 5000;

/**
 * Two warehouses, a `nearest` channel that may split, every SKU the carts name (service lines
 * such as postage under `continue`) and stock no run can exhaust.
 */
export const createCatalog = async (
  url: string,
  key: string,
  api: ApiClient,
  skus: readonly string[],
): Promise<void> => {
  for (const l of LOCATIONS) {
    await api.post('/v1/locations', { ...l, kind: 'warehouse', region: 'BENCH' });
  }
  await api.post('/v1/channels', {
    code: CHANNEL,
    name: 'Bench web store',
    kind: 'storefront',
    locations: LOCATIONS.map((l) => l.code),
    routing: 'nearest',
    allowSplit: true,
  });
  // Each imported SKU creates its counter and each batch line writes one: minutes, not seconds.
  const slow = async (path: string, contentType: string, body: string) => {
    const res = await devFetch(
      `${url}${path}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
        body,
      },
      600_000,
    );
    if (!res.ok)
      throw new Error(`${path} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  };
  for (let i = 0; i < skus.length; i += IMPORT_CHUNK) {
    const ndjson = skus
      .slice(i, i + IMPORT_CHUNK)
      .map((code) =>
        JSON.stringify({
          code,
          title: `Order stream ${code}`,
          backorderPolicy: isService(code) ? 'continue' : 'deny',
        }),
      )
      .join('\n');
    await slow('/v1/skus/import', 'application/x-ndjson', ndjson);
  }
  const receipts = skus
    .filter((sku) => !isService(sku))
    .flatMap((sku) =>
      LOCATIONS.map((l) => ({ sku, op: 'receive', location: l.code, quantity: UNITS })),
    );
  for (let i = 0; i < receipts.length; i += BATCH_CHUNK) {
    const lines = receipts.slice(i, i + BATCH_CHUNK);
    await slow('/v1/movements/batch', 'application/json', JSON.stringify({ lines }));
  }
};

const Health = z.object({ ledger: z.object({ unflushedEvents: z.number() }) });

/**
 * Waits until every counter has flushed its events to the D1 ledger (GET /v1/health/ledger), so the
 * receipts' background work does not run during the measured runs. After `timeoutMs` it gives up
 * and says how many events were still unflushed (null: health did not answer).
 */
export const settle = async (
  url: string,
  key: string,
  timeoutMs = 60_000,
): Promise<{ ms: number; unflushed: number | null }> => {
  const started = Date.now();
  let unflushed: number | null = null;
  while (Date.now() - started < timeoutMs) {
    const res = await devFetch(
      `${url}/v1/health/ledger?fresh=true`,
      { headers: { authorization: `Bearer ${key}` } },
      timeoutMs,
    ).catch(() => undefined);
    const health = Health.safeParse(res?.ok ? await res.json() : undefined);
    unflushed = health.success ? health.data.ledger.unflushedEvents : null;
    if (unflushed === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { ms: Date.now() - started, unflushed };
};
