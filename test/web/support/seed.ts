import { readFileSync } from 'node:fs';
import { devFetch } from '../../../bench/lib/api.ts';
import { repoRoot } from '../../../bench/lib/repo.ts';
import {
  DEMO_CHANNELS,
  DEMO_LOCATIONS,
  type DemoSku,
  importChunks,
  openingStock,
  skusFromOrders,
} from '../../../scripts/demo-catalog.ts';

// Small requests: wrangler dev's proxy can stall the request after one that lasted many seconds
// (seen here after a 1,000-SKU import took 15-25 s on a busy machine).
const IMPORT_LINES = 200;
const BATCH_LINES = 500;

/** A JSON call as the admin; throws with the answer on anything but the expected statuses. */
export const adminCall = async (
  url: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
  ok: number[] = [200, 201],
  headers: Record<string, string> = {},
): Promise<unknown> => {
  // devFetch retries what wrangler's proxy dropped, and this loop a 503 overloaded, as the API
  // asks (docs/running.md, Local limits): every call made here is idempotent.
  for (let attempt = 1; ; attempt++) {
    const res = await devFetch(
      `${url}${path}`,
      {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json',
          ...headers,
        },
        ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      },
      // An import configures one object per SKU: seconds each on a busy machine.
      120_000,
    );
    const text = await res.text();
    if (res.status === 503 && attempt < 3 && !ok.includes(503)) {
      await new Promise((resolve) => setTimeout(resolve, 2_000 * attempt));
      continue;
    }
    return answer(method, path, res.status, text, ok);
  }
};

const answer = (method: string, path: string, status: number, text: string, ok: number[]) => {
  if (!ok.includes(status)) {
    throw new Error(`${method} ${path}: HTTP ${status} ${text.slice(0, 400)}`);
  }
  return text === '' ? null : JSON.parse(text);
};

/** The demo catalog of `npm start` (scripts/demo-catalog.ts), loaded through the public API. */
export const seedDemo = async (url: string, key: string): Promise<DemoSku[]> => {
  for (const location of DEMO_LOCATIONS) {
    await adminCall(url, key, 'POST', '/v1/locations', location, [201, 409]);
  }
  for (const channel of DEMO_CHANNELS) {
    await adminCall(url, key, 'POST', '/v1/channels', channel, [201, 409]);
  }
  const skus = skusFromOrders(readFileSync(`${repoRoot}data/online-retail-2010-12.csv`, 'utf8'));
  for (const chunk of importChunks(skus, IMPORT_LINES)) {
    await adminCall(url, key, 'POST', '/v1/skus/import', chunk);
  }
  const lines = openingStock(skus);
  for (let n = 0; n * BATCH_LINES < lines.length; n++) {
    await adminCall(
      url,
      key,
      'POST',
      '/v1/movements/batch',
      { lines: lines.slice(n * BATCH_LINES, (n + 1) * BATCH_LINES) },
      [200],
      { 'idempotency-key': `web-test-opening-${n}` },
    );
  }
  return skus;
};

/** A new key of a role (viewer by default): the secret is shown only here. */
export const createKey = async (
  url: string,
  adminKey: string,
  role = 'viewer',
  scope: { channels?: string[]; locations?: string[] } = {},
): Promise<string> => {
  const created = await adminCall(url, adminKey, 'POST', '/v1/keys', {
    name: `web test ${role}`,
    role,
    ...scope,
  });
  if (typeof created !== 'object' || created === null || !('key' in created)) {
    throw new Error('POST /v1/keys answered without a key');
  }
  return String(created.key);
};
