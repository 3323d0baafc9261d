import { devFetch } from '../lib/api.ts';
import { httpLoad } from '../lib/http-load.ts';
import { LoadResult, mergeParts } from '../lib/load-result.ts';

/** wrangler dev resets a connection after a request of ~8 s: runs inside workerd go in parts. */
const PART_MS = 2000;

export type HoldTarget = { url: string; key: string; sku: string; concurrency: number };

/** Holds on one SKU through the gateway (autocannon over HTTP), for `seconds`. */
export const holdsOverHttp = (t: HoldTarget, seconds: number): Promise<LoadResult> =>
  httpLoad({
    url: `${t.url}/v1/skus/${t.sku}/holds`,
    method: 'POST',
    headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ quantity: 1 }),
    connections: t.concurrency,
    durationSec: seconds,
  });

/** Holds fired by the bench Worker itself at the SKU's counter (bench/worker: POST /bench/inside). */
export const holdsInsideWorkerd = async (t: HoldTarget, seconds: number): Promise<LoadResult> => {
  const parts: LoadResult[] = [];
  for (let left = Math.round(seconds * 1000); left > 0; left -= PART_MS) {
    const query = new URLSearchParams({
      counter: 'durable',
      sku: t.sku,
      concurrency: String(t.concurrency),
      durationMs: String(Math.min(left, PART_MS)),
    });
    const res = await devFetch(`${t.url}/bench/inside?${query}`, { method: 'POST' }, 60_000);
    const text = await res.text();
    if (!res.ok) throw new Error(`/bench/inside answered ${res.status}: ${text.slice(0, 500)}`);
    parts.push(LoadResult.parse(JSON.parse(text)));
  }
  return mergeParts(parts);
};
